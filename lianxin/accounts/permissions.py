"""Role checks for pages and the API. Both refuse, when they are declared, a role code that is not a
`Role` (ValueError naming it): a typo in a decorator fails at import, not as a page nobody may open."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from lianxin.accounts.models import STAFF_ROLES, role_codes


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Page decorator: anonymous users go to the login page, users without any of `roles` get 403."""
    allowed = role_codes(roles)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(*STAFF_ROLES)


class HasRole(BasePermission):
    """DRF permission: `HasRole.of(Role.OPERATOR, Role.SUPERVISOR)`."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles: str) -> type[HasRole]:
        allowed = role_codes(roles)
        return type(f"HasRole_{'_'.join(allowed)}", (cls,), {"roles": allowed})

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


class IsStaffMember(HasRole):
    roles = tuple(STAFF_ROLES)
