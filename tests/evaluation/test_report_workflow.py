"""Draft → final → 批示: every section's text is the cadre's to edit, finalising keeps what they changed
and freezes the report (a second finalise is a 409), a superior's comment reaches the cadre; batches of
every cadre report real progress, on the page and in the CLI."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from lianxin.core.errors import Conflict, PermissionDenied
from lianxin.core.models import Notification
from lianxin.evaluation import services
from lianxin.evaluation.models import BatchStatus, Report, ReportBatch, ReportComment
from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import content_digest, report_content, report_draft_save, report_finalise
from tests.contact.factories import demand_through

pytestmark = pytest.mark.django_db
MARCH = Period.parse("2026-03")
URL_ARGS = ["cadre_t", "2026-03"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def data(world, media):
    demand_through(world, date(2026, 3, 2))
    demand_through(world, date(2026, 3, 3), sign_hours=40)
    return world


def test_every_section_starts_from_the_data_and_is_editable(client, data):
    client.force_login(data.cadre)
    page = client.get(reverse("evaluation:report", args=URL_ARGS)).content.decode()
    for key in ("basic", "contact", "service", "disputes", "publicity"):
        assert f'name="narrative_{key}"' in page, key
    drafted = report_content(cadre=data.cadre, period=MARCH)
    assert "受理群众诉求 2 件" in drafted.narratives["service"]
    service = re.search(r'<textarea[^>]*name="narrative_service"[^>]*>([^<]*)</textarea>', page).group(1)
    assert html.unescape(service) == drafted.narratives["service"]  # the form starts from the draft
    response = client.post(
        reverse("evaluation:report", args=URL_ARGS),
        {
            "narrative_contact": "本月我走访了东风社区。\n听取了群众意见。",
            "narrative_service": drafted.narratives["service"],  # posted as drafted: not an edit
            "issues_text": drafted.issues_text,
            "plans_text": "我的打算",
            "save": "1",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get(cadre=data.cadre, period="2026-03")
    assert set(report.narratives) == {"contact", "plans"} and report.edited
    # an edited section stays as written; an unedited one follows the data
    demand_through(data, date(2026, 3, 4))
    content = report_content(cadre=data.cadre, period=MARCH)
    assert content.narratives["contact"] == "本月我走访了东风社区。\n听取了群众意见。"
    assert "受理群众诉求 3 件" in content.narratives["service"] and content.plans_text == "我的打算"


def test_finalise_keeps_the_cadres_changes_and_a_second_finalise_is_409(client, data):
    drafted = report_content(cadre=data.cadre, period=MARCH)
    report_draft_save(
        cadre=data.cadre,
        period=MARCH,
        actor=data.cadre,
        narratives={"basic": drafted.narratives["basic"] + "\n另：本人兼任东风社区第一书记。"},
        plans_text="下月走访东风小学。",
    )
    client.force_login(data.cadre)
    assert client.post(reverse("evaluation:report", args=URL_ARGS), {"finalise": "1"}).status_code == 302
    report = Report.objects.get(cadre=data.cadre, period="2026-03")
    assert report.is_final and set(report.changes) == {"basic", "plans"}
    assert "+另：本人兼任东风社区第一书记。" in report.changes["basic"]
    assert "-" + drafted.plans_text.splitlines()[0] in report.changes["plans"]
    assert "+下月走访东风小学。" in report.changes["plans"]
    assert report.content_sha256 == content_digest(report.content) and len(report.pdf_sha256) == 64
    assert report.content["drafted"]["basic"] == drafted.narratives["basic"]
    # Frozen: a second finalise, an edit, are refused with the reason; nothing changes.
    before = (report.pdf_sha256, report.docx_sha256, report.content_sha256, report.finalised_at)
    again = client.post(reverse("evaluation:report", args=URL_ARGS), {"finalise": "1"})
    assert again.status_code == 409
    assert "已于" in again.content.decode() and "定稿归档" in again.content.decode()
    edit = client.post(reverse("evaluation:report", args=URL_ARGS), {"narrative_basic": "改", "save": "1"})
    assert edit.status_code == 409
    with pytest.raises(Conflict):
        report_finalise(cadre=data.cadre, period=MARCH, actor=data.cadre)
    report.refresh_from_db()
    assert (report.pdf_sha256, report.docx_sha256, report.content_sha256, report.finalised_at) == before
    page = client.get(reverse("evaluation:report", args=URL_ARGS)).content.decode()
    assert 'id="report-changes"' in page and 'name="narrative_basic"' not in page


def test_a_superiors_comment_is_kept_and_reaches_the_cadre(client, data):
    client.force_login(data.supervisor)
    # a draft is not commented on
    draft = client.post(reverse("evaluation:report", args=URL_ARGS), {"action": "comment", "comment": "好"})
    assert draft.status_code == 409
    report = report_finalise(cadre=data.cadre, period=MARCH, actor=data.cadre)
    response = client.post(
        reverse("evaluation:report", args=URL_ARGS), {"action": "comment", "comment": "请重点跟进超期诉求。"}
    )
    assert response.status_code == 302
    (comment,) = ReportComment.objects.filter(report=report)
    assert (comment.author, comment.text) == (data.supervisor, "请重点跟进超期诉求。")
    note = Notification.objects.get(recipient=data.cadre, kind="report_comment")
    assert note.link == reverse("evaluation:report", args=URL_ARGS) and note.body == "请重点跟进超期诉求。"
    assert "批示" in note.title
    client.force_login(data.cadre)
    page = client.get(reverse("evaluation:report", args=URL_ARGS)).content.decode()
    assert "请重点跟进超期诉求。" in page and 'id="report-comment-form"' not in page
    # the cadre does not comment on their own report; nor does anyone on a blank one
    refused = client.post(
        reverse("evaluation:report", args=URL_ARGS), {"action": "comment", "comment": "自评"}
    )
    assert refused.status_code == 403
    with pytest.raises(PermissionDenied):
        services.report_comment_add(report=report, actor=data.other_cadre, text="x")
    client.force_login(data.supervisor)
    blank = client.post(reverse("evaluation:report", args=URL_ARGS), {"action": "comment", "comment": "  "})
    assert blank.status_code == 400
    assert ReportComment.objects.count() == 1
    # the archive is untouched by a comment
    report.refresh_from_db()
    assert report.content_sha256 == content_digest(report.content)


def test_batch_of_every_cadre_counts_progress_as_it_goes(
    client, data, monkeypatch, django_capture_on_commit_callbacks
):
    seen: list[tuple[int, int]] = []
    render = services.report_render

    def spy(**kwargs):
        batch = ReportBatch.objects.get()
        seen.append((batch.done, batch.total))
        assert batch.status == BatchStatus.RUNNING and batch.started_at is not None
        return render(**kwargs)

    monkeypatch.setattr(services, "report_render", spy)
    client.force_login(data.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluation:batch_start"), {"unit": "all", "period": "2026-03"})
    assert response.status_code == 302
    batch = ReportBatch.objects.get()
    assert batch.unit is None and (batch.status, batch.total, batch.done, batch.failed) == ("done", 2, 2, 0)
    assert seen == [(0, 2), (1, 2)]  # the row counted each report as it was written
    with zipfile.ZipFile(io.BytesIO(batch.archive.read())) as archive:
        assert sorted(n.split("-")[0] for n in archive.namelist()) == ["cadre_o", "cadre_t"]
    page = client.get(reverse("evaluation:batch", args=[batch.pk])).content.decode()
    assert "全部干部" in page and 'id="batch-download"' in page


def test_batch_page_polls_while_running_and_stops_when_done(client, data):
    batch = ReportBatch.objects.create(
        unit=None,
        period="2026-03",
        fmt="pdf",
        requested_by=data.supervisor,
        status="running",
        total=4,
        done=1,
    )
    client.force_login(data.supervisor)
    url = reverse("evaluation:batch", args=[batch.pk])
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-get="{url}"' in partial and 'hx-trigger="every 2s"' in partial
    assert 'aria-valuenow="25"' in partial and '<span id="batch-done">1</span>' in partial
    ReportBatch.objects.filter(pk=batch.pk).update(status="done", done=4)
    final = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-get" not in final and 'aria-valuenow="100"' in final


def test_cli_batch_writes_every_report_with_a_progress_bar(data, tmp_path, capsys):
    out = tmp_path / "reports.zip"
    call_command("report", "batch", "--period", "2026-03", "--format", "docx", "--out", str(out))
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "report 2026-03" in captured.err  # tqdm on stderr
    assert "2 of 2 reports" in captured.out
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 2 and all(n.endswith(".docx") for n in archive.namelist())


def test_a_report_archived_before_editable_sections_still_reads(client, data):
    """Final reports archived by the previous version (no figures, narratives or trend labels) show."""
    report = report_finalise(cadre=data.cadre, period=MARCH, actor=data.cadre)
    old = {k: v for k, v in report.content.items() if k not in ("figures", "narratives", "drafted", "notes")}
    old["rate_trend"] = [{k: v for k, v in row.items() if k != "label"} for row in old["rate_trend"]]
    Report.objects.filter(pk=report.pk).update(content=old)
    client.force_login(data.cadre)
    page = client.get(reverse("evaluation:report", args=URL_ARGS))
    assert page.status_code == 200 and "受理群众诉求 2 件" in page.content.decode()
