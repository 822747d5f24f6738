"""Visit photos reach only those who may see the visit; a visit and the demands raised on it link both ways
(visit page → demand, demand page → 「来源走访」, API `visit`)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from lianxin.contact.services import ProblemInput, visit_log
from tests.contact.factories import at, demand_through
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def visit(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="走访困难户",
        contact_point=world.point,
        households=world.households[:1],
        photos=[SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")],
        problems=[ProblemInput(title="楼道灯坏了", household_id=world.households[0].pk)],
        now=at(date(2026, 3, 2)),
    )


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_visit_photo_only_for_who_may_see_the_visit(client, world, visit):
    photo = visit.photos.get()
    url = reverse("contact:photo", args=[photo.pk])
    raw = f"/media/{photo.image.name}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.force_login(world.other_cadre)
    assert client.get(url).status_code == 404  # as the visit page: another cadre's visit does not exist
    client.force_login(world.handler)
    assert client.get(url).status_code == 403  # as the visit page: not a role of the diary
    for user in (world.cadre, world.supervisor):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
        assert "private" in response["Cache-Control"]
        assert body_of(response) == png_bytes()
        assert client.get(raw).status_code == 404
    page = client.get(reverse("contact:visit", args=[visit.pk])).content.decode()
    assert f'src="{url}"' in page and "/media/" not in page
    photo.image.storage.delete(photo.image.name)
    assert client.get(url).status_code == 404


def test_photo_type_comes_from_the_image_not_its_name(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit = visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="s",
        contact_point=world.point,
        photos=[SimpleUploadedFile("x.html", png_bytes(), content_type="text/html")],
        now=at(date(2026, 3, 2)),
    )
    client.force_login(world.cadre)
    response = client.get(reverse("contact:photo", args=[visit.photos.get().pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_visit_page_links_each_ticket_the_user_may_open(client, world, visit):
    demand = visit.problems.get().demand
    link = f'href="{reverse("demands:detail", args=[demand.pk])}"'
    client.force_login(world.cadre)  # the demand lies in the cadre's street
    page = client.get(reverse("contact:visit", args=[visit.pk])).content.decode()
    assert link in page and demand.ticket_no in page
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 200
    world.cadre.area_scope = world.other_cadre.area_scope  # now the demand is outside the cadre's remit
    world.cadre.save()
    page = client.get(reverse("contact:visit", args=[visit.pk])).content.decode()
    assert link not in page and demand.ticket_no in page
    assert client.get(reverse("demands:detail", args=[demand.pk])).status_code == 404


def test_demand_page_shows_its_source_visit(client, world, visit):
    demand = visit.problems.get().demand
    visit_link = f'href="{reverse("contact:visit", args=[visit.pk])}"'
    page_url = reverse("demands:detail", args=[demand.pk])
    for user in (world.cadre, world.supervisor):  # who may see the visit
        client.force_login(user)
        html = client.get(page_url).content.decode()
        assert 'id="visit-source"' in html and "来源走访" in html and visit_link in html
    client.force_login(world.operator)  # sees every demand but not the cadre's diary
    html = client.get(page_url).content.decode()
    assert 'id="visit-source"' in html and "2026-03-02" in html and visit_link not in html
    assert client.get(reverse("contact:visit", args=[visit.pk])).status_code == 403
    other = demand_through(world, date(2026, 3, 3))
    assert 'id="visit-source"' not in client.get(reverse("demands:detail", args=[other.pk])).content.decode()


def test_demand_api_gives_the_visit_id(world, visit, django_assert_max_num_queries):
    demand = visit.problems.get().demand
    other = demand_through(world, date(2026, 3, 3))
    api = APIClient()
    api.force_authenticate(world.operator)
    body = api.get(f"/api/v1/demands/{demand.pk}/").json()
    assert body["visit"] == visit.pk and body["channel"] == "visit"
    with django_assert_max_num_queries(6):  # a demand of another channel costs no lookup
        assert api.get(f"/api/v1/demands/{other.pk}/").json()["visit"] is None


def test_visit_field_is_in_the_schema_read_only_and_nullable():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    visit = schema["components"]["schemas"]["DemandDetail"]["properties"]["visit"]
    assert visit["type"] == "integer" and visit["nullable"] is True and visit["readOnly"] is True


def test_admin_shows_photos_through_the_photo_view(client, visit):
    client.force_login(UserFactory(username="root", roles="admin", is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:contact_visit_change", args=[visit.pk])).content.decode()
    photo = visit.photos.get()
    assert f'src="{reverse("contact:photo", args=[photo.pk])}"' in html
    assert f"/media/{photo.image.name}" not in html
