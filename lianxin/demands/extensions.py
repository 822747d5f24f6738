"""What other apps add to demand pages and records, registered by those apps when they are ready: the
demands app imports none of them (the layers run evaluation > analysis/contact/portal > demands), and
without them a demand page simply lacks their panels.

- **Panels** (`panel_register(name, source)`): a box on a demand page, rendered by `{% demand_panel name
  key=value … %}` (template tags `demands_extensions`) in the page's own context. `source(request,
  **values)` returns a `Panel` (the app's template and its values) or None for nothing to show. Panels
  today: intake, reply_quality, status (analysis), visit_source (contact).
- **Lookups** (`lookups_register(name=function)`): values of other apps that demand records show — the
  visit a demand was raised on (`visit_id`, contact), the policy articles for its reply
  (`related_policies`, portal) and the title and address of one cited in an answer (`article_citation`).

A failing panel or lookup is logged and shows nothing: a demand page never breaks because of another app.

- **Event listeners** (`event_listener_register(name, listener)`): hear each timeline event in the
  transaction that writes it (webhooks, the upper-platform exchange). Their errors roll the change back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from django.http import HttpRequest

from lianxin.demands.models import Demand, DemandEvent

logger = logging.getLogger("lianxin.demands")


@dataclass(frozen=True)
class Panel:
    """What a panel shows: a template of the registering app's and its values."""

    template: str
    values: dict[str, Any]


PanelSource = Callable[..., Panel | None]
_panels: dict[str, PanelSource] = {}


def panel_register(name: str, source: PanelSource) -> None:
    _panels[name] = source


def panel_unregister(name: str) -> None:
    _panels.pop(name, None)


def panel(name: str, request: HttpRequest | None, **values: Any) -> Panel | None:
    source = _panels.get(name)
    if source is None:
        return None
    try:
        return source(request, **values)
    except Exception:  # another app's panel never breaks a demand page
        logger.exception("demand panel %s failed", name)
        return None


def _no_visit(demand: Demand) -> int | None:
    return None


def _no_policies(demand: Demand) -> list[Any]:
    return []


def _no_article(article_id: int) -> tuple[str, str] | None:
    return None


@dataclass
class Lookups:
    visit_id: Callable[[Demand], int | None] = _no_visit
    related_policies: Callable[[Demand], list[Any]] = _no_policies
    article_citation: Callable[[int], tuple[str, str] | None] = _no_article  # (title, address) of a policy


LOOKUPS = Lookups()


def lookups_register(**functions: Callable[..., Any]) -> None:
    """Install lookups by name (a field of `Lookups`); an unknown name is a programming error."""
    known = {f.name for f in fields(Lookups)}
    unknown = set(functions) - known
    if unknown:
        raise TypeError(f"unknown demand lookups: {sorted(unknown)} (known: {sorted(known)})")
    for name, function in functions.items():
        setattr(LOOKUPS, name, function)


def visit_id(demand: Demand) -> int | None:
    try:
        return LOOKUPS.visit_id(demand)
    except Exception:
        logger.exception("visit lookup failed for demand %s", demand.pk)
        return None


def related_policies(demand: Demand) -> list[Any]:
    try:
        return LOOKUPS.related_policies(demand)
    except Exception:
        logger.exception("policy lookup failed for demand %s", demand.pk)
        return []


def article_citation(article_id: int) -> tuple[str, str] | None:
    try:
        return LOOKUPS.article_citation(article_id)
    except Exception:
        logger.exception("article lookup failed for %s", article_id)
        return None


# Event listeners: other apps (webhooks, the upper-platform exchange) hear every timeline event in the
# transaction that writes it, so the work it needs (an outbox row) commits or rolls back with the change.
EventListener = Callable[[list[DemandEvent]], None]
_listeners: dict[str, EventListener] = {}


def event_listener_register(name: str, listener: EventListener) -> None:
    """`listener(events)` is called with the events just written (one from a service, a batch from the
    deadline sweep), inside their transaction. Unlike panels its errors propagate: a listener that
    cannot record the work it owes must roll the change back, not lose the work."""
    _listeners[name] = listener


def event_listener_unregister(name: str) -> None:
    _listeners.pop(name, None)


def has_listeners() -> bool:
    return bool(_listeners)


def events_recorded(events: list[DemandEvent]) -> None:
    if events:
        for listener in list(_listeners.values()):
            listener(events)
