"""Writes of the accounts app: the life of API tokens (see lianxin.accounts.authentication)."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token

from lianxin.accounts.authentication import token_cutoff
from lianxin.accounts.models import User


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's API token: the existing one while it is younger than `LIANXIN_API_TOKEN_TTL`, so that
    every client of one account keeps working with the same key; once it has expired, a fresh one in
    its place (a user has at most one token)."""
    Token.objects.filter(user=user, created__lte=token_cutoff()).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: User) -> int:
    """Delete the user's API token (its key is refused from now on); returns how many were deleted."""
    deleted, _per_model = Token.objects.filter(user=user).delete()
    return deleted
