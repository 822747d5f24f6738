"""Background work of the intel adapter: outbox handlers and Huey tasks that take ids, load, and call one service.

The intake check, the services, the classifier and the router queue these tasks (they import this module), so the
tasks import them when they run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from huey.contrib.djhuey import db_task

from lianxin.accounts.models import User
from lianxin.analysis.models import ReplyAssessment
from lianxin.analysis.similar import changes_prune, index_build
from lianxin.core.outbox import outbox_add, outbox_handler
from lianxin.core.tasks import crontab, periodic
from lianxin.demands.models import Demand

INTAKE_TASK = "analysis.intake"
REPLY_ASSESS_TASK = "analysis.reply_assess"


def demand_intake_task(demand_id: int) -> None:
    """Queue the intake check of a new demand through the outbox (once per demand)."""
    outbox_add(INTAKE_TASK, key=f"intake:{demand_id}", payload={"demand_id": demand_id})


def reply_assess_task(demand_id: int) -> None:
    """Queue the quality score of a demand's reply through the outbox (once per reply)."""
    replied_at = Demand.objects.filter(pk=demand_id).values_list("replied_at", flat=True).first()
    stamp = replied_at.isoformat() if replied_at else "none"
    outbox_add(REPLY_ASSESS_TASK, key=f"reply-assess:{demand_id}:{stamp}", payload={"demand_id": demand_id})


@outbox_handler(INTAKE_TASK)
def demand_intake_handler(payload: dict[str, Any]) -> None:
    from lianxin.analysis.intake import intake_check  # imports this module (cycle)

    intake_check(demand_id=int(payload["demand_id"]))


@outbox_handler(REPLY_ASSESS_TASK)
def reply_assess_handler(payload: dict[str, Any]) -> None:
    from lianxin.analysis.services import reply_assess  # imports this module through intake (cycle)

    demand = Demand.objects.select_related("category").filter(pk=int(payload["demand_id"])).first()
    if demand is not None:
        reply_assess(demand=demand)


@db_task()
def classifier_retrain_task(version_id: int) -> None:
    from lianxin.analysis.classifier import retrain_run  # imports this module (cycle)

    retrain_run(version_id=version_id)


@db_task()
def router_retrain_task(version_id: int) -> None:
    from lianxin.analysis.routing import router_retrain_run  # imports this module (cycle)

    router_retrain_run(version_id=version_id)


@db_task()
def hotspots_refresh_task(user_id: int | None = None) -> None:
    from lianxin.analysis.services import hotspots_refresh  # imports this module through intake (cycle)

    hotspots_refresh(actor=User.objects.filter(pk=user_id).first() if user_id else None)


@outbox_handler("analysis.hotspots_run")  # hotspots.RUN_TASK: a window the hot-issue page asked for
def hotspots_run_handler(payload: dict[str, Any]) -> None:
    from lianxin.analysis.hotspots import hotspots_run  # imports this module through intake (cycle)

    hotspots_run(run_id=int(payload["run_id"]))


@periodic(crontab(minute="15", hour="*/3"))
def hotspots_periodic_task() -> None:
    from lianxin.analysis.services import hotspots_refresh  # imports this module through intake (cycle)

    hotspots_refresh()


@periodic(crontab(minute="*"))
def similar_index_task() -> None:
    """Keep the shared similar-demand index current: fill missing entries, write the next generation
    (lianxin.analysis.similar); a missing, stale or corrupt generation is rebuilt here."""
    index_build()


@periodic(crontab(minute="40", hour="*"))
def intel_upkeep_task() -> None:
    """Prune the similar-index change log; score replies that were missed (worker down at the time)."""
    from lianxin.analysis.services import reply_assess  # imports this module through intake (cycle)

    changes_prune()
    since = timezone.now() - timedelta(days=30)
    scored = ReplyAssessment.objects.values("demand_id")
    missing = (
        Demand.objects.filter(replied_at__gte=since)
        .exclude(reply_text="")
        .exclude(pk__in=scored)
        .select_related("category")[:500]
    )
    for demand in missing:
        reply_assess(demand=demand)
