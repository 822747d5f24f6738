"""Issue 21 item 2 for dispute cases: the title, the facts, the agreement, the session records, the
follow-up notes and the timeline's notes are stored encrypted; the title's masked copy is what a search
matches, and it never matches digits the mask hides."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core import crypto
from lianxin.mediation import services
from lianxin.mediation.models import Case, CaseEvent, FollowUp, Session
from tests.encryption import raw
from tests.mediation.factories import open_case

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
ID_NUMBER = "430102199003071234"
TITLE = f"王秀英（{PHONE}）诉楼上装修噪音"
TERMS = f"一、李德明夜间不再装修；二、联系电话{PHONE}。"


def assert_sealed(model, pk: int, *columns: str) -> None:
    for column in columns:
        stored = raw(model, pk, column)
        assert stored and PHONE not in stored and ID_NUMBER not in stored, column
        assert crypto.token_is_current(stored), column


@pytest.fixture
def case(w):
    c = open_case(w, title=TITLE, summary=f"申请人身份证{ID_NUMBER}，电话{PHONE}，楼上夜间装修。")
    c = services.case_session(case=c, actor=w["mediator"], record=f"双方到场协商，申请人留电话{PHONE}")
    c = services.case_draft(case=c, actor=w["mediator"], terms=TERMS)
    parties = list(c.parties.values_list("pk", flat=True))
    c = services.case_agree(case=c, actor=w["mediator"], signed_parties=parties)
    c = services.case_follow_up(
        case=c, actor=w["mediator"], date=timezone.localdate(), performance="performed", note=f"回访{PHONE}"
    )
    return c


def test_a_cases_texts_are_stored_encrypted_and_read_back(case):
    assert_sealed(Case, case.pk, "title", "summary", "agreement_terms")
    for session in Session.objects.filter(case=case):
        assert_sealed(Session, session.pk, "record")
    assert_sealed(FollowUp, FollowUp.objects.get(case=case).pk, "note")
    for event in CaseEvent.objects.filter(case=case).exclude(note=""):
        assert_sealed(CaseEvent, event.pk, "note")
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.title == TITLE and ID_NUMBER in fresh.summary and fresh.agreement_terms == TERMS
    masked = raw(Case, case.pk, "title_masked")
    assert PHONE not in masked and "楼上装修噪音" in masked


def test_the_follow_up_and_event_notes_read_back_on_the_api(w, case):
    client = APIClient()
    client.force_authenticate(w["mediator"])
    body = client.get(f"/api/v1/mediation/cases/{case.pk}/").json()
    assert body["title"] == TITLE and ID_NUMBER in body["summary"]
    assert [f["note"] for f in body["follow_ups"]] == [f"回访{PHONE}"]
    assert [s["record"] for s in body["sessions"]] == [f"双方到场协商，申请人留电话{PHONE}"]
    assert body["agreement"]["terms"] == TERMS


def test_a_timeline_note_is_encrypted(w):
    c = open_case(w)
    services.case_set_risk(case=c, actor=w["supervisor"], risk="high", note=f"当事人扬言，电话{PHONE}")
    event = CaseEvent.objects.get(case=c, action="set_risk")
    assert_sealed(CaseEvent, event.pk, "note")
    assert CaseEvent.objects.get(pk=event.pk).note == f"当事人扬言，电话{PHONE}"


def search(term: str) -> list[int]:
    model_admin = admin.site._registry[Case]
    request = RequestFactory().get("/admin/mediation/case/", {"q": term})
    qs, _ = model_admin.get_search_results(request, Case.objects.all(), term)
    return list(qs.values_list("pk", flat=True))


def test_the_admin_searches_the_masked_title_and_never_matches_hidden_digits(case):
    assert search("装修噪音") == [case.pk]
    assert search(PHONE) == [] and search(PHONE[3:7]) == []  # the middle digits the mask hides
    # an exact title still finds the case (the copies are compared)
    assert Case.objects.filter(title=TITLE).count() == 1


def test_the_migration_encrypts_cases_stored_in_clear(case):
    session = Session.objects.get(case=case)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mediation_case SET title = %s, summary = %s, title_masked = '' WHERE id = %s",
            [TITLE, f"明文{ID_NUMBER}", case.pk],
        )
        cursor.execute("UPDATE mediation_session SET record = %s WHERE id = %s", [f"明文{PHONE}", session.pk])
    migration = importlib.import_module("lianxin.mediation.migrations.0002_free_text_encrypted")
    migration.encrypt_existing(apps, None)
    assert_sealed(Case, case.pk, "title", "summary")
    assert_sealed(Session, session.pk, "record")
    assert search("装修噪音") == [case.pk]  # the copy was made
    assert Case.objects.get(pk=case.pk).summary == f"明文{ID_NUMBER}"
