"""API tokens that expire: DRF's token, refused once it is `LIANXIN_API_TOKEN_TTL` hours old.

A token's age counts from when it was issued, not from its last use, so a leaked key stops working
within the lifetime however busy it is. A client that gets 401 `token_expired` asks
`POST /api/v1/auth/token/` again and receives a fresh key (`accounts.services.token_issue`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed


class TokenExpired(AuthenticationFailed):
    default_code = "token_expired"


def token_cutoff(now: datetime | None = None) -> datetime:
    """Tokens issued at or before this moment have expired."""
    return (now or timezone.now()) - timedelta(hours=settings.LIANXIN_API_TOKEN_TTL)


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused with 401 `token_expired` (and the token deleted) when the
    token is older than `LIANXIN_API_TOKEN_TTL` hours. Unknown keys and inactive users are refused as
    DRF refuses them (401 `authentication_failed`)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token.created <= token_cutoff():
            token.delete()
            raise TokenExpired(_("API 令牌已过期，请用用户名和密码重新获取。"))
        return user, token
