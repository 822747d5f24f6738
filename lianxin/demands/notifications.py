"""Who hears about what happens to a demand. Inbox rows are written in the action's transaction;
email/SMS go out after commit (lianxin.core.notify), so a failing sender never blocks an action."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from lianxin.accounts.models import Role, User, role_q
from lianxin.core.notify import Body, Message, notify
from lianxin.demands.models import Demand


def _link(demand_id: int) -> str:
    return reverse("demands:detail", args=[demand_id])


def unit_handlers(unit_ids: Iterable[int | None]) -> list[User]:
    ids = [i for i in unit_ids if i]
    if not ids:
        return []
    return list(User.objects.filter(role_q(Role.HANDLER), unit_id__in=ids, is_active=True))


def role_users(*roles: str) -> list[User]:
    q = role_q(roles[0])
    for role in roles[1:]:
        q |= role_q(role)
    return list(User.objects.filter(q, is_active=True))


def notify_unit(
    demand: Demand,
    *,
    title: str | Message,
    body: Body = "",
    kind: str = "demand",
    include_assisting: bool = False,
    unit_id: int | None = None,
) -> None:
    """Tell the handlers of the lead unit (or of `unit_id`, a unit the demand just left)."""
    unit_ids: list[int | None] = [unit_id or demand.lead_unit_id]
    if include_assisting:
        unit_ids += list(demand.assisting_units.values_list("pk", flat=True))
    notify(unit_handlers(unit_ids), title=title, body=body, link=_link(demand.pk), kind=kind)


def notify_roles(
    demand: Demand, *roles: str, title: str | Message, body: Body = "", kind: str = "demand"
) -> None:
    notify(role_users(*roles), title=title, body=body, link=_link(demand.pk), kind=kind)


def notify_requester(demand: Demand, *, title: str | Message, body: Body = "") -> None:
    if demand.requester is not None:  # no query when there is no requester
        notify([demand.requester], title=title, body=body, link=reverse("demands:mine"), kind="demand")
