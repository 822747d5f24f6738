"""Archived reports and batch zips are private files: only the evaluation views hand them out, to the cadre
the report belongs to and to supervisors/admins (batches: only to those who start and see them)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from urllib.parse import quote

import pytest
from django.urls import reverse

from lianxin.contact.periods import Period
from lianxin.evaluation.models import ReportBatch
from lianxin.evaluation.services import report_finalise
from tests.contact.factories import demand_through
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MARCH = Period(2026, 3)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def final(world, media):
    demand_through(world, date(2026, 3, 2))
    return report_finalise(cadre=world.cadre, period=MARCH, actor=world.cadre)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_report_file_only_for_its_cadre_and_overseers(client, world, final):
    url = reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"])
    assert (final.pdf.path and final.pdf.storage.exists(final.pdf.name)) and final.pdf.name.startswith(
        "reports/"
    )
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(world.other_cadre)
    assert client.get(url).status_code == 404
    client.force_login(world.handler)
    assert client.get(url).status_code == 403
    client.force_login(world.cadre)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    name = quote("cadre_t-张建国-2026-03.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{name}"
    assert hashlib.sha256(body_of(response)).hexdigest() == final.pdf_sha256
    client.force_login(world.supervisor)
    docx = client.get(url.replace(".pdf", ".docx"))
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert hashlib.sha256(body_of(docx)).hexdigest() == final.docx_sha256
    for field in (final.pdf, final.docx):  # the raw addresses the tester found
        assert client.get(f"/media/{field.name}").status_code == 404


def test_missing_archived_report_file_is_404(client, world, final):
    final.pdf.storage.delete(final.pdf.name)
    client.force_login(world.cadre)
    assert (
        client.get(reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"])).status_code
        == 404
    )
    page = client.get(reverse("evaluation:reports") + "?period=2026-03").content.decode()
    assert "/media/" not in page


def test_batch_zip_only_for_overseers(client, world, media, django_capture_on_commit_callbacks):
    client.force_login(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluation:batch_start"), {"unit": world.unit.pk, "period": "2026-03"})
    batch = ReportBatch.objects.get()
    url = reverse("evaluation:batch_download", args=[batch.pk])
    page = client.get(reverse("evaluation:batch", args=[batch.pk])).content.decode()
    assert f'href="{url}"' in page and "/media/" not in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f"filename*=utf-8''{quote('东风街道办事处-2026-03-pdf.zip')}" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body_of(response))) as archive:
        assert [n.endswith(".pdf") for n in archive.namelist()] == [True]
    assert client.get(f"/media/{batch.archive.name}").status_code == 404
    for user, status in ((world.cadre, 403), (world.handler, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world.supervisor)
    batch.archive.storage.delete(batch.archive.name)
    assert client.get(url).status_code == 404
    ReportBatch.objects.filter(pk=batch.pk).update(archive="")
    assert client.get(url).status_code == 404


def test_admin_links_files_through_the_views(client, final):
    admin_user = UserFactory(username="root", roles="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    html = client.get(reverse("admin:evaluation_report_change", args=[final.pk])).content.decode()
    assert reverse("evaluation:report_download", args=["cadre_t", "2026-03", "pdf"]) in html
    assert f"/media/{final.pdf.name}" not in html
