"""Outbox handlers of import jobs (the worker imports every app's `tasks`); each takes ids and calls
one service, and each is idempotent (lianxin.imports.services)."""

from __future__ import annotations

from typing import Any

from lianxin.core.outbox import outbox_handler
from lianxin.imports import services


@outbox_handler(services.RUN_TASK)
def import_run_handler(payload: dict[str, Any]) -> None:
    services.job_run(job_id=int(payload["job_id"]))


@outbox_handler(services.ANALYSE_TASK)
def import_analyse_handler(payload: dict[str, Any]) -> None:
    services.job_analyse(job_id=int(payload["job_id"]), start=int(payload.get("start", 0)))
