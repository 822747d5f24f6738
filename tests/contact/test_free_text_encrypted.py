"""Issue 21 item 2 for the visit diary: what a cadre writes of a visit (the record, the problems raised)
names people, their homes and phones; it is stored encrypted and read back whole by the diary's readers."""

from __future__ import annotations

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient

from lianxin.contact.models import Visit, VisitProblem
from lianxin.contact.services import ProblemInput, visit_log
from lianxin.core import crypto
from tests.contact.factories import at
from tests.encryption import raw

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
SUMMARY = f"走访独居老人李桂兰（幸福小区3栋502，电话{PHONE}），了解用水困难。"
PROBLEM = ("李桂兰家水管漏水", f"3栋502水管漏水，联系{PHONE}")


def assert_sealed(model, pk: int, *columns: str) -> None:
    for column in columns:
        stored = raw(model, pk, column)
        assert stored and PHONE not in stored and "李桂兰" not in stored and "502" not in stored, column
        assert crypto.token_is_current(stored), column


@pytest.fixture
def visit(world):
    day = date(2026, 3, 2)
    return visit_log(
        cadre=world.cadre,
        date=day,
        kind="field",
        summary=SUMMARY,
        contact_point=world.point,
        households=world.households[:1],
        problems=[ProblemInput(title=PROBLEM[0], content=PROBLEM[1], household_id=world.households[0].pk)],
        now=at(day),
    )


def test_the_visit_record_and_its_problems_are_stored_encrypted(visit):
    assert_sealed(Visit, visit.pk, "summary")
    problem = visit.problems.get()
    assert_sealed(VisitProblem, problem.pk, "title", "content")
    fresh = VisitProblem.objects.get(pk=problem.pk)
    assert (fresh.title, fresh.content) == PROBLEM
    assert Visit.objects.get(pk=visit.pk).summary == SUMMARY
    # the demand made from the problem keeps its own (encrypted) copy of the text
    assert problem.demand.title == PROBLEM[0]


def test_the_diary_reads_the_record_whole(world, visit):
    client = APIClient()
    client.force_authenticate(world.cadre)
    body = client.get(f"/api/v1/contact/visits/{visit.pk}/").json()
    assert body["summary"] == SUMMARY and [p["title"] for p in body["problems"]] == [PROBLEM[0]]
    client.force_login(world.cadre)
    page = client.get(f"/contact/visits/{visit.pk}/")
    assert page.status_code == 200 and SUMMARY in page.content.decode()


def test_the_migration_encrypts_visits_stored_in_clear(visit):
    problem = visit.problems.get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contact_visit SET summary = %s WHERE id = %s", [SUMMARY, visit.pk])
        cursor.execute("UPDATE contact_visitproblem SET title = %s WHERE id = %s", [PROBLEM[0], problem.pk])
    importlib.import_module("lianxin.contact.migrations.0002_free_text_encrypted").encrypt_existing(
        apps, None
    )
    assert_sealed(Visit, visit.pk, "summary")
    assert_sealed(VisitProblem, problem.pk, "title")
    assert VisitProblem.objects.get(pk=problem.pk).title == PROBLEM[0]
