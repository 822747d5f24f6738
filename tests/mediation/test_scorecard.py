from datetime import timedelta

from django.utils import timezone

from lianxin.core.contributions import Subject, module_measure, replaced_sections, report_sections
from lianxin.mediation import scorecard, services
from tests.mediation.factories import agreed_case, open_case


def subjects(w):
    return [
        Subject("cadre", w["cadre"].pk, area_id=w.base.street.pk, area_path=w.base.street.path),
        Subject(
            "cadre", w["far_cadre"].pk, area_id=w.base.other_street.pk, area_path=w.base.other_street.path
        ),
        Subject("cadre", w["operator"].pk),  # no area: no data
    ]


def build_cases(w):
    today = timezone.localdate()
    agreed_local = agreed_case(w)  # agreed at the grid, followed up as performed
    services.case_follow_up(case=agreed_local, actor=w["mediator"], date=today, performance="performed")
    escalated = open_case(w)
    services.case_escalate(case=escalated, actor=w["mediator"], note="提级")
    services.case_session(case=escalated, actor=w["mediator"], record="协商")
    services.case_draft(case=escalated, actor=w["mediator"], terms="一、……")
    services.case_agree(
        case=escalated,
        actor=w["mediator"],
        signed_parties=list(escalated.parties.values_list("pk", flat=True)),
    )
    referred = open_case(w)
    services.case_refer(case=referred, actor=w["mediator"], referral_to="petition", note="不成")
    open_case(w)  # still open: opened, not concluded
    open_case(w, area=w.far_grid, mediators=["other_mediator"])
    return today


def test_measures_count_each_subjects_area(w):
    today = build_cases(w)
    subs = subjects(w)
    start, end = today - timedelta(days=1), today
    cadre, far = w["cadre"].pk, w["far_cadre"].pk
    assert scorecard.cases_opened(subs, start, end) == {cadre: (4, 4), far: (1, 1)}
    assert scorecard.success(subs, start, end) == {cadre: (2, 3)}
    assert scorecard.local(subs, start, end) == {cadre: (1, 3)}  # the escalated agreement is not 不上交
    assert scorecard.performed(subs, start, end) == {cadre: (1, 2)}
    assert scorecard.escalations(subs, start, end) == {cadre: (1, 1)}
    # outside the period nothing counts
    assert scorecard.success(subs, start - timedelta(days=30), start - timedelta(days=10)) == {}


def test_measures_are_registered_with_weight_zero_and_the_section_replaces_disputes():
    for code in (
        "mediation_cases",
        "mediation_success",
        "mediation_local",
        "mediation_performed",
        "mediation_escalations",
    ):
        measure = module_measure(code)
        assert measure is not None and measure.module == "mediation" and measure.weight == 0
    assert module_measure("mediation_local").kind == "rate"
    assert "disputes" in replaced_sections()
    assert any(s.key == "mediation" for s in report_sections())


def test_records_link_lists_the_cases(w, client):
    today = build_cases(w)
    sub = subjects(w)[0]
    url = scorecard.records_url(sub, today, today)
    client.force_login(w["supervisor"])
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("/mediation/cases/") >= 4 and "西湖网格" not in body
    assert scorecard.records_url(subjects(w)[2], today, today) == ""


def test_report_section_of_a_cadre(w):
    today = build_cases(w)
    section = scorecard.mediation_section(w["cadre"], today - timedelta(days=1), today)
    assert section is not None and section.title == "化解矛盾纠纷"
    figures = {f.label: f.value for f in section.figures}
    assert figures["受理矛盾纠纷"] == "4"
    assert figures["矛盾不上交率"].startswith("33.3%")
    assert len(section.table_rows) == 4
    assert all("王秀英" not in cell for row in section.table_rows for cell in row)  # no party names
    assert scorecard.mediation_section(w["operator"], today, today) is None  # no area
    assert (
        scorecard.mediation_section(w["cadre"], today - timedelta(days=90), today - timedelta(days=60))
        is None
    )
