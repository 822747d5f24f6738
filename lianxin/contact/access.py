"""Who may look at whose contact work: a cadre their own, a supervisor or admin anyone's."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest

from lianxin.accounts.models import Role, User, role_q
from lianxin.core.params import as_id

OVERSEER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


class SignedInRequest(HttpRequest):
    """The request of a page behind `role_required`: its user is signed in (for the type checker)."""

    user: User


def may_view_cadre(user: User | AnonymousUser, cadre: User) -> bool:
    return bool(user.is_authenticated and (user.pk == cadre.pk or user.has_role(*OVERSEER_ROLES)))


def cadre_named(ident: str) -> User | None:
    """The cadre `ident` names: an id, else a username; None when no cadre has it."""
    qs = User.objects.filter(role_q(Role.CADRE)).select_related("unit", "area_scope")
    pk = as_id(ident)
    return qs.filter(pk=pk).first() if pk else qs.filter(username=ident).first()


def cadre_from_request(request: SignedInRequest, param: str = "cadre") -> User:
    """The cadre a page is about: `?cadre=<id|username>` for overseers, otherwise the user themself.

    Anyone else asking for another cadre gets a 404 (what a user may not see does not exist for them).
    """
    wanted = (request.GET.get(param) or request.POST.get(param) or "").strip()
    user = request.user
    if not wanted or wanted in (str(user.pk), user.username):
        if not user.has_role(Role.CADRE) and not user.has_role(*OVERSEER_ROLES):
            raise Http404
        return user
    if not user.has_role(*OVERSEER_ROLES):
        raise Http404
    cadre = cadre_named(wanted)
    if cadre is None:
        raise Http404
    return cadre
