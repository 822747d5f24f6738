"""Background work of evaluation: batch generation of reports."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from lianxin.evaluation.services import report_batch_run


@db_task()
def report_batch_task(batch_id: int) -> None:
    report_batch_run(batch_id=batch_id)
