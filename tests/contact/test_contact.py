from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from lianxin.contact.models import CoverageRule, Household, Visit, VisitProblem
from lianxin.contact.periods import Period, cycle_of
from lianxin.contact.selectors import contact_measures, coverage_get
from lianxin.contact.services import ProblemInput, coverage_remind, visit_log
from lianxin.core.errors import ValidationFailed
from lianxin.core.models import Notification
from lianxin.demands.choices import Channel
from tests.contact.factories import at

pytestmark = pytest.mark.django_db


def png_upload(name: str = "photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_period_parse_refuses_bad_values_by_name():
    assert str(Period.parse("2026-03")) == "2026-03"
    for bad in ("2026-13", "abc", "2026-3", "", "2026-00"):
        with pytest.raises(ValidationFailed) as exc:
            Period.parse(bad)
        assert repr(bad) in exc.value.message


def test_coverage_cycles_are_calendar_blocks():
    assert cycle_of(date(2026, 5, 17), 1) == (date(2026, 5, 1), date(2026, 5, 31))
    assert cycle_of(date(2026, 5, 17), 3) == (date(2026, 4, 1), date(2026, 6, 30))
    assert cycle_of(date(2026, 12, 1), 6) == (date(2026, 7, 1), date(2026, 12, 31))


def test_visit_problem_becomes_a_visit_demand_linked_both_ways(world):
    visit = visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="走访东风社区",
        contact_point=world.point,
        households=world.households[:1],
        problems=[
            ProblemInput(
                title="楼道灯坏了", content="三单元楼道灯坏了一周", household_id=world.households[0].pk
            )
        ],
        photos=[png_upload()],
        now=at(date(2026, 3, 2)),
    )
    problem = visit.problems.get()
    demand = problem.demand
    assert demand is not None and demand.channel == Channel.VISIT
    assert demand.visit_problem == problem  # reverse link
    assert demand.area == world.community
    assert demand.contact_name == world.households[0].head_name
    assert visit.photos.get().width == 40


def test_visit_refuses_fake_images_and_others_points(world):
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as exc:
        visit_log(
            cadre=world.cadre,
            date=date(2026, 3, 2),
            kind="field",
            summary="s",
            contact_point=world.point,
            photos=[fake],
            now=at(date(2026, 3, 2)),
        )
    assert "photos" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        visit_log(
            cadre=world.other_cadre,
            date=date(2026, 3, 2),
            kind="field",
            summary="s",
            contact_point=world.point,
            now=at(date(2026, 3, 2)),
        )
    assert "contact_point" in exc.value.fields
    with pytest.raises(ValidationFailed):
        visit_log(
            cadre=world.cadre, date=date(2030, 1, 1), kind="field", summary="s", now=at(date(2026, 3, 2))
        )
    assert not Visit.objects.exists() and not VisitProblem.objects.exists()


def test_household_phone_is_encrypted_and_searchable(world):
    from django.db import connection

    from lianxin.core.crypto import phone_index

    h = world.households[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, address, head_name FROM contact_household WHERE id = %s", [h.pk])
        raw_phone, raw_address, raw_name = cursor.fetchone()
    assert "13900000000" not in raw_phone and "东风路" not in raw_address
    assert h.head_name and h.head_name not in raw_name  # the householder's name too
    assert Household.objects.get(pk=h.pk).head_name == h.head_name
    assert Household.objects.get(phone_hash=phone_index("+86 139-0000-0000")).pk == h.pk


def test_coverage_defaults_and_configurable_rules(world):
    visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="s",
        contact_point=world.point,
        households=world.households[:2],
        now=at(date(2026, 3, 2)),
    )
    cov = coverage_get(cadre=world.cadre, as_of=date(2026, 3, 20))
    assert (cov.points.covered, cov.points.total) == (1, 2)
    assert (cov.households.covered, cov.households.total) == (2, 3)
    # Households are quarterly by default: April starts a new cycle (Q2).
    assert coverage_get(cadre=world.cadre, as_of=date(2026, 4, 5)).households.covered == 0
    CoverageRule.objects.create(target="household", every_months=6)
    assert coverage_get(cadre=world.cadre, as_of=date(2026, 4, 5)).households.covered == 2
    m = contact_measures(cadre_ids=[world.cadre.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))[
        world.cadre.pk
    ]
    assert (m.visits, m.points_covered, m.points_assigned, m.households_covered) == (1, 1, 2, 2)


