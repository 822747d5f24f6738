"""Who may do what to a project: the relations of `transitions.TABLE` and the visibility of drafts.

The public ledger shows every project past 拟定 to anyone; a draft is seen only by those who may manage
it (its responsible cadre, the cadres and handlers of its responsible unit, its creator, supervisors and
admins). What a user may not see is a 404.
"""

from __future__ import annotations

from django.db.models import Q

from lianxin.accounts.models import Role, Viewer
from lianxin.projects.models import PUBLIC_STATUSES, Project
from lianxin.projects.transitions import RESPONSIBLE, SYSTEM

OVERSEER_ROLES = (Role.SUPERVISOR, Role.ADMIN)
# Roles that may create a project (set by a unit, or from a poll or a hot issue).
CREATOR_ROLES = (Role.CADRE, Role.HANDLER, Role.SUPERVISOR, Role.ADMIN, Role.OPERATOR)


def relations(user: Viewer, project: Project) -> set[str]:
    """The user's role codes plus RESPONSIBLE when the project is theirs or their unit's."""
    if user is None:
        return {SYSTEM}
    if not user.is_authenticated:
        return set()
    found = set(user.role_list)
    if user.is_superuser:
        found.add(Role.ADMIN)
    if (
        project.cadre_id is not None
        and project.cadre_id == user.pk
        or (
            project.unit_id is not None
            and user.unit_id == project.unit_id
            and (Role.CADRE in found or Role.HANDLER in found)
        )
    ):
        found.add(RESPONSIBLE)
    return found


def may_manage(user: Viewer, project: Project) -> bool:
    rel = relations(user, project)
    return RESPONSIBLE in rel or bool(rel & set(OVERSEER_ROLES))


def managed_q(user: Viewer) -> Q:
    """Projects `user` may manage (and so see in every state)."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    if user.has_role(*OVERSEER_ROLES):
        return Q()
    q = Q(cadre_id=user.pk) | Q(created_by_id=user.pk)
    if user.unit_id is not None and user.has_role(Role.CADRE, Role.HANDLER):
        q |= Q(unit_id=user.unit_id)
    return q


def visible_q(user: Viewer) -> Q:
    return Q(status__in=PUBLIC_STATUSES) | managed_q(user)


def may_view(user: Viewer, project: Project) -> bool:
    return (
        project.is_public
        or may_manage(user, project)
        or bool(user is not None and user.is_authenticated and project.created_by_id == user.pk)
    )
