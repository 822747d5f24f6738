"""Measures that a workflow path cannot move: returns, re-dispatches, reopens and imports (issue 15), and the
audit that recomputes every figure from the timeline events."""

import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Outcome, Satisfaction, Status
from lianxin.demands.importers import demands_import
from lianxin.demands.judging import judgements_from_events
from lianxin.demands.measures import measures_compute, measures_grouped
from lianxin.demands.models import Demand, Judgement, JudgementKind
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db


def _window():
    today = timezone.localdate()
    return today - timedelta(days=20), today + timedelta(days=2)


def _pair(values, code):
    return values[code].numerator, values[code].denominator


def test_a_missed_sign_limit_stays_missed_after_a_return_and_a_redispatch(world):
    t0 = timezone.now() - timedelta(days=10)
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=t0)
    late = t0 + timedelta(days=5)  # long after the 1-working-day sign limit
    d = services.demand_return(demand=d, actor=world["handler"], reason="不属于本单位", now=late)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.other_unit, now=late)
    services.demand_sign(demand=d, actor=world["other_handler"], now=late + timedelta(hours=1))
    start, end = _window()
    first = measures_compute(start=start, end=end, unit=world.unit)
    second = measures_compute(start=start, end=end, unit=world.other_unit)
    city = measures_compute(start=start, end=end)
    assert _pair(first, "response_rate") == (0, 1)  # the first unit keeps its miss
    assert _pair(first, "return_rate") == (1, 1)
    assert _pair(second, "response_rate") == (1, 1)
    assert _pair(city, "response_rate") == (1, 2)
    assert Demand.objects.get(pk=d.pk).was_overdue
    records = list(first["response_rate"].records("denominator"))
    assert [(r.demand_id, r.unit_id, r.met) for r in records] == [(d.pk, world.unit.pk, False)]


def test_a_return_within_the_limit_is_a_response_in_time(world):
    d = make_demand(world, Status.DISPATCHED)
    services.demand_return(demand=d, actor=world["handler"], reason="不属于本单位")
    start, end = _window()
    assert _pair(measures_compute(start=start, end=end, unit=world.unit), "response_rate") == (1, 1)
    assert not Demand.objects.get(pk=d.pk).was_overdue


def test_a_reopen_never_erases_the_first_rating(world):
    d = make_demand(world, Status.REPLIED)
    d = services.demand_rate(
        demand=d, actor=world["operator"], satisfaction=Satisfaction.DISSATISFIED, resolved=False
    )
    d = services.demand_reopen(demand=d, actor=world["operator"], reason="群众不满意")
    d = services.demand_reply(
        demand=d, actor=world["handler"], text="已再次上门维修并验收。", outcome=Outcome.RESOLVED
    )
    services.demand_rate(
        demand=d, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
    )
    start, end = _window()
    m = measures_compute(start=start, end=end)
    assert _pair(m, "satisfaction_rate") == (0, 1)
    assert _pair(m, "resolution_rate") == (0, 1)
    assert _pair(m, "reopen_rate") == (1, 1)  # the first reply was reopened; the second is on record
    ratings = Judgement.objects.filter(demand=d, kind=JudgementKind.RATING).order_by("at")
    assert [(r.satisfaction, r.first) for r in ratings] == [("dissatisfied", True), ("satisfied", False)]


def test_imported_history_is_never_judged(world, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text(
        "留言编号,留言主题,留言详情,留言时间,答复意见,答复时间\n"
        "9001,路灯不亮,小区路灯坏了,2026-11-20 10:00:00,已修复,2026-11-28 10:00:00\n",
        encoding="utf-8",
    )
    demands_import(path, progress=False)
    assert Demand.objects.filter(channel="import").count() == 1
    m = measures_compute(
        start=timezone.localdate().replace(year=2026, month=11, day=1),
        end=timezone.localdate() + timedelta(days=1),
    )
    for code in ("received", "ontime_rate", "avg_handling_hours", "closed_resolved", "closed_not_resolved"):
        assert m[code].denominator == 0, code
    assert not Judgement.objects.exists()


def test_an_extension_moves_the_due_time_a_reply_is_judged_against(world):
    t0 = timezone.now() - timedelta(days=40)
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=t0)
    d = services.demand_sign(demand=d, actor=world["handler"], now=t0 + timedelta(hours=1))
    d = services.demand_request_extension(
        demand=d, actor=world["handler"], days=10, reason="需协调", now=t0 + timedelta(hours=2)
    )
    d = services.demand_approve_extension(demand=d, actor=world["operator"], now=t0 + timedelta(hours=3))
    reply_at = d.reply_due_at - timedelta(hours=1)  # after the first due time, before the extended one
    services.demand_reply(
        demand=d,
        actor=world["handler"],
        text="已协调物业完成电梯维修。",
        outcome=Outcome.RESOLVED,
        now=reply_at,
    )
    step = Judgement.objects.get(demand=d, kind=JudgementKind.REPLY)
    assert step.met is True


