"""Request types for views: behind `login_required` (or a role check) the user is a `User`, never an
`AnonymousUser`, and views say so with `UserRequest` instead of checking again."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request

from lianxin.accounts.models import User


class UserRequest(HttpRequest):
    user: User


class UserApiRequest(Request):
    """A DRF request behind `IsAuthenticated`."""

    user: User
