from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from lianxin.contact.periods import Period
from lianxin.evaluation.models import Report
from lianxin.evaluation.report.content import SECTIONS
from lianxin.evaluation.services import report_content, report_draft_save, report_finalise
from tests.contact.factories import demand_through, field_visit

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)


@pytest.fixture
def data(world):
    # March 2026: 4 demands in the cadre's street; one late sign, one dissatisfied and not resolved, one unrated.
    demand_through(world, date(2026, 3, 2))
    demand_through(world, date(2026, 3, 3), sign_hours=40)  # signed after the 1-working-day limit
    demand_through(
        world,
        date(2026, 3, 4),
        satisfaction="dissatisfied",
        resolved=False,
        type="complaint",
        title="噪音扰民",
    )
    demand_through(world, date(2026, 3, 5), satisfaction=None)
    field_visit(world, date(2026, 3, 6))
    return world


def card_rates(client, cadre, period) -> dict[str, str]:
    html = client.get(
        reverse("evaluation:cadre_card", args=[cadre.pk]) + f"?period={period}"
    ).content.decode()
    return dict(re.findall(r'class="rate" data-code="(\w+)"[^>]*>([^<]+)<', html))


def body_of(response) -> bytes:
    """The bytes of a download (files are streamed with FileResponse)."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _report_command(out, username="cadre_t", period="2026-03", fmt="pdf"):
    call_command(
        "report", "cadre", "--username", username, "--period", period, "--format", fmt, "--out", str(out)
    )


def test_pdf_carries_name_sections_and_the_scorecard_rates(client, data, artifacts):
    client.force_login(data.cadre)
    rates = card_rates(client, data.cadre, MARCH)
    assert rates == {
        "response_rate": "75.0%",
        "ontime_rate": "100.0%",
        "resolution_rate": "66.7%",
        "satisfaction_rate": "66.7%",
    }
    out = artifacts / "report-cadre_t-2026-03.pdf"
    _report_command(out)
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(str(out)).pages).replace("\n", "")
    assert "张建国" in text
    for heading in SECTIONS:
        assert heading in text, heading
    for code, shown in rates.items():
        assert shown in text, (code, shown)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is absent: PNG pages not rendered")
    prefix = artifacts / "report-cadre_t-2026-03-page"
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(out), str(prefix)], check=True)
    pngs = sorted(artifacts.glob("report-cadre_t-2026-03-page*.png"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs)


def test_docx_carries_the_same_figures(client, data, artifacts):
    import docx

    client.force_login(data.cadre)
    rates = card_rates(client, data.cadre, MARCH)
    out = artifacts / "report-cadre_t-2026-03.docx"
    _report_command(out, fmt="docx")
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "张建国" in text
    for heading in SECTIONS:
        assert heading in text
    for shown in rates.values():
        assert shown in text
    assert len(document.inline_shapes) >= 2  # charts rendered to PNG


def test_report_content_counts_contact_work_and_drafts_problems(data):
    content = report_content(cadre=data.cadre, period=MARCH)
    assert content.visits_total == 1 and content.problems_raised == 1
    assert (content.points_covered, content.points_assigned) == (1, 2)
    assert content.uncovered_points == ["东风小学"]
    assert content.demands_total == 5  # four submitted by the centre, one from the visit
    assert content.disputes_total == 1 and "噪音扰民" in content.disputes_examples
    assert "东风小学" in content.issues_text
    assert content.plans_text


def test_period_without_data_says_so(world, tmp_path):
    out = tmp_path / "empty.pdf"
    _report_command(out, period="2020-01")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", "")
    assert "无联系群众和诉求办理数据" in text


@pytest.mark.parametrize("period", ["2026-13", "abc", "2026-1"])
def test_invalid_period_is_refused_by_name(world, tmp_path, period):
    with pytest.raises(CommandError, match=re.escape(repr(period))):
        _report_command(tmp_path / "x.pdf", period=period)


def test_unknown_cadre_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="nobody"):
        _report_command(tmp_path / "x.pdf", username="nobody")


def test_web_report_invalid_period_is_400_naming_it(client, world):
    client.force_login(world.cadre)
    response = client.get(reverse("evaluation:report", args=["cadre_t", "2026-13"]))
    assert response.status_code == 400 and "2026-13" in response.content.decode()
    assert client.get(reverse("evaluation:scorecards") + "?period=abc").status_code == 400


def test_a_month_that_has_not_begun_has_no_report(client, world, tmp_path):
    with pytest.raises(CommandError, match="2099-01 尚未开始"):
        _report_command(tmp_path / "x.pdf", period="2099-01")
    assert not (tmp_path / "x.pdf").exists()
    client.force_login(world.cadre)
    response = client.get(reverse("evaluation:report", args=["cadre_t", "2099-01"]))
    assert response.status_code == 400 and "2099-01" in response.content.decode()


def test_edit_then_finalise_archives_unchanged_with_hash(client, data):
    report_draft_save(
        cadre=data.cadre, period=MARCH, actor=data.cadre, issues_text="我的问题", plans_text="我的打算"
    )
    assert report_content(cadre=data.cadre, period=MARCH).issues_text == "我的问题"
    client.force_login(data.cadre)
    response = client.post(
        reverse("evaluation:report", args=["cadre_t", "2026-03"]),
        {"issues_text": "最终问题", "plans_text": "最终打算", "finalise": "1"},
    )
    assert response.status_code == 302
    report = Report.objects.get(cadre=data.cadre, period="2026-03")
    assert report.is_final and len(report.pdf_sha256) == 64
    pdf = client.get(reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"]))
    body = body_of(pdf)
    assert hashlib.sha256(body).hexdigest() == report.pdf_sha256
    # New data after finalising does not change the archive.
    demand_through(data, date(2026, 3, 9))
    again = body_of(client.get(reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"])))
    assert hashlib.sha256(again).hexdigest() == report.pdf_sha256
    assert report_content(cadre=data.cadre, period=MARCH).issues_text == "最终问题"
    from lianxin.core.errors import Conflict

    with pytest.raises(Conflict):
        report_finalise(cadre=data.cadre, period=MARCH, actor=data.cadre)


def test_access_to_reports(client, data):
    url = reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"])
    client.force_login(data.other_cadre)
    assert client.get(url).status_code == 404
    assert client.get(reverse("evaluation:cadre_card", args=[data.cadre.pk])).status_code == 404
    client.force_login(data.handler)
    assert client.get(url).status_code == 403
    client.force_login(data.supervisor)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # A supervisor reads but does not edit a cadre's report.
    client.post(
        reverse("evaluation:report", args=["cadre_t", "2026-03"]), {"issues_text": "x", "plans_text": "y"}
    )
    assert not Report.objects.filter(cadre=data.cadre, edited=True).exists()
    client.force_login(data.cadre)
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2026-03"]))
    assert page.status_code == 200 and "report-edit" in page.content.decode()


def test_batch_generates_every_cadre_of_a_unit(client, data, django_capture_on_commit_callbacks):
    import zipfile

    from lianxin.evaluation.models import ReportBatch

    client.force_login(data.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluation:batch_start"), {"unit": data.unit.pk, "period": "2026-03", "format": "docx"}
        )
    assert response.status_code == 302
    batch = ReportBatch.objects.get()
    assert (batch.status, batch.total, batch.done, batch.failed) == ("done", 1, 1, 0)
    with zipfile.ZipFile(io.BytesIO(batch.archive.read())) as z:
        assert [n.endswith(".docx") for n in z.namelist()] == [True]
    partial = client.get(reverse("evaluation:batch", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "batch-progress" in partial.content.decode() and "1</span>/<span" in partial.content.decode()
    client.force_login(data.cadre)
    assert (
        client.post(
            reverse("evaluation:batch_start"), {"unit": data.unit.pk, "period": "2026-03"}
        ).status_code
        == 403
    )


def test_report_stays_chinese_under_english(client, data, tmp_path, django_capture_on_commit_callbacks):
    """The report is an official Chinese document: an English UI, command locale or batch changes nothing."""
    import zipfile

    import docx
    from django.utils import translation
    from pypdf import PdfReader

    from lianxin.evaluation.models import ReportBatch

    chinese = ["及时签收率", "按时办结率", "问题解决率", "群众满意率"]

    def docx_text(blob: bytes) -> str:
        document = docx.Document(io.BytesIO(blob))
        return "\n".join(p.text for p in document.paragraphs) + "\n".join(
            c.text for t in document.tables for row in t.rows for c in row.cells
        )

    # The web button, under an English UI.
    client.force_login(data.cadre)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("evaluation:report", args=["cadre_t", "2026-03"])).content.decode()
    assert 'lang="en"' in page and "Download PDF" in page
    assert all(label in page for label in chinese) and "Response rate" not in page  # the document's preview
    body = body_of(client.get(reverse("evaluation:report_download", args=["cadre_t", "2026-03", "docx"])))
    text = docx_text(body)
    assert all(label in text for label in chinese) and "Response rate" not in text
    # The command, with English active.
    out = tmp_path / "report.pdf"
    with translation.override("en"):
        _report_command(out)
        assert translation.get_language() == "en"  # restored after the report
    pdf = "".join(p.extract_text() for p in PdfReader(str(out)).pages).replace("\n", "")
    assert all(label in pdf for label in chinese) and "Response rate" not in pdf
    # Finalising under English archives Chinese content (as JSON).
    client.post(
        reverse("evaluation:report", args=["cadre_t", "2026-03"]),
        {"issues_text": "问题", "plans_text": "打算", "finalise": "1"},
    )
    report = Report.objects.get(cadre=data.cadre, period="2026-03")
    assert report.is_final and [r["label"] for r in report.content["rates"]] == chinese
    # A batch started by an English-speaking supervisor.
    client.force_login(data.supervisor)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("evaluation:batch_start"), {"unit": data.unit.pk, "period": "2026-02", "format": "docx"}
        )
    with zipfile.ZipFile(io.BytesIO(ReportBatch.objects.get().archive.read())) as z:
        (name,) = z.namelist()
        assert "及时签收率" in docx_text(z.read(name))
