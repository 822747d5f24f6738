"""Model versions in the database: upload, activate, rollback, corrupt files, retraining, status."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianxin.analysis import classifier, services
from lianxin.analysis.models import ClassifierVersion, ModelState
from lianxin.analysis.selectors import classifier_status
from lianxin.core.errors import ValidationFailed
from lianxin.demands import intel_port
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Status
from tests.demands.factories import make_demand


def test_first_uploaded_model_becomes_active_and_suggests_mapped_categories(
    world, taxonomy, tiny_model_bytes
):
    version = services.classifier_version_upload(data=tiny_model_bytes, name="tiny", actor=world["admin"])
    version.refresh_from_db()
    assert version.is_active and version.state == ModelState.READY
    assert version.n_train == 16 and sorted(version.labels) == ["交通运输", "环境保护"]
    assert bytes(version.data) == tiny_model_bytes and len(version.checksum) == 64
    top = intel_port.suggest_category("公交车晚点太严重了，希望增加班次")
    assert [row["category"] for row in top][0] == "交通运输"
    assert top[0]["id"] == taxonomy["交通运输"].pk
    assert 0.0 < top[0]["score"] <= 1.0 and len(top) == 2
    assert classifier_status().ok


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "模型文件是空的"),
        (b"PK\x03\x04 definitely a zip file", "这不是连心的分类模型文件"),
    ],
)
def test_corrupt_upload_is_refused_with_a_clear_message(world, data, words):
    with pytest.raises(ValidationFailed) as caught:
        services.classifier_version_upload(data=data, name="bad.bin", actor=world["admin"])
    assert words in caught.value.message
    assert not ClassifierVersion.objects.exists()


def test_damaged_model_bytes_are_refused(world, tiny_model_bytes):
    damaged = tiny_model_bytes[:-40] + bytes(40)
    with pytest.raises(ValidationFailed) as caught:
        services.classifier_version_upload(data=damaged, name="damaged.bin")
    assert "校验和不符" in caught.value.message or "不完整" in caught.value.message
    assert "damaged.bin" in caught.value.message and "lianxin-model-" not in caught.value.message


def test_activate_and_rollback_keep_exactly_one_active(world, tiny_model_bytes):
    first = services.classifier_version_upload(data=tiny_model_bytes, name="v1")
    second = services.classifier_version_upload(data=tiny_model_bytes, name="v2")
    assert ClassifierVersion.objects.get(is_active=True).pk == first.pk
    services.classifier_version_activate(version=second)
    assert list(ClassifierVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [second.pk]
    assert classifier.active_version_id() == second.pk
    services.classifier_version_rollback()
    assert list(ClassifierVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [first.pk]
    assert classifier.active_version_id() == first.pk


def test_rollback_without_history_is_refused(world, tiny_model_bytes):
    services.classifier_version_upload(data=tiny_model_bytes, name="v1")
    with pytest.raises(ValidationFailed):
        services.classifier_version_rollback()


def test_broken_active_model_leaves_intake_working_and_admins_see_why(
    world, taxonomy, tiny_model_bytes, client
):
    version = services.classifier_version_upload(data=tiny_model_bytes, name="v1")
    ClassifierVersion.objects.filter(pk=version.pk).update(data=b"LIANXIN-INTEL\x00garbage")
    classifier.classifier_forget()
    assert intel_port.suggest_category("公交车晚点") == []
    status = classifier_status()
    assert not status.ok and status.code == "bad_model" and f"#{version.pk}" in status.message
    assert "lianxin-model-" not in status.message  # the version is named, not the scratch file
    assert "模型文件不完整" in status.message  # in the admin's language, not intel's English
    demand, created = demand_services.demand_submit(actor=None, title="公交车晚点", content="公交车天天晚点")
    assert created and demand.status == Status.SUBMITTED
    client.force_login(world["admin"])
    page = client.get(reverse("demands:workbench"))
    assert "无法加载" in page.content.decode()
    detail = client.get(reverse("demands:detail", args=[demand.pk]))
    assert detail.status_code == 200


def test_no_model_status_is_shown_on_the_admin_page(site_admin, client):
    client.force_login(site_admin)
    page = client.get(reverse("admin:analysis_classifierversion_changelist"))
    assert page.status_code == 200
    assert "尚无启用的分类模型" in page.content.decode()


def test_admin_upload_refuses_a_corrupt_file(site_admin, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(site_admin)
    response = client.post(
        reverse("admin:analysis_classifierversion_upload"),
        {"file": SimpleUploadedFile("model.bin", b"not a model at all"), "name": "x"},
    )
    assert response.status_code == 200
    assert "模型文件不可用" in response.content.decode()
    assert not ClassifierVersion.objects.exists()


def test_retrain_from_admin_learns_from_closed_demands_with_confirmed_categories(
    world, site_admin, taxonomy, client, django_capture_on_commit_callbacks
):
    from tests.analysis.conftest import ENVIRONMENT, TRAFFIC

    for text in TRAFFIC[:5]:
        make_demand(world, Status.CLOSED, title=text, content=text, category=taxonomy["交通运输"])
    for text in ENVIRONMENT[:5]:
        make_demand(world, Status.CLOSED, title=text, content=text, category=taxonomy["环境保护"])
    make_demand(world, Status.SUBMITTED, title="未办结的不算", content="不算", category=taxonomy["交通运输"])
    client.force_login(site_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:analysis_classifierversion_retrain"))
    assert response.status_code == 302
    version = ClassifierVersion.objects.get()
    assert version.state == ModelState.READY, version.message
    assert version.progress == 100 and version.n_train == 10 and version.started_by == world["admin"]
    assert version.is_active  # the first model is activated
    assert intel_port.suggest_category("工厂排放废气污染")[0]["category"] == "环境保护"


def test_retrain_without_enough_data_fails_on_its_row(world):
    version = ClassifierVersion.objects.create(source="retrain")
    classifier.retrain_run(version_id=version.pk)
    version.refresh_from_db()
    assert version.state == ModelState.FAILED and "训练失败" in version.message
    assert "至少要有两个分类" in version.message
    assert not version.is_active
