"""The action table: every row's service exists and takes the row's arguments; no sequence of actions
reaches an inconsistent case (hypothesis over the table)."""

import inspect
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.core.errors import ApplicationError
from lianxin.mediation import services
from lianxin.mediation.choices import ACTIVE_STATUSES, Status
from lianxin.mediation.models import Case
from lianxin.mediation.transitions import API_ACTIONS, TABLE
from tests.mediation.factories import build, open_case


def test_every_row_names_a_service_taking_its_arguments():
    for action, row in TABLE.items():
        service = getattr(services, row.service)
        params = set(inspect.signature(service).parameters)
        assert {"case", "actor", "version"} <= params, action
        assert set(row.args) <= params, action
        assert set(row.required) <= set(row.args), action


def _args(w, case, action):
    today = timezone.localdate()
    return {
        "assign": {"mediators": [w["mediator"].pk]},
        "set_risk": {"risk": "high", "note": "x"},
        "session": {"record": "协商"},
        "escalate": {"note": "x"},
        "extend": {"due_on": case.due_on + timedelta(days=3), "note": "x"},
        "draft": {"terms": "一、……"},
        "agree": {"terms": "一、……", "signed_parties": list(case.parties.values_list("pk", flat=True))},
        "refer": {"referral_to": "court", "note": "x"},
        "withdraw": {"note": "x"},
        "follow_up": {"date": today, "performance": "performed"},
        "close": {},
    }[action]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(API_ACTIONS), min_size=1, max_size=8))
def test_no_sequence_of_actions_reaches_an_inconsistent_case(db, actions):
    w = build()
    case = open_case(w)
    for action in actions:
        case.refresh_from_db()
        before = (case.status, case.events.count())
        try:
            services.case_act(case=case, actor=w["mediator"], action=action, **_args(w, case, action))
        except ApplicationError:
            case.refresh_from_db()
            assert (case.status, case.events.count()) == before  # a refusal writes nothing
            continue
        case.refresh_from_db()
        assert before[0] in TABLE[action].sources
        assert case.status == TABLE[action].target_for(before[0])
        assert case.events.count() == before[1] + 1
    case = Case.objects.get(pk=case.pk)
    if case.status in (Status.AGREED, Status.CLOSED) and case.agreed_at:
        assert not case.parties.filter(signed_at__isnull=True).exists() or case.agreement_scan
        assert case.agreement_terms
    if case.status == Status.CLOSED and case.agreed_at:
        assert case.performance == "performed"
    if case.status not in ACTIVE_STATUSES:
        assert not services.allowed_actions(w["mediator"], case) or case.status in (
            Status.AGREED,
            Status.REFERRED,
        )
