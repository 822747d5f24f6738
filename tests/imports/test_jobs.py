"""An import job whose worker dies mid-run is taken again: what the first run stored is counted once,
never as duplicates of itself, and every imported demand is analysed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from lianxin.demands import importers
from lianxin.demands.models import Demand
from lianxin.imports import services
from lianxin.imports.models import ImportJob, JobStatus
from tests.imports.conftest import write_csv

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not an Exception the job catches)."""


def _job(tmp_path, rows, operator) -> ImportJob:
    path = write_csv(tmp_path / "letters.csv", rows)
    job = ImportJob(filename=path.name, created_by=operator, status=JobStatus.PENDING)
    job.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    job.mapping = {}
    job.save()
    return job


def _rows(n: int, *, duplicate_of_first: bool = False) -> list[list[object]]:
    rows: list[list[object]] = [
        [
            str(i),
            f"U{i}",
            f"第{i}号路灯不亮",
            f"2021-03-{i % 27 + 1:02d} 09:00:00",
            f"第{i}号路灯坏了",
            "",
            "",
        ]
        for i in range(1, n + 1)
    ]
    if duplicate_of_first:
        rows.append(list(rows[0]))  # the same id twice in the file: a true duplicate
    return rows


def test_a_job_taken_again_after_its_worker_died_counts_each_row_once(
    tmp_path, operator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(importers, "BATCH", 3)
    job = _job(tmp_path, _rows(8, duplicate_of_first=True), operator)
    real_flush = importers._flush
    calls = {"n": 0}

    def dying_flush(batch, summary, on_batch=None):
        calls["n"] += 1
        real_flush(batch, summary, on_batch)
        if calls["n"] == 2:
            raise WorkerKilled  # the second batch committed, with its ids; then the worker is gone

    monkeypatch.setattr(importers, "_flush", dying_flush)
    with pytest.raises(WorkerKilled):
        services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert sorted(job.demand_ids) == sorted(Demand.objects.values_list("pk", flat=True))
    assert len(job.demand_ids) == 6  # both committed batches' ids, although no progress ran after them

    monkeypatch.setattr(importers, "_flush", real_flush)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - services.STALE - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert Demand.objects.count() == 8
    assert (job.imported, job.duplicates, job.refused) == (8, 1, 0)
    assert len(job.demand_ids) == len(set(job.demand_ids)) == 8
    assert [r["reason"] for r in job.refused_rows] == ["duplicate_id"]


def test_a_second_job_of_the_same_file_counts_every_row_as_a_duplicate(tmp_path, operator):
    first = _job(tmp_path, _rows(4), operator)
    services.job_run(job_id=first.pk)
    second = _job(tmp_path, _rows(4), operator)
    services.job_run(job_id=second.pk)
    second.refresh_from_db()
    assert (second.imported, second.duplicates, second.refused) == (0, 4, 0)
    holders = {r["demand"] for r in second.refused_rows}
    assert holders == set(Demand.objects.values_list("pk", flat=True))
