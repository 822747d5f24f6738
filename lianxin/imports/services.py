"""Import jobs: created from an upload, started once the columns are mapped, run and analysed as
background work through the outbox (lianxin.core.outbox), each step idempotent.

- `job_create(upload, actor)`: the uploaded file stored (private media) in a `draft` job.
- `job_start(job, mapping, actor)`: the mapping recorded and the run queued in the same transaction.
- `job_run(job_id)` (outbox handler): `lianxin.demands.importers.demands_import` with the mapping; the
  counts and demand ids are written inside every batch's transaction (the page polls them; a worker that
  dies loses no id), then the analysis is queued. A job taken again after its worker died keeps its
  earlier demands, and their rows, met again, are neither duplicates nor refused.
- `job_analyse(job_id, start)` (outbox handler): one batch of the imported demands analysed
  (lianxin.imports.analysis), then the next batch queued, until all are done.
- `cli_import_done(summary, path)`: the listener of `lianxin import demands`; records a job for the
  command's import and queues the same analysis.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.core.errors import ApplicationError, ValidationFailed
from lianxin.core.outbox import outbox_add
from lianxin.demands.importers import (
    DUPLICATE_REASONS,
    TARGETS,
    ImportSummary,
    demands_import,
    file_preview,
)
from lianxin.imports.models import ImportJob, JobSource, JobStatus

logger = logging.getLogger("lianxin.imports")

RUN_TASK = "imports.run"
ANALYSE_TASK = "imports.analyse"
ANALYSE_BATCH = 200
MAX_UPLOAD = 50 * 1024 * 1024
SUFFIXES = (".xlsx", ".csv")
STALE = timedelta(minutes=10)  # a running job whose worker has not reported for this long is taken again


def job_create(*, upload: UploadedFile, actor: User) -> ImportJob:
    """A draft job holding the uploaded file; refuses a file that is not .xlsx/.csv, too big or unreadable."""
    name = Path(upload.name or "").name
    if Path(name).suffix.lower() not in SUFFIXES:
        raise ValidationFailed(_("请上传 .xlsx 或 .csv 文件"), fields={"file": [_("文件类型不支持")]})
    if upload.size is not None and upload.size > MAX_UPLOAD:
        raise ValidationFailed(_("文件超过 50 MB"), fields={"file": [_("文件过大")]})
    job = ImportJob(filename=name[:255], created_by=actor, source=JobSource.WEB)
    job.file.save(name, upload, save=False)
    try:
        file_preview(job.file.path, rows=1)
    except ApplicationError:
        job.file.delete(save=False)
        raise
    job.save()
    return job


def job_start(*, job: ImportJob, mapping: dict[str, int], actor: User) -> ImportJob:
    """Record the operator's mapping and queue the run (the outbox row commits with the job's change)."""
    clean = {code: int(index) for code, index in mapping.items() if code in TARGETS}
    with transaction.atomic():
        updated = ImportJob.objects.filter(pk=job.pk, status=JobStatus.DRAFT).update(
            mapping=clean, status=JobStatus.PENDING
        )
        if updated:
            outbox_add(RUN_TASK, key=f"import-run:{job.pk}", payload={"job_id": job.pk})
    job.refresh_from_db()
    return job


def _claim(job_id: int) -> ImportJob | None:
    now = timezone.now()
    taken = ImportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    ) or ImportJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, heartbeat_at__lt=now - STALE).update(
        heartbeat_at=now
    )
    return ImportJob.objects.filter(pk=job_id).first() if taken else None


def _refused(summary: ImportSummary, prior_ids: list[int]) -> list[dict[str, Any]]:
    """The refused rows, less those "already imported" by this very job before its worker died."""
    prior = set(prior_ids)
    return [r for r in summary.refused if r.get("demand") not in prior] if prior else summary.refused


def _counts(summary: ImportSummary, prior_ids: list[int]) -> dict[str, Any]:
    refused = _refused(summary, prior_ids)
    duplicates = sum(1 for r in refused if r["reason"] in DUPLICATE_REASONS)
    return {
        "rows_read": summary.rows,
        "imported": len(prior_ids) + summary.taken,
        "duplicates": duplicates,
        "refused": len(refused) - duplicates,
        "demand_ids": prior_ids + summary.created_ids,
        "ignored_columns": summary.ignored_columns,
        "notes": summary.notes,
        "heartbeat_at": timezone.now(),
    }


def job_run(*, job_id: int) -> None:
    """Run a pending job's import (outbox handler; a second delivery finds the job taken and returns)."""
    job = _claim(job_id)
    if job is None:
        return
    prior = [int(i) for i in job.demand_ids or []]  # a job taken again after its worker died keeps these

    def progress(summary: ImportSummary) -> None:
        ImportJob.objects.filter(pk=job_id).update(**_counts(summary, prior))

    try:
        summary = demands_import(
            job.file.path, mapping=job.mapping or None, progress=False, on_batch=progress
        )
    except ApplicationError as exc:
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=exc.message[:2000], finished_at=timezone.now()
        )
        return
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return
    counts = _counts(summary, prior)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job_id).update(**counts, refused_rows=_refused(summary, prior))
        _analysis_queue(job_id, ids=counts["demand_ids"])


def _analysis_installed() -> bool:
    return apps.is_installed("lianxin.analysis")


def _analysis_queue(job_id: int, *, ids: list[int]) -> None:
    """In the caller's transaction: the job goes to analysing (done when nothing was imported, or when the
    deployment leaves the text-mining app out)."""
    if not ids or not _analysis_installed():
        ImportJob.objects.filter(pk=job_id).update(status=JobStatus.DONE, finished_at=timezone.now())
        return
    ImportJob.objects.filter(pk=job_id).update(status=JobStatus.ANALYSING)
    outbox_add(ANALYSE_TASK, key=f"import-analyse:{job_id}:0", payload={"job_id": job_id, "start": 0})


def job_analyse(*, job_id: int, start: int) -> None:
    """Analyse one batch of a job's imported demands, then queue the next (outbox handler, idempotent)."""
    job = ImportJob.objects.filter(pk=job_id).only("pk", "demand_ids", "analysed", "status").first()
    if job is None or job.status != JobStatus.ANALYSING:
        return
    from lianxin.imports.analysis import analyse_demands  # only where the analysis app is installed

    ids = [int(i) for i in job.demand_ids or []]
    end = min(len(ids), start + ANALYSE_BATCH)
    analyse_demands(ids[start:end])
    with transaction.atomic():
        if end < len(ids):
            ImportJob.objects.filter(pk=job_id, analysed__lt=end).update(analysed=end)
            outbox_add(
                ANALYSE_TASK, key=f"import-analyse:{job_id}:{end}", payload={"job_id": job_id, "start": end}
            )
        else:
            ImportJob.objects.filter(pk=job_id).update(
                analysed=len(ids), status=JobStatus.DONE, finished_at=timezone.now()
            )


def cli_import_done(summary: ImportSummary, path: Path) -> None:
    """After `lianxin import demands`: a job records the import and queues the analysis of its demands."""
    if not summary.created_ids:
        return
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.create(
            source=JobSource.CLI,
            status=JobStatus.RUNNING,
            filename=Path(path).name[:255],
            rows_read=summary.rows,
            imported=summary.taken,
            duplicates=summary.duplicates,
            refused=summary.errors,
            refused_rows=summary.refused,
            ignored_columns=summary.ignored_columns,
            notes=summary.notes,
            demand_ids=list(summary.created_ids),
            started_at=now,
            heartbeat_at=now,
        )
        _analysis_queue(job.pk, ids=job.demand_ids)
    summary.analysis_job = job.pk
