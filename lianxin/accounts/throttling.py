"""Login throttling shared by the page login and the API token door.

Failures are counted per username and per client address in the shared cache (Redis in production),
so every web node sees the same count.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from lianxin.core.errors import ApplicationError
from lianxin.core.requests import client_ip

__all__ = ["client_ip", "login_check_allowed", "login_record_failure", "login_record_success"]


class TooManyAttempts(ApplicationError):
    status = 429
    default_code = "throttled"


def _keys(username: str, ip: str) -> list[str]:
    return [f"login-fail:user:{username.lower()[:150]}", f"login-fail:ip:{ip}"]


def login_check_allowed(username: str, ip: str) -> None:
    limit = settings.LOGIN_MAX_FAILURES
    user_key, ip_key = _keys(username, ip)
    if (cache.get(user_key) or 0) >= limit or (cache.get(ip_key) or 0) >= limit * 4:
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW // 60)
        raise TooManyAttempts(_("登录失败次数过多，请 %(n)d 分钟后再试。") % {"n": minutes})


def login_record_failure(username: str, ip: str) -> None:
    for key in _keys(username, ip):
        if cache.add(key, 1, settings.LOGIN_FAILURE_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def login_record_success(username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])
