"""Imported letters analysed like new ones (issue 17.7): after an import (page or command line), each
imported demand gets the intake analysis in batched background work, with progress on the job."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command

from lianxin.analysis import classifier as analysis_classifier
from lianxin.analysis import services as analysis_services
from lianxin.analysis import similar as analysis_similar
from lianxin.analysis.models import DemandIntel, ReplyAssessment, SimilarChange
from lianxin.core.models import Notification, OutboxItem
from lianxin.demands.importers import demands_import
from lianxin.demands.models import Demand
from lianxin.imports import services
from lianxin.imports.analysis import analyse_demands
from lianxin.imports.models import ImportJob, JobSource, JobStatus
from lianxin.org.models import Category
from tests.analysis.conftest import ENVIRONMENT, TRAFFIC
from tests.imports.conftest import write_csv

DANGER = "楼顶有人要跳楼，情绪激动，请马上派人"
ROWS = [
    [
        "1",
        "U1",
        "公交车晚点严重",
        "2021-03-01 09:00:00",
        "12路公交车天天晚点，希望增加班次",
        "已协调公交公司增加班次",
        "2021-03-08 10:00:00",
    ],
    ["2", "U2", "紧急", "2021-03-02 10:00:00", DANGER, "", ""],
    ["3", "U3", "工厂废气", "2021-03-03 11:00:00", "化工厂夜间排放废气气味刺鼻", "", ""],
    ["4", "U4", "工地噪音", "2021-03-04 11:00:00", "工地噪音扰民晚上施工", "", ""],
    ["5", "U5", "河道污染", "2021-03-05 11:00:00", "河道污染严重水发黑发臭", "", ""],
]


@pytest.fixture(autouse=True)
def _fresh_intel_state(db):
    analysis_classifier.classifier_forget()
    analysis_similar.index_forget()
    cache.delete(analysis_classifier.ACTIVE_KEY)
    yield
    analysis_classifier.classifier_forget()
    analysis_similar.index_forget()
    cache.delete(analysis_classifier.ACTIVE_KEY)


@pytest.fixture
def tiny_model(db):
    from lianxin.intel.classifier import classifier_train

    for i, name in enumerate(["交通运输", "环境保护"]):
        Category.objects.get_or_create(name=name, defaults={"code": f"TX{i}"})
    model = classifier_train(
        TRAFFIC + ENVIRONMENT, ["交通运输"] * len(TRAFFIC) + ["环境保护"] * len(ENVIRONMENT)
    )
    return analysis_services.classifier_version_upload(data=model.to_bytes(), name="tiny")


def _web_job(operator, path, mapping=None):
    from lianxin.demands.importers import file_preview, guess_mapping

    job = ImportJob(filename=path.name, created_by=operator, status=JobStatus.DRAFT)
    job.file.save(path.name, ContentFile(path.read_bytes()))
    header, _rows = file_preview(path)
    return services.job_start(job=job, mapping=mapping or guess_mapping(header), actor=operator)


def test_imported_demands_get_the_intake_analysis(
    operator, tmp_path, tiny_model, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "ANALYSE_BATCH", 2)
    path = write_csv(tmp_path / "m.csv", ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        job = _web_job(operator, path)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.imported == 5 and job.analysed == job.analysis_total == 5 and job.analysis_progress == 100
    ids = set(job.demand_ids)
    assert set(DemandIntel.objects.values_list("demand_id", flat=True)) == ids
    bus = DemandIntel.objects.get(demand__external_id="1")
    assert bus.suggestions and bus.suggestions[0]["category"] == "交通运输" and bus.model_version_id
    danger = DemandIntel.objects.get(demand__external_id="2")
    assert danger.urgency == "critical" and danger.urgency_reason
    # history is not escalated: nobody is told about an old, closed letter
    assert danger.escalated_at is None and not Notification.objects.filter(kind="escalation").exists()
    assert list(ReplyAssessment.objects.values_list("demand__external_id", flat=True)) == ["1"]
    assert set(SimilarChange.objects.values_list("demand_id", flat=True)) == ids
    # batched: three analysis rows of two demands each, all done
    batches = OutboxItem.objects.filter(task=services.ANALYSE_TASK)
    assert batches.count() == 3 and set(batches.values_list("status", flat=True)) == {"done"}


def test_analysis_is_idempotent_per_demand(operator, tmp_path, django_capture_on_commit_callbacks):
    path = write_csv(tmp_path / "m.csv", ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        job = _web_job(operator, path)
    job.refresh_from_db()
    first = {i.demand_id: i.pk for i in DemandIntel.objects.all()}
    assert len(first) == 5
    assert analyse_demands(job.demand_ids) == 0  # every demand already analysed
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.ANALYSING, analysed=0)
    services.job_analyse(job_id=job.pk, start=0)  # a second delivery of a batch
    assert {i.demand_id: i.pk for i in DemandIntel.objects.all()} == first
    assert ReplyAssessment.objects.count() == 1
    # a second delivery of the run finds the job taken and does nothing
    services.job_run(job_id=job.pk)
    assert Demand.objects.count() == 5


def test_the_command_line_import_queues_the_same_analysis(
    tmp_path, capsys, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "m.csv", ROWS)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "demands", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    job = ImportJob.objects.get(pk=out["analysis_job"])
    assert job.source == JobSource.CLI and job.status == JobStatus.DONE
    assert (job.rows_read, job.imported, job.analysed) == (5, 5, 5)
    assert DemandIntel.objects.count() == 5
    # nothing new on a re-import: no job, no analysis
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import", "demands", str(path), "--json")
    assert "analysis_job" not in json.loads(capsys.readouterr().out)
    assert ImportJob.objects.count() == 1


def test_progress_counts_are_written_per_batch(operator, tmp_path, monkeypatch):
    import lianxin.demands.importers as importers

    monkeypatch.setattr(importers, "BATCH", 2)
    seen: list[tuple[int, int]] = []
    path = write_csv(tmp_path / "m.csv", ROWS)
    summary = demands_import(path, progress=False, on_batch=lambda s: seen.append((s.rows, s.taken)))
    assert summary.taken == 5 and seen[0] == (2, 2) and seen[-1] == (5, 5)
