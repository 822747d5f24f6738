"""The operator's import page: upload → preview and mapping → run → progress and the refused rows."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lianxin.core.navigation import nav_for
from lianxin.demands.models import Demand
from lianxin.imports.models import ImportJob, JobStatus
from tests.imports.conftest import write_csv, write_xlsx

ROWS = [
    ["1", "U1", "路灯坏了", "2021-03-01 09:00:00", "小区路灯坏了", "已修复", "2021-03-05 10:00:00"],
    ["2", "U2", "噪音扰民", "", "夜里施工", "", ""],
    ["3", "U3", "垃圾", "2021-03-02", "垃圾没人清", "", ""],
]


def _upload(client, path):
    with path.open("rb") as fh:
        return client.post(reverse("imports:start"), {"file": SimpleUploadedFile(path.name, fh.read())})


def _mapping(header_len: int, **chosen: int) -> dict[str, str]:
    from lianxin.demands.importers import TARGETS

    return {f"field_{code}": str(chosen[code]) if code in chosen else "" for code in TARGETS}


@pytest.mark.parametrize("who", ["citizen", "handler_user"])
def test_citizens_and_handlers_are_refused(request, client, who, operator, tmp_path):
    job = ImportJob.objects.create(filename="x.csv", created_by=operator, status=JobStatus.DONE)
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("imports:start"),
        reverse("imports:job", args=[job.pk]),
        reverse("imports:refused", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403
    path = write_csv(tmp_path / "m.csv", ROWS)
    assert _upload(client, path).status_code == 403
    assert not ImportJob.objects.exclude(pk=job.pk).exists()


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("imports:start"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_operator_and_admin_see_the_page_and_the_menu(client, operator, admin_user, citizen):
    assert reverse("imports:start") == "/demands/import/"
    for user in (operator, admin_user):
        client.force_login(user)
        assert client.get(reverse("imports:start")).status_code == 200
        assert "imports:start" in [i["name"] for i in nav_for(user)]
    assert "imports:start" not in [i["name"] for i in nav_for(citizen)]


def test_upload_preview_mapping_run_progress_and_report(
    client, operator, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    path = write_csv(tmp_path / "m.csv", ROWS, header=[*write_header(), "备注"])
    response = _upload(client, path)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DRAFT
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "import-preview" in html and "路灯坏了" in html
    # the guess: 留言主题 (column 2) preselected for the title
    assert page.context["form"]["field_title"].value() == "2"
    assert page.context["form"]["field_time"].value() == "3"
    data = {k: ("" if v is None else str(v)) for k, v in page.context["form"].initial.items()}
    data.update({f.html_name: f.value() or "" for f in page.context["form"]})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("imports:job", args=[job.pk]), data)
    assert done.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert (job.rows_read, job.imported, job.duplicates, job.refused) == (3, 2, 0, 1)
    assert job.ignored_columns == ["备注"]
    assert job.analysed == job.analysis_total == 2
    partial = client.get(reverse("imports:job", args=[job.pk]), headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert 'id="import-progress"' in text and "hx-trigger" not in text  # finished: polling stops
    assert 'id="import-imported">2<' in text and "备注" in text
    report = client.get(reverse("imports:refused", args=[job.pk]))
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[1][:4] == ["3", "缺少留言时间", "missing_time", "2"]

    # the same file again: nothing added, counted as duplicates
    response = _upload(client, path)
    second = ImportJob.objects.exclude(pk=job.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:job", args=[second.pk]), data)
    second.refresh_from_db()
    assert (second.imported, second.duplicates, second.refused) == (0, 2, 1)
    assert Demand.objects.count() == 2


def write_header() -> list[str]:
    from tests.imports.conftest import HEADER

    return list(HEADER)


def test_a_running_job_page_polls(client, operator):
    job = ImportJob.objects.create(
        filename="x.csv", created_by=operator, status=JobStatus.RUNNING, rows_read=7
    )
    client.force_login(operator)
    html = client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'id="import-read">7<' in html


def test_mapping_of_an_xlsx_with_other_headers(
    client, operator, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    header = ["标题", "正文", "日期", "编号"]
    path = write_xlsx(
        tmp_path / "other.xlsx", [["井盖丢失", "路口井盖丢失", "2022-05-06", "k1"]], header=header
    )
    _upload(client, path)
    job = ImportJob.objects.get()
    url = reverse("imports:job", args=[job.pk])
    page = client.get(url)
    assert page.context["form"]["field_title"].value() == ""  # nothing guessed from unknown headers
    # without a time column the form refuses, naming the field
    refused = client.post(url, _mapping(4, title=0, content=1))
    assert refused.status_code == 400 and "留言时间" in refused.content.decode()
    # one column for two fields is refused
    twice = client.post(url, _mapping(4, title=0, content=0, time=2))
    assert twice.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _mapping(4, title=0, content=1, time=2, id=3))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.imported == 1
    assert Demand.objects.get().external_id == "k1"


def test_a_wrong_file_type_is_refused(client, operator):
    client.force_login(operator)
    response = client.post(reverse("imports:start"), {"file": SimpleUploadedFile("a.txt", b"hello")})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_missing_a_needed_column_fails_with_the_reason(
    client, operator, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    path = write_csv(tmp_path / "bad.csv", [["1", "2021-01-01"]], header=["留言编号", "留言时间"])
    _upload(client, path)
    job = ImportJob.objects.get()
    url = reverse("imports:job", args=[job.pk])
    # the form requires a text field: the operator cannot start it without one
    assert client.post(url, _mapping(2, id=0, time=1)).status_code == 400