def test_the_table_is_the_replay_of_the_timeline(world):
    d = make_demand(world, Status.CLOSED)
    d = services.demand_reopen(demand=d, actor=world["operator"], reason="重办")
    stored = [(j.kind, j.unit_id, j.first, j.reopened) for j in Judgement.objects.filter(demand=d)]
    replayed = [
        (s.kind, s.unit_id, s.first, s.reopened)
        for s in judgements_from_events(list(d.events.order_by("created_at", "id")))
    ]
    assert stored == replayed
    assert ("reply", world.unit.pk, True, True) in stored


def test_grouped_counts_equal_single_scopes(world):
    for status in (Status.CLOSED, Status.REPLIED, Status.IN_PROGRESS):
        make_demand(world, status)
    start, end = _window()
    grouped = measures_grouped(start=start, end=end, by="unit")
    single = measures_compute(start=start, end=end, unit=world.unit)
    for code, value in single.items():
        assert grouped[world.unit.pk][code] == (value.numerator, value.denominator), code


def test_the_audit_finds_no_difference_and_catches_a_tampered_row(world, capsys):
    for status in (Status.CLOSED, Status.REPLIED, Status.RETURNED, Status.REJECTED, Status.MERGED):
        make_demand(world, status)
    start, end = _window()
    clean = measures_audit(start=start, end=end)
    assert clean.figures > 0 and clean.differences == []
    # a figure moved by hand (not through the timeline) is caught
    Judgement.objects.filter(kind=JudgementKind.RATING).update(satisfaction=Satisfaction.SATISFIED)
    Demand.objects.filter(status=Status.REPLIED).update(
        status=Status.CLOSED, closed_at=timezone.now(), closure="resolved"
    )
    tampered = measures_audit(start=start, end=end)
    assert {d.code for d in tampered.differences} >= {"closed_resolved"}
    today = timezone.localdate()
    with pytest.raises(SystemExit) as exit_info:
        call_command("measures", "audit", "--period", f"{today:%Y-%m}", "--json")
    assert exit_info.value.code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["differences"]


def test_the_audit_refuses_a_bad_period():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("measures", "audit", "--period", "November")


