from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.mediation import services
from lianxin.mediation.models import Case, CaseEvent, FollowUp, Party
from lianxin.mediation.services import PartyInput
from tests.demands.factories import make_demand
from tests.mediation.factories import PARTIES, agreed_case, open_case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_open_writes_case_parties_mediators_and_event(w):
    case = open_case(w)
    assert case.case_no.startswith("TJ") and case.status == "open"
    assert case.start_level == case.level == "grid"  # the grid area's own level
    assert case.due_on == timezone.localdate() + timedelta(days=30)
    assert [p.name for p in case.parties.all()] == ["王秀英", "李德明"]
    assert list(case.mediators.all()) == [w["mediator"]]
    event = case.events.get()
    assert (event.action, event.actor, event.to_status) == ("open", w["mediator"], "open")


def test_party_personal_data_is_encrypted_at_rest(w):
    case = open_case(w)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT name, phone, id_number FROM mediation_party WHERE case_id = %s", [case.pk])
        rows = cur.fetchall()
    assert rows and all("王秀英" not in r[0] and "1370000" not in r[1] for r in rows)
    assert Party.objects.filter(phone_hash__gt="").count() == 2


def test_risk_is_proposed_from_the_facts_unless_chosen(w):
    case = open_case(w, summary="工人称再不发工资就跳楼")
    assert case.risk == case.risk_proposed and case.risk in ("high", "major")
    assert case.risk_reasons
    chosen = open_case(w, summary="工人称再不发工资就跳楼", risk="medium")
    assert (chosen.risk, chosen.risk_proposed) == ("medium", case.risk_proposed)


@pytest.mark.parametrize("parties", [[], [PARTIES[0]]])
def test_a_case_without_two_parties_is_refused(w, parties):
    with pytest.raises(ValidationFailed) as exc:
        open_case(w, parties=parties)
    assert "parties" in exc.value.fields
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_party_without_a_name_or_with_a_bad_phone_is_refused_by_field(w):
    with pytest.raises(ValidationFailed) as exc:
        open_case(w, parties=[PARTIES[0], PartyInput(name=" ")])
    assert "parties[1].name" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        open_case(w, parties=[PARTIES[0], PartyInput(name="李", phone="abc")])
    assert "parties[1].phone" in exc.value.fields
    assert not Case.objects.exists()


def test_roles_that_may_not_open(w):
    for name in ("citizen", "editor"):
        with pytest.raises(PermissionDenied):
            open_case(w, by=name)


def test_open_from_a_demand_takes_its_area_and_is_idempotent(w):
    demand = make_demand(w.base, by="citizen")
    first = services.case_open(
        actor=w["operator"], title="t", summary="s", type="neighbour", parties=PARTIES, demand=demand
    )
    again = services.case_open(
        actor=w["operator"], title="t", summary="s", type="neighbour", parties=PARTIES, demand=demand
    )
    assert first.pk == again.pk and first.source == "demand" and first.area == demand.area
    assert first.level == "town"  # the demand's area is a street
    assert Case.objects.count() == 1


def test_open_from_a_demand_the_actor_cannot_see_is_not_found(w):
    demand = make_demand(w.base, by="citizen")
    with pytest.raises(NotFound):
        services.case_open(
            actor=w["mediator"], title="t", summary="s", type="neighbour", parties=PARTIES, demand=demand
        )


def test_agreement_without_signatures_is_refused_and_nothing_written(w):
    case = open_case(w)
    case = services.case_session(case=case, actor=w["mediator"], record="协商")
    one = case.parties.first().pk
    for signed in ([], [one]):
        with pytest.raises(ValidationFailed) as exc:
            services.case_agree(case=case, actor=w["mediator"], terms="一、……", signed_parties=signed)
        assert exc.value.code == "signatures_missing" and "signed_parties" in exc.value.fields
    case.refresh_from_db()
    assert case.status == "mediating" and case.agreed_at is None and case.agreement_terms == ""
    assert not case.parties.filter(signed_at__isnull=False).exists()
    assert not case.events.filter(action="agree").exists()


