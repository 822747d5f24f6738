"""Background work of evaluation: batch generation of reports, through the outbox (lianxin.core.outbox)."""

from __future__ import annotations

from typing import Any

from lianxin.core.outbox import outbox_add, outbox_handler
from lianxin.evaluation.services import report_batch_run

REPORT_BATCH_TASK = "evaluation.report_batch"


def report_batch_task(batch_id: int) -> None:
    """Queue the generation of a batch (idempotent on the batch; call it inside the batch's transaction)."""
    outbox_add(REPORT_BATCH_TASK, key=f"report-batch:{batch_id}", payload={"batch_id": batch_id})


@outbox_handler(REPORT_BATCH_TASK)
def report_batch_handler(payload: dict[str, Any]) -> None:
    report_batch_run(batch_id=int(payload["batch_id"]))  # a batch already done or failed is left as it is