def test_reminder_notifies_cadres_with_gaps_only(world, mailoutbox):
    visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="s",
        contact_point=world.point,
        households=world.households,
        now=at(date(2026, 3, 2)),
    )
    assert coverage_remind(as_of=date(2026, 3, 10)) == 1
    note = Notification.objects.get(recipient=world.cadre, kind="coverage")
    assert "东风小学" in note.body and "1个联系点" in note.title
    visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 3),
        kind="field",
        summary="s",
        contact_point=world.point2,
        now=at(date(2026, 3, 3)),
    )
    assert coverage_remind(as_of=date(2026, 3, 10)) == 0


def test_diary_pages_and_phone_entry(client, world):
    client.force_login(world.cadre)
    assert client.get(reverse("contact:diary")).status_code == 200
    page = client.get(reverse("contact:visit_new"))
    assert (
        page.status_code == 200
        and b'name="viewport"' in page.content
        and b'capture="environment"' in page.content
    )
    response = client.post(
        reverse("contact:visit_new"),
        {
            "date": "2026-03-02",
            "kind": "meeting",
            "contact_point": world.point.pk,
            "households": [world.households[0].pk],
            "summary": "座谈会",
            "problem_0_title": "停车难",
            "problem_0_content": "小区停车位不足",
            "photos": [png_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert visit.problems.get().demand.title == "停车难"
    detail = client.get(response.url)
    assert "停车难" in detail.content.decode()
    bad = client.post(reverse("contact:visit_new"), {"date": "2026-03-02", "kind": "field", "summary": ""})
    assert bad.status_code == 400
    assert client.get(reverse("contact:coverage")).status_code == 200
    assert client.get(reverse("contact:contacts")).status_code == 200


def test_access_cadre_sees_only_own_diary(client, world):
    visit = visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 2),
        kind="field",
        summary="s",
        contact_point=world.point,
        now=at(date(2026, 3, 2)),
    )
    client.force_login(world.other_cadre)
    assert client.get(reverse("contact:visit", args=[visit.pk])).status_code == 404
    assert client.get(reverse("contact:diary") + f"?cadre={world.cadre.pk}").status_code == 404
    client.force_login(world.supervisor)
    assert client.get(reverse("contact:visit", args=[visit.pk])).status_code == 200
    assert client.get(reverse("contact:diary") + f"?cadre={world.cadre.pk}").status_code == 200
    overview = client.get(reverse("contact:coverage"))
    assert overview.status_code == 200 and "coverage-overview" in overview.content.decode()
    client.force_login(world.handler)
    assert client.get(reverse("contact:diary")).status_code == 403


def test_visit_form_errors_follow_the_chosen_language(client, world):
    client.force_login(world.cadre)
    tomorrow = timezone.localdate() + timedelta(days=1)
    visit = {
        "date": tomorrow.isoformat(),
        "kind": "field",
        "contact_point": world.point.pk,
        "summary": "走访",
    }
    assert "日期不能晚于今天" in client.post(reverse("contact:visit_new"), visit).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(reverse("contact:visit_new"), visit).content.decode()
    assert "The date cannot be later than today" in html and "日期不能晚于今天" not in html


def test_reminder_body_is_shown_in_the_readers_language_and_date_format(world, client):
    assert coverage_remind(as_of=date(2026, 3, 10)) == 1
    note = Notification.objects.get(recipient=world.cadre, kind="coverage")
    chinese = "3月31日前需走访的联系点（2个）：东风小学、东风社区\n3月31日前需走访的联系户（3户）：王0户、王1户、王2户"
    assert note.body == note.display_body == chinese  # senders keep the Chinese
    with translation.override("en"):
        assert note.display_body == (
            "Contact points to visit by March 31 (2): 东风小学, 东风社区\n"
            "Households to visit by March 31 (3): 王0户, 王1户, 王2户"
        )
    client.force_login(world.cadre)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:inbox")).content.decode()
    assert "Contact points to visit by March 31 (2): 东风小学, 东风社区" in page and "需走访" not in page
    note.body_msgs[0][1]["end"] = {"month_day": "2026-02-30"}  # params that no longer make a day
    with translation.override("en"):
        assert note.display_body == chinese