def test_agreement_needs_terms(w):
    case = services.case_session(case=open_case(w), actor=w["mediator"], record="协商")
    ids = list(case.parties.values_list("pk", flat=True))
    with pytest.raises(ValidationFailed) as exc:
        services.case_agree(case=case, actor=w["mediator"], signed_parties=ids)
    assert "terms" in exc.value.fields


def test_agreement_with_every_signature_recorded(w):
    case = agreed_case(w)
    assert case.status == "agreed" and case.agreed_at and case.concluded_at
    assert case.parties.filter(signed_at__isnull=True).count() == 0
    assert case.events.filter(action="agree").count() == 1


def test_agreement_with_the_signed_scan(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = services.case_session(case=open_case(w), actor=w["mediator"], record="协商")
    scan = SimpleUploadedFile("signed.pdf", PDF, content_type="application/pdf")
    case = services.case_agree(case=case, actor=w["mediator"], terms="一、……", scan=scan)
    assert case.status == "agreed" and case.agreement_scan_type == "application/pdf"
    assert case.agreement_scan.read() == PDF


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(w):
    case = services.case_session(case=open_case(w), actor=w["mediator"], record="协商")
    bad = SimpleUploadedFile("signed.pdf", b"<html>hello</html>", content_type="application/pdf")
    with pytest.raises(ValidationFailed) as exc:
        services.case_agree(case=case, actor=w["mediator"], terms="一、……", scan=bad)
    assert "file" in exc.value.fields
    case.refresh_from_db()
    assert case.status == "mediating"


def test_action_not_allowed_in_the_state_is_a_conflict(w):
    case = open_case(w)
    with pytest.raises(Conflict) as exc:  # agree before any session: the case is open, not mediating
        services.case_act(case=case, actor=w["mediator"], action="agree", terms="x")
    assert exc.value.code == "bad_state"
    with pytest.raises(Conflict):
        services.case_act(
            case=case,
            actor=w["mediator"],
            action="follow_up",
            date=timezone.localdate(),
            performance="performed",
        )
    assert case.events.count() == 1


def test_missing_required_arguments_are_named(w):
    case = open_case(w)
    with pytest.raises(ValidationFailed) as exc:
        services.case_act(case=case, actor=w["mediator"], action="refer", note="调解不成")
    assert set(exc.value.fields) == {"referral_to"}


def test_follow_up_dated_before_the_agreement_is_refused(w):
    case = agreed_case(w)
    before = timezone.localdate(case.agreed_at) - timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.case_follow_up(case=case, actor=w["mediator"], date=before, performance="performed")
    assert exc.value.code == "before_agreement" and "date" in exc.value.fields
    assert not FollowUp.objects.exists()


def test_close_needs_performance_confirmed(w):
    case = agreed_case(w)
    with pytest.raises(Conflict) as exc:
        services.case_close(case=case, actor=w["mediator"])
    assert exc.value.code == "not_performed"
    assert "close" not in services.allowed_actions(w["mediator"], case)
    case = services.case_follow_up(
        case=case, actor=w["mediator"], date=timezone.localdate(), performance="partly"
    )
    assert case.performance == "partly"
    case = services.case_follow_up(
        case=case, actor=w["mediator"], date=timezone.localdate(), performance="performed"
    )
    case = services.case_close(case=case, actor=w["mediator"])
    assert case.status == "closed" and case.closed_at


def test_escalate_moves_up_and_stops_at_the_county(w):
    case = open_case(w)
    case = services.case_escalate(case=case, actor=w["mediator"], note="金额大")
    assert (case.level, case.start_level, case.escalation_count) == ("village", "grid", 1)
    with pytest.raises(ValidationFailed):
        services.case_escalate(case=case, actor=w["mediator"], note="x", level="grid")
    case = services.case_escalate(case=case, actor=w["mediator"], note="x", level="county")
    with pytest.raises(Conflict) as exc:
        services.case_escalate(case=case, actor=w["mediator"], note="x")
    assert exc.value.code == "top_level"


def test_refer_records_the_referral(w):
    case = open_case(w)
    case = services.case_refer(
        case=case,
        actor=w["mediator"],
        referral_to="court",
        referral_body="区人民法院",
        referral_ref="(2026)诉前123号",
        note="产权争议",
    )
    assert (case.status, case.referral_to, case.referral_ref) == ("referred", "court", "(2026)诉前123号")
    assert case.concluded_at and case.agreed_at is None
    services.case_close(case=case, actor=w["mediator"])


def test_a_stale_version_is_refused_so_a_retry_writes_once(w):
    case = open_case(w)
    version = case.version
    services.case_act(case=case, actor=w["mediator"], action="session", version=version, record="第一次")
    with pytest.raises(Conflict) as exc:
        services.case_act(case=case, actor=w["mediator"], action="session", version=version, record="第一次")
    assert exc.value.code == "stale"
    assert case.sessions.count() == 1


def test_only_mediators_record_sessions(w):
    case = open_case(w)
    with pytest.raises(PermissionDenied):
        services.case_session(case=case, actor=w["supervisor"], record="x")
    with pytest.raises(NotFound):
        services.case_session(case=case, actor=w["other_mediator"], record="x")


def test_assign_replaces_the_mediators(w):
    case = open_case(w)
    services.case_assign(case=case, actor=w["supervisor"], mediators=[w["other_mediator"].pk])
    assert list(case.mediators.all()) == [w["other_mediator"]]
    with pytest.raises(ValidationFailed):
        services.case_assign(case=case, actor=w["supervisor"], mediators=[w["citizen"].pk])


def test_extend_needs_a_later_day(w):
    case = open_case(w)
    with pytest.raises(ValidationFailed):
        services.case_extend(case=case, actor=w["mediator"], due_on=case.due_on, note="双方同意")
    case = services.case_extend(
        case=case, actor=w["mediator"], due_on=case.due_on + timedelta(days=15), note="双方同意"
    )
    assert case.due_on == timezone.localdate() + timedelta(days=45)


def test_the_sweep_red_cards_overdue_active_cases_once(w):
    now = timezone.now()
    late = open_case(w, now=now - timedelta(days=31))
    fresh = open_case(w, now=now - timedelta(days=10))
    done = agreed_case(w)
    Case.objects.filter(pk=done.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    assert services.case_red_card_sweep(now=now) == 1
    assert services.case_red_card_sweep(now=now) == 0
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.overdue and late.red_carded_at and not fresh.overdue
    assert late.events.filter(action="red_card", actor=None).count() == 1
    assert not Case.objects.get(pk=done.pk).overdue


def test_open_from_a_visit_takes_the_contact_points_area(w):
    from lianxin.contact.models import ContactPoint, Visit

    point = ContactPoint.objects.create(name="东风社区联系点", kind="community", area=w.community)
    visit = Visit.objects.create(
        cadre=w["cadre"], date=timezone.localdate(), contact_point=point, summary="走访"
    )
    case = services.case_open(
        actor=w["cadre"], title="t", summary="s", type="land", parties=PARTIES, visit=visit
    )
    assert (case.source, case.area, case.level, case.visit) == ("visit", w.community, "village", visit)
    with pytest.raises(NotFound):  # another cadre's visit
        services.case_open(
            actor=w["far_cadre"], title="t", summary="s", type="land", parties=PARTIES, visit=visit
        )


def test_opening_again_from_a_demand_by_someone_who_cannot_see_its_case_is_a_conflict(w):
    demand = make_demand(w.base, by="citizen")
    services.case_open(
        actor=w["supervisor"],
        title="t",
        summary="s",
        type="neighbour",
        parties=PARTIES,
        demand=demand,
        mediators=[w["mediator"].pk],
    )
    with pytest.raises(Conflict) as exc:
        services.case_open(
            actor=w["operator"], title="t", summary="s", type="neighbour", parties=PARTIES, demand=demand
        )
    assert exc.value.code == "already_opened" and Case.objects.count() == 1
