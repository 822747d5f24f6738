import pytest
from django.test import RequestFactory as RF
from django.utils import timezone

from lianxin.mediation.models import Case
from tests.demands.factories import make_demand
from tests.mediation.factories import agreed_case, open_case


def login(client, user):
    client.force_login(user)
    return client


def test_workbench_shows_mine_due_soon_and_overdue(w, client):
    now = timezone.now()
    mine = open_case(w)
    late = open_case(w, now=now - timedelta_days(35), title="很久以前的纠纷")
    soon = open_case(w, now=now - timedelta_days(27), title="快到期的纠纷")
    other = open_case(w, mediators=["other_mediator"], title="别人的纠纷")
    body = login(client, w["mediator"]).get("/mediation/").content.decode()
    assert mine.case_no in body and late.case_no in body and soon.case_no in body
    assert other.case_no not in body
    overdue = body[body.index('id="overdue"') : body.index('id="due-soon"')]
    due_soon = body[body.index('id="due-soon"') : body.index('id="mine"')]
    assert late.case_no in overdue and soon.case_no not in overdue
    assert soon.case_no in due_soon and mine.case_no not in due_soon


def timedelta_days(n):
    from datetime import timedelta

    return timedelta(days=n)


def test_workbench_refuses_citizens(w, client):
    assert login(client, w["citizen"]).get("/mediation/").status_code == 403


def test_new_case_form_opens_a_case(w, client):
    c = login(client, w["mediator"])
    assert c.get("/mediation/new/").status_code == 200
    data = {
        "title": "邻里漏水纠纷",
        "summary": "楼上漏水",
        "type": "neighbour",
        "area": w.grid.pk,
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-0-kind": "person",
        "parties-0-role": "applicant",
        "parties-0-name": "王秀英",
        "parties-1-kind": "person",
        "parties-1-role": "respondent",
        "parties-1-name": "李德明",
        "parties-2-kind": "person",
        "parties-2-role": "other",
        "parties-3-kind": "person",
        "parties-3-role": "other",
    }
    response = c.post("/mediation/new/", data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/mediation/cases/{case.pk}/" and case.parties.count() == 2


def test_new_case_form_without_parties_shows_the_error(w, client):
    data = {
        "title": "x",
        "summary": "y",
        "type": "neighbour",
        "area": w.grid.pk,
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-0-kind": "person",
        "parties-0-role": "applicant",
    }
    response = login(client, w["mediator"]).post("/mediation/new/", data)
    assert response.status_code == 400 and "至少填写 2 方当事人" in response.content.decode()
    assert not Case.objects.exists()


def test_new_case_from_a_demand_is_prefilled(w, client):
    demand = make_demand(w.base, by="citizen")
    body = login(client, w["operator"]).get(f"/mediation/new/?demand={demand.pk}").content.decode()
    assert demand.title in body and "张三" in body  # the caller, for a role that may see them
    assert login(client, w["mediator"]).get(f"/mediation/new/?demand={demand.pk}").status_code == 404


def test_case_page_timeline_and_actions(w, client):
    case = open_case(w)
    c = login(client, w["mediator"])
    body = c.get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "王秀英" in body and 'name="action" value="session"' in body and 'value="agree"' not in body
    r = c.post(
        f"/mediation/cases/{case.pk}/act/",
        {"action": "session", "record": "双方到场", "version": case.version},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "mediating"
    r = c.post(
        f"/mediation/cases/{case.pk}/act/", {"action": "agree", "terms": "一、……", "version": case.version}
    )
    assert r.status_code == 400 and "全体当事人签字" in r.content.decode()
    ids = [str(i) for i in case.parties.values_list("pk", flat=True)]
    r = c.post(
        f"/mediation/cases/{case.pk}/act/", {"action": "agree", "terms": "一、……", "signed_parties": ids}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "agreed"
    page = c.get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "达成协议" in page and f"/mediation/cases/{case.pk}/agreement.pdf" in page


def test_cadre_reads_the_case_masked_and_may_not_download(w, client):
    case = agreed_case(w)
    c = login(client, w["cadre"])
    body = c.get(f"/mediation/cases/{case.pk}/").content.decode()
    assert "王**" in body and "王秀英" not in body and "agreement.pdf" not in body
    assert c.get(f"/mediation/cases/{case.pk}/agreement.pdf").status_code == 403
    assert login(client, w["far_cadre"]).get(f"/mediation/cases/{case.pk}/").status_code == 404


def test_assign_form_takes_comma_separated_ids(w, client):
    case = open_case(w)
    c = login(client, w["supervisor"])
    ids = f"{w['mediator'].pk}, {w['other_mediator'].pk}"
    r = c.post(f"/mediation/cases/{case.pk}/act/", {"action": "assign", "mediators": ids})
    assert r.status_code == 302
    assert set(case.mediators.all()) == {w["mediator"], w["other_mediator"]}


def test_stats_page(w, client):
    agreed_case(w)
    open_case(w)
    body = login(client, w["supervisor"]).get("/mediation/stats/").content.decode()
    assert 'id="local-rate">100%' in body


def test_demand_panel_lists_cases_and_offers_opening(w):
    from django.template import engines

    demand = make_demand(w.base, by="citizen")
    case = open_case(w, demand=demand, area=None, by="supervisor")
    template = engines["django"].from_string(
        '{% load demands_extensions %}{% demand_panel "mediation" demand=demand %}'
    )
    request = RF().get("/")
    request.user = w["supervisor"]
    html = template.render({"demand": demand}, request)
    assert case.case_no in html and f"/mediation/cases/{case.pk}/" in html and f"?demand={demand.pk}" in html
    request.user = w["handler"]  # staff who may not see the case: the number, not linked
    html = template.render({"demand": demand}, request)
    assert case.case_no in html and f"/mediation/cases/{case.pk}/" not in html
    request.user = w["citizen"]
    assert template.render({"demand": demand}, request).strip() == ""


@pytest.mark.django_db
def test_the_sweep_task_red_cards():
    from lianxin.mediation.tasks import case_red_card_task

    assert case_red_card_task.call_local() == 0


def test_overseer_workbench_lists_everyones_deadlines_but_only_their_own_as_mine(w, client):
    late = open_case(w, now=timezone.now() - timedelta_days(35), mediators=["other_mediator"])
    body = login(client, w["supervisor"]).get("/mediation/").content.decode()
    overdue = body[body.index('id="overdue"') : body.index('id="due-soon"')]
    mine = body[body.index('id="mine"') :]
    assert late.case_no in overdue and late.case_no not in mine
    far = login(client, w["far_cadre"]).get("/mediation/").content.decode()
    assert late.case_no not in far


@pytest.mark.parametrize("n", [2, 10])
def test_workbench_queries_do_not_grow(w, client, django_assert_max_num_queries, n):
    for i in range(n):
        open_case(w, now=timezone.now() - timedelta_days(i * 4))
    c = login(client, w["mediator"])
    with django_assert_max_num_queries(8):
        assert c.get("/mediation/").status_code == 200


def test_the_english_catalogue_translates_the_app():
    from django.utils import translation

    from lianxin.mediation.choices import Action, Risk

    with translation.override("en"):
        assert (str(Risk.MAJOR.label), str(Action.AGREE.label)) == ("Major", "Reach agreement")
