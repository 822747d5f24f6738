"""Who sees a household's assistance file, and the relations of the action table.

The file is seen by exactly three kinds of user: the cadre paired with the household (结对干部), a
supervisor whose area scope contains the household's area, and admins. Everyone else — other cadres,
operators (who see every demand), handlers, editors, citizens, a supervisor of another area or of no
area — gets a 404, on pages and in the API alike.
"""

from __future__ import annotations

from django.db.models import Q

from lianxin.accounts.models import Role, Viewer
from lianxin.org.models import Area

NOTHING = Q(pk__in=[])
PAIRED = "paired"  # the plan's cadre
SCOPED_SUPERVISOR = "scoped_supervisor"  # a supervisor whose area scope contains the household
ADMIN = str(Role.ADMIN)
SYSTEM = "system"


def is_admin(user: Viewer) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.ADMIN))


def supervises(user: Viewer, area: Area) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(Role.SUPERVISOR)
        and user.area_scope is not None
        and user.area_scope.contains(area)
    )


def plan_q(user: Viewer, prefix: str = "") -> Q:
    """Plans `user` may see (`prefix` = the path to the plan from the queried model, e.g. "plan__")."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.has_role(Role.ADMIN):
        return Q()
    q = NOTHING
    if user.has_role(Role.CADRE):
        q |= Q(**{f"{prefix}cadre_id": user.pk})
    if user.has_role(Role.SUPERVISOR) and user.area_scope is not None:
        q |= user.area_scope.subtree_q(f"{prefix}household__area")
    return q


def household_q(user: Viewer) -> Q:
    """Households `user` may open a plan for: in a supervisor's scope or any for admins; a cadre the
    households assigned to them in the contact app (`contact.Assignment`, open today)."""
    if user is None or not user.is_authenticated:
        return NOTHING
    if user.has_role(Role.ADMIN):
        return Q()
    q = NOTHING
    if user.has_role(Role.SUPERVISOR) and user.area_scope is not None:
        q |= user.area_scope.subtree_q("area")
    if user.has_role(Role.CADRE):
        from django.utils import timezone

        today = timezone.localdate()
        q |= Q(
            assignments__cadre_id=user.pk,
            assignments__start__lte=today,
        ) & (Q(assignments__end__isnull=True) | Q(assignments__end__gte=today))
    return q


def relations(user: Viewer, plan) -> set[str]:
    if user is None:
        return {SYSTEM}
    if not user.is_authenticated:
        return set()
    found: set[str] = set()
    if user.has_role(Role.ADMIN):
        found.add(ADMIN)
    if plan.cadre_id == user.pk and user.has_role(Role.CADRE):
        found.add(PAIRED)
    if supervises(user, plan.household.area):
        found.add(SCOPED_SUPERVISOR)
    return found


def may_view(user: Viewer, plan) -> bool:
    return bool(relations(user, plan) - {SYSTEM})


def sees_whole(user: Viewer, plan) -> bool:
    """Phones and addresses whole for the paired cadre, masked for overseers (as in the contact app)."""
    return PAIRED in relations(user, plan)
