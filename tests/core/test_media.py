"""Media storage is private: report archives, batch zips, visit photos and demand attachments are never
served at a /media/ address (DEBUG included); only the publishing site's images under portal/ are."""

from __future__ import annotations

import importlib
import io
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse
from PIL import Image

from lianxin.demands.services import demand_attach
from tests.contact.factories import demand_through, make_world
from tests.factories import UserFactory
from tests.portal.factories import published_article

PRIVATE = [
    "reports/2026-10/4/cadre-2026-10.pdf",
    "reports/2026-10/4/cadre-2026-10.docx",
    "reports/batches/UA0101001-2026-10-3.zip",
    "contact/visits/2026/11/45-a.jpg",
    "demands/7/invoice.pdf",
]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in PRIVATE:
        default_storage.save(name, ContentFile(b"%PDF-1.4 private"))
    default_storage.save("portal/covers/2026/11/cover.png", ContentFile(_png()))
    default_storage.save("portal/covers/2026/11/page.html", ContentFile(b"<script>alert(1)</script>"))
    return tmp_path


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def urls(request, settings):
    """The root URLs as built with DEBUG on (what `make run` serves) and off."""
    import lianxin.urls

    before = settings.DEBUG
    settings.DEBUG = request.param
    importlib.reload(lianxin.urls)
    clear_url_caches()
    yield
    settings.DEBUG = before
    importlib.reload(lianxin.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_private_files_have_no_media_address(client, media, urls):
    for name in PRIVATE:
        assert (media / name).exists()
        assert client.get(f"/media/{name}").status_code == 404, name
    client.force_login(
        UserFactory(username="root", roles="admin")
    )  # not even for someone who may see everything: only the permission-checked views
    for name in PRIVATE:
        assert client.get(f"/media/{name}").status_code == 404, name


@pytest.mark.django_db
def test_portal_covers_stay_public_and_nothing_else_under_that_address(client, media, urls):
    from lianxin.portal.models import Article

    article = published_article()
    Article.objects.filter(pk=article.pk).update(cover="portal/covers/2026/11/cover.png")
    response = client.get("/media/portal/covers/2026/11/cover.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == _png()
    # Not a file that is not an image, not a missing one, and no way out of portal/.
    assert client.get("/media/portal/covers/2026/11/page.html").status_code == 404
    assert client.get("/media/portal/covers/2026/11/missing.png").status_code == 404
    for sneaky in (
        "/media/portal/../contact/visits/2026/11/45-a.jpg",
        "/media/portal/%2e%2e/contact/visits/2026/11/45-a.jpg",
        "/media/portal/covers/../../contact/visits/2026/11/45-a.jpg",
    ):
        response = client.get(sneaky)
        assert response.status_code == 404, sneaky
        assert not response.streaming, sneaky


@pytest.mark.django_db
def test_a_drafts_cover_is_only_for_editors_until_it_is_published(client, media, urls):
    from lianxin.portal.models import Article, ArticleState

    article = published_article()
    Article.objects.filter(pk=article.pk).update(
        cover="portal/covers/2026/11/cover.png", state=ArticleState.DRAFT
    )
    address = "/media/portal/covers/2026/11/cover.png"
    assert client.get(address).status_code == 404
    client.force_login(UserFactory(roles="operator"))
    assert client.get(address).status_code == 404
    client.force_login(UserFactory(roles="editor"))
    assert client.get(address).status_code == 200  # the preview shows it
    client.logout()
    Article.objects.filter(pk=article.pk).update(state=ArticleState.PUBLISHED)
    assert client.get(address).status_code == 200


@pytest.mark.django_db
def test_demand_attachment_only_through_its_view(client, settings, tmp_path, urls):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    demand = demand_through(world, date(2026, 3, 2))
    item = demand_attach(demand=demand, actor=world.operator, upload=SimpleUploadedFile("收据.png", _png()))
    raw, view = f"/media/{item.file.name}", reverse("demands:attachment", args=[item.pk])
    assert (tmp_path / item.file.name).exists()
    assert client.get(raw).status_code == 404
    assert client.get(view).status_code == 302  # to the login page
    client.force_login(world.other_cadre)  # the demand is outside this cadre's area
    assert client.get(view).status_code == 404
    client.force_login(world.operator)
    assert client.get(raw).status_code == 404
    response = client.get(view)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"] and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == _png()


@pytest.mark.django_db
def test_the_attachment_admin_opens_files_through_the_view(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    demand = demand_through(world, date(2026, 3, 2))
    item = demand_attach(demand=demand, actor=world.operator, upload=SimpleUploadedFile("收据.png", _png()))
    client.force_login(UserFactory(username="root", roles="admin", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:demands_demandattachment_change", args=[item.pk])).content.decode()
    assert reverse("demands:attachment", args=[item.pk]) in html
    assert f"/media/{item.file.name}" not in html
