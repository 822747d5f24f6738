"""Login throttling shared by the page login and the API token door.

Failures are counted in the shared cache (Redis in production), so every web node sees the same count:
- per username from one address: `LOGIN_MAX_FAILURES` (the guessing of one person's password);
- per address: four times that (one address trying many usernames);
- per username from anywhere: ten times that (guessing spread over many addresses).
So somebody who knows a username cannot lock its owner out from one address: their own address is
locked long before the username is.
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
    user = username.lower()[:150]
    return [f"login-fail:user-ip:{user}:{ip}", f"login-fail:ip:{ip}", f"login-fail:user:{user}"]


def login_check_allowed(username: str, ip: str) -> None:
    limit = settings.LOGIN_MAX_FAILURES
    counts = cache.get_many(_keys(username, ip))
    if any((counts.get(key) or 0) >= limit * factor for key, factor in zip(_keys(username, ip), (1, 4, 10))):
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