def test_a_reply_marked_resolved_must_say_what_was_done(world):
    from lianxin.core.errors import ValidationFailed

    d = make_demand(world, Status.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as err:
        services.demand_reply(demand=d, actor=world["handler"], text="已处理", outcome=Outcome.RESOLVED)
    assert err.value.code == "reply_too_thin" and "text" in err.value.fields
    assert Demand.objects.get(pk=d.pk).status == Status.IN_PROGRESS
    # an explanation is not claimed as resolved: it may be short
    services.demand_reply(demand=d, actor=world["handler"], text="已解释", outcome=Outcome.EXPLAINED)


def test_the_follow_up_and_reply_forms_preselect_nothing(world, client):
    replied = make_demand(world, Status.REPLIED)
    client.force_login(world["operator"])
    page = client.get(f"/demands/{replied.pk}/").content.decode()
    rate_form = page[page.index('id="form-rate"') :]
    rate_form = rate_form[: rate_form.index("</form>")]
    assert '<option value="" selected disabled>' in rate_form
    assert 'value="satisfied" selected' not in rate_form and 'value="1" selected' not in rate_form
    # posting without choosing records nothing and names what is missing
    r = client.post(
        f"/demands/{replied.pk}/act/",
        {"action": "rate", "satisfaction": "", "resolved": "", "version": replied.version},
    )
    assert Demand.objects.get(pk=replied.pk).status == Status.REPLIED
    assert r.status_code in (200, 302)
    in_progress = make_demand(world, Status.IN_PROGRESS)
    client.force_login(world["handler"])
    page = client.get(f"/demands/{in_progress.pk}/").content.decode()
    reply_form = page[page.index('id="form-reply"') :]
    reply_form = reply_form[: reply_form.index("</form>")]
    assert '<option value="" selected disabled>' in reply_form


def test_a_withdrawal_within_the_sign_limit_voids_the_dispatch_and_after_it_the_miss_stays(world):
    start, end = _window()
    early = make_demand(world, Status.DISPATCHED)
    early = services.demand_withdraw(demand=early, actor=world["operator"], reason="派错单位")
    assert early.status == Status.ACCEPTED and early.lead_unit_id is None
    services.demand_dispatch(demand=early, actor=world["operator"], unit=world.other_unit)
    t0 = timezone.now() - timedelta(days=10)
    late, _ = services.demand_submit(
        actor=world["citizen"], title="井盖缺失", content="路口井盖丢了", now=t0 - timedelta(hours=2)
    )
    late = services.demand_accept(demand=late, actor=world["operator"], now=t0 - timedelta(hours=1))
    late = services.demand_dispatch(demand=late, actor=world["operator"], unit=world.unit, now=t0)
    services.demand_withdraw(
        demand=late, actor=world["operator"], reason="单位未签收，收回改派", now=t0 + timedelta(days=5)
    )
    m = measures_compute(start=start, end=end, unit=world.unit)
    assert _pair(m, "response_rate") == (0, 1)  # only the late withdrawal counts against the unit
    assert any(late.ticket_no in n.title for n in world["handler"].notifications.all())
    assert measures_audit(start=start, end=end).differences == []


def test_an_operator_answers_at_intake_and_the_direct_rate_counts_it(world):
    from tests.portal.factories import published_article

    article = published_article(title="公租房申请条件")
    asked = make_demand(world, Status.SUBMITTED, type="consultation", title="公租房怎么申请")
    asked = services.demand_transition(
        demand=asked,
        actor=world["operator"],
        action="answer",
        text="申请公租房需满足户籍和收入条件，可到街道提交材料。",
        article=article.pk,
    )
    assert asked.status == Status.REPLIED and asked.answered_at_intake and asked.lead_unit_id is None
    assert "公租房申请条件" in asked.reply_text
    make_demand(world, Status.SUBMITTED)
    start, end = _window()
    m = measures_compute(start=start, end=end)
    assert _pair(m, "direct_rate") == (1, 2)
    services.demand_rate(
        demand=asked, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
    )
    assert measures_audit(start=start, end=end).differences == []
    from lianxin.core.errors import ValidationFailed

    other = make_demand(world, Status.SUBMITTED)
    with pytest.raises(ValidationFailed):
        services.demand_answer(demand=other, actor=world["operator"], text="见政策", article=999999)


def test_the_city_drill_down_of_a_judged_rate_lists_its_steps_as_many_as_the_figure(world, client):
    """One demand dispatched to two units (returned late by the first) is two signing steps: the city's
    及时签收率 is 1/2 and its denominator list has two rows, one per unit, not one demand."""
    from django.urls import reverse

    # Monday 2 March 2026 (no holiday near): the return five days later is past the sign limit.
    t0 = timezone.make_aware(datetime(2026, 3, 2, 10))
    d = make_demand(world, Status.ACCEPTED)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.unit, now=t0)
    late = t0 + timedelta(days=5)
    d = services.demand_return(demand=d, actor=world["handler"], reason="不属于本单位", now=late)
    d = services.demand_dispatch(demand=d, actor=world["operator"], unit=world.other_unit, now=late)
    services.demand_sign(demand=d, actor=world["other_handler"], now=late + timedelta(hours=1))
    period = f"{t0:%Y-%m}"
    client.force_login(world["supervisor"])
    url = reverse("evaluation:records") + f"?subject=city&period={period}&measure=response_rate&part="
    html = client.get(url + "denominator").content.decode()
    assert 'data-rows="steps"' in html and '<span id="record-count">2</span>' in html
    assert html.count(f'data-id="{d.pk}"') == 2
    assert world.unit.name in html and world.other_unit.name in html
    numerator = client.get(url + "numerator").content.decode()
    assert '<span id="record-count">1</span>' in numerator and world.other_unit.name in numerator
