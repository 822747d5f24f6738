"""A problem recorded on a visit becomes a demand that carries the household's contact (name and phone,
encrypted on the demand as on the household) and the category the cadre picked on the visit form."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from lianxin.contact.models import Visit
from lianxin.contact.services import ProblemInput, visit_log
from lianxin.demands.models import Demand
from tests.contact.factories import at
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _raw_contact(demand: Demand) -> tuple[str, str]:
    table = connection.ops.quote_name(Demand._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT contact_name, contact_phone FROM {table} WHERE id = %s", [demand.pk])
        return cursor.fetchone()


def test_visit_form_offers_a_household_and_a_category_for_each_problem(client, world):
    client.force_login(world.cadre)
    html = client.get(reverse("contact:visit_new")).content.decode()
    assert 'name="problem_0_household"' in html and 'name="problem_0_category"' in html
    assert world.households[1].head_name in html and world.category.name in html


def test_demand_from_a_visit_problem_has_the_households_contact_and_the_chosen_category(client, world):
    sub = CategoryFactory(name="路灯照明", parent=world.category)
    household = world.households[1]
    client.force_login(world.cadre)
    response = client.post(
        reverse("contact:visit_new"),
        {
            "date": "2026-03-02",
            "kind": "field",
            "contact_point": world.point.pk,
            "households": [world.households[0].pk, household.pk],
            "summary": "走访东风社区",
            "problem_0_title": "楼道灯不亮",
            "problem_0_content": "三单元楼道灯坏了一周",
            "problem_0_household": household.pk,
            "problem_0_category": sub.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    demand = Visit.objects.get().problems.get().demand
    assert (demand.contact_name, demand.contact_phone) == (household.head_name, household.phone)
    assert demand.category == sub and demand.address == household.address
    assert demand.visit_problem.household == household
    raw_name, raw_phone = _raw_contact(demand)  # encrypted at rest, as the household's own fields are
    assert household.phone not in raw_phone and household.head_name not in raw_name
    assert Demand.objects.filter(contact_phone_hash=demand.contact_phone_hash).get() == demand


def test_a_problem_on_a_visit_to_one_household_is_that_households(world):
    household = world.households[2]
    visit = visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 3),
        kind="field",
        summary="入户走访",
        households=[household],
        problems=[ProblemInput(title="低保续办咨询", category_id=world.category.pk)],
        now=at(date(2026, 3, 3)),
    )
    demand = visit.problems.get().demand
    assert demand.contact_name == household.head_name and demand.contact_phone == household.phone
    assert demand.category == world.category and demand.area == household.area


def test_a_problem_on_a_visit_to_several_households_names_nobody_unless_chosen(world):
    visit = visit_log(
        cadre=world.cadre,
        date=date(2026, 3, 3),
        kind="meeting",
        summary="座谈会",
        contact_point=world.point,
        households=world.households[:2],
        problems=[ProblemInput(title="停车难")],
        now=at(date(2026, 3, 3)),
    )
    demand = visit.problems.get().demand
    assert demand.contact_name == "" and demand.contact_phone == "" and demand.category is None


def test_a_household_or_category_not_on_offer_is_refused_by_the_form(client, world):
    from lianxin.contact.services import household_create
    from tests.contact.factories import AreaFactory

    stranger = household_create(head_name="外人", area=AreaFactory(), phone="13700000000")
    client.force_login(world.cadre)
    response = client.post(
        reverse("contact:visit_new"),
        {
            "date": "2026-03-02",
            "kind": "field",
            "summary": "走访",
            "problem_0_title": "问题",
            "problem_0_household": stranger.pk,
        },
    )
    assert response.status_code == 400 and not Visit.objects.exists()
