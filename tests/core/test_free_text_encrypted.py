"""Issue 21 item 2: `lianxin rekey` covers the free text encrypted after the demand's own texts — the
reply, the timeline's notes, appeals, assisting opinions, the visit diary, dispute cases, survey answers
and the participation timeline. A rotation to a new key and to SM4 rewrites every one of them and each
reads back as it was written."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxin.contact.models import Visit, VisitProblem
from lianxin.contact.services import ProblemInput, visit_log
from lianxin.core import crypto
from lianxin.core.crypto import EncryptedTextField
from lianxin.core.management.commands.rekey import encrypted_models
from lianxin.demands import services as demand_services
from lianxin.demands.choices import AppealReason, Outcome, Status
from lianxin.demands.models import AssistRequest, Demand, DemandAppeal, DemandEvent
from lianxin.mediation import services as mediation_services
from lianxin.mediation.models import Case, CaseEvent, Session
from lianxin.mediation.models import FollowUp as CaseFollowUp
from lianxin.org.models import AreaLevel
from lianxin.participation import services as participation_services
from lianxin.participation.models import SurveyAnswer, TimelineEntry
from tests.contact.factories import at, make_world
from tests.demands.factories import make_demand
from tests.encryption import raw
from tests.factories import AreaFactory, UnitFactory, UserFactory
from tests.mediation.factories import build, open_case
from tests.participation import factories as participation_factories

pytestmark = pytest.mark.django_db

PHONE = "13987654321"
OLD_KEY = "lianxin-tests-old-data-key-0123456789-abcdefghij"
NEW_KEY = "lianxin-tests-new-data-key-0123456789-abcdefghij"

# The fields encrypted in this part of issue 21, by model.
FREE_TEXT = {
    Demand: ("reply_text",),
    DemandEvent: ("note",),
    AssistRequest: ("opinion",),
    DemandAppeal: ("reason", "decision_note"),
    Visit: ("summary",),
    VisitProblem: ("title", "content"),
    Case: ("title", "summary", "agreement_terms"),
    Session: ("record",),
    CaseFollowUp: ("note",),
    CaseEvent: ("note",),
    SurveyAnswer: ("text",),
    TimelineEntry: ("note",),
}


def test_rekey_walks_every_model_with_encrypted_free_text():
    walked = {
        model: {f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)}
        for model in encrypted_models()
    }
    for model, names in FREE_TEXT.items():
        assert set(names) <= walked.get(model, set()), model._meta.label


def _fill() -> None:
    """One row (at least) with each field of FREE_TEXT written, through the services."""
    w = build()
    world = w.base
    d = make_demand(world, Status.ACCEPTED)
    d = demand_services.demand_dispatch(
        demand=d, actor=world["operator"], unit=world.unit, assisting_units=[world.other_unit]
    )
    demand_services.demand_assist_opinion(demand=d, actor=world["other_handler"], text=f"协办：{PHONE}")
    d = demand_services.demand_sign(demand=d, actor=world["handler"])
    d = demand_services.demand_reply(
        demand=d, actor=world["handler"], text=f"已联系{PHONE}", outcome=Outcome.EXPLAINED
    )
    DemandAppeal.objects.create(  # the appeal's window and rules have their own tests
        demand=d,
        unit=world.unit,
        reason_kind=AppealReason.OUTSIDE_REMIT,
        reason=f"申诉：{PHONE}",
        decision_note=f"审核：{PHONE}",
        filed_by=world["handler"],
        filed_at=timezone.now(),
    )
    case = open_case(w, title=f"纠纷{PHONE}", summary=f"事实{PHONE}")
    case = mediation_services.case_session(case=case, actor=w["mediator"], record=f"记录{PHONE}")
    case = mediation_services.case_draft(case=case, actor=w["mediator"], terms=f"协议{PHONE}")
    signed = list(case.parties.values_list("pk", flat=True))
    case = mediation_services.case_agree(case=case, actor=w["mediator"], signed_parties=signed)
    mediation_services.case_follow_up(
        case=case,
        actor=w["mediator"],
        date=timezone.localdate(),
        performance="performed",
        note=f"回访{PHONE}",
    )
    mediation_services.case_set_risk(case=case, actor=w["supervisor"], risk="high", note=f"风险{PHONE}")

    cw = make_world()
    day = date(2026, 3, 2)
    visit_log(
        cadre=cw.cadre,
        date=day,
        kind="field",
        summary=f"走访{PHONE}",
        contact_point=cw.point,
        problems=[ProblemInput(title=f"问题{PHONE}", content=f"详情{PHONE}")],
        now=at(day),
    )

    area = AreaFactory(name="芙蓉区", level=AreaLevel.DISTRICT)
    organiser = UserFactory(roles="cadre", unit=UnitFactory(area=area), area_scope=area)
    citizen = UserFactory(roles="citizen")
    survey = participation_factories.survey(organiser, area)
    free = survey.questions.get(kind="text")
    answers = {q.pk: 4 for q in survey.questions.filter(kind="scale5")}
    participation_services.survey_respond(
        survey=survey, actor=citizen, answers={**answers, free.pk: f"建议{PHONE}"}, area=area
    )
    consultation = participation_factories.consultation(organiser, area)
    comment = participation_services.comment_add(consultation=consultation, actor=citizen, body="意见")
    participation_services.comment_moderate(
        comment=comment, actor=UserFactory(roles="editor"), hide=True, reason=f"隐藏{PHONE}"
    )


def test_a_rotation_to_a_new_key_and_sm4_rewrites_and_reads_every_free_text(settings):
    settings.DATA_KEY = OLD_KEY
    settings.LIANXIN_INDEX_KEY = OLD_KEY
    _fill()
    written: dict[tuple[type, int, str], str] = {}
    for model, names in FREE_TEXT.items():
        for row in model.objects.all():
            for name in names:
                if getattr(row, name):
                    written[(model, row.pk, name)] = getattr(row, name)
        for name in names:
            assert any(k[0] is model and k[2] == name and PHONE in v for k, v in written.items()), (
                model,
                name,
            )
    for (model, pk, name), value in written.items():
        assert raw(model, pk, name).startswith("gAAAAA")  # Fernet under the old key

    settings.DATA_KEY = NEW_KEY
    settings.LIANXIN_DATA_KEYS_OLD = OLD_KEY
    settings.LIANXIN_CIPHER = "sm4"
    call_command("rekey", verbosity=0)
    settings.LIANXIN_DATA_KEYS_OLD = ""  # the old key is no longer needed
    for (model, pk, name), value in written.items():
        token = raw(model, pk, name)
        assert token.startswith("sm4:") and crypto.token_is_current(token), (model, name)
        assert PHONE not in token
        assert getattr(model.objects.get(pk=pk), name) == value, (model, name)
    # the masked copy of the case title survived the rewrite, without the phone
    case = Case.objects.get()
    assert PHONE not in case.title_masked and case.title_masked.startswith("纠纷")
    out = StringIO()
    call_command("rekey", stdout=out)
    assert "0 rows rewritten" in out.getvalue()
