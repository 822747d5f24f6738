"""The rules of the assistance ledger: who opens a plan for whom, follow-ups and their rhythm,
measures and their statuses, the outcome, the timeline, and the refusals that write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.assistance import services
from lianxin.assistance.models import FollowUp, Measure, Plan, PlanEvent, PlanStatus
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.models import Notification
from tests.assistance.factories import assign, make_plan

TODAY = timezone.localdate


def test_plan_create_pairs_a_cadre_and_sets_the_first_follow_up(world):
    start = TODAY() - timedelta(days=5)
    plan = make_plan(world, start=start, every_days=14)
    assert (plan.status, plan.cadre, plan.next_due) == (
        PlanStatus.ACTIVE,
        world.cadre,
        start + timedelta(days=14),
    )
    assert list(plan.events.values_list("action", flat=True)) == ["create"]


def test_only_households_in_difficulty_get_a_plan(world):
    with pytest.raises(ValidationFailed) as err:
        make_plan(world, household=world.plain_household)
    assert "household" in err.value.fields
    assert Plan.objects.count() == 0


def test_one_active_plan_per_household(world):
    make_plan(world)
    with pytest.raises(Conflict) as err:
        make_plan(world)
    assert err.value.code == "plan_exists"
    assert Plan.objects.count() == 1 and PlanEvent.objects.count() == 1


def test_a_cadre_opens_a_plan_only_for_an_assigned_household_and_only_for_themself(world):
    args = dict(household=world.household, needs="困难", start=TODAY())
    with pytest.raises(NotFound):
        services.plan_create(actor=world.cadre, cadre=world.cadre, **args)
    assign(world, world.cadre, world.household)
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=world.cadre, cadre=world.other_cadre, **args)
    plan = services.plan_create(actor=world.cadre, cadre=world.cadre, **args)
    assert plan.cadre == world.cadre


def test_a_supervisor_opens_plans_only_in_their_scope(world):
    args = dict(cadre=world.cadre, needs="困难", start=TODAY())
    with pytest.raises(NotFound):
        services.plan_create(actor=world.supervisor, household=world.other_household, **args)
    assert services.plan_create(actor=world.supervisor, household=world.household, **args).pk


def test_the_paired_cadre_must_be_a_cadre(world):
    with pytest.raises(ValidationFailed) as err:
        make_plan(world, cadre=world.handler)
    assert "cadre" in err.value.fields


def test_a_follow_up_dated_before_the_plan_is_refused_and_nothing_written(world):
    plan = make_plan(world)
    with pytest.raises(ValidationFailed) as err:
        services.follow_up_log(plan=plan, actor=world.cadre, day=plan.start - timedelta(days=1), note="走访")
    assert err.value.code == "before_plan" and "date" in err.value.fields
    plan.refresh_from_db()
    assert FollowUp.objects.count() == 0 and plan.events.count() == 1
    assert plan.next_due == plan.start + timedelta(days=30)


def test_a_future_follow_up_is_refused(world):
    plan = make_plan(world)
    with pytest.raises(ValidationFailed) as err:
        services.follow_up_log(plan=plan, actor=world.cadre, day=TODAY() + timedelta(days=1), note="走访")
    assert "date" in err.value.fields


def test_follow_ups_keep_the_rhythm_and_are_judged_on_time(world):
    start = TODAY() - timedelta(days=40)
    plan = make_plan(world, start=start, every_days=30)  # due start+30, i.e. 10 days ago
    late = services.follow_up_log(plan=plan, actor=world.cadre, day=TODAY() - timedelta(days=5), note="入户")
    assert (late.on_time, late.due) == (False, start + timedelta(days=30))
    plan.refresh_from_db()
    assert plan.next_due == TODAY() + timedelta(days=25)
    ok = services.follow_up_log(plan=plan, actor=world.cadre, day=TODAY(), note="电话", kind="phone")
    assert ok.on_time is True
    assert list(plan.events.values_list("action", flat=True)) == ["create", "follow_up", "follow_up"]


def test_only_the_paired_cadre_logs_follow_ups(world):
    plan = make_plan(world)
    with pytest.raises(PermissionDenied):
        services.follow_up_log(plan=plan, actor=world.supervisor, day=TODAY(), note="x")


def test_measures_have_statuses_by_kind(world):
    plan = make_plan(world)
    referral = services.measure_add(
        plan=plan,
        actor=world.cadre,
        kind="employment",
        detail="推荐社区保洁岗位",
        status="in_progress",
        day=TODAY(),
    )
    dibao = services.measure_add(
        plan=plan,
        actor=world.cadre,
        kind="dibao",
        detail="申请低保",
        status="applied",
        day=TODAY(),
        amount="800",
    )
    with pytest.raises(ValidationFailed) as err:
        services.measure_add(
            plan=plan, actor=world.cadre, kind="dibao", detail="x", status="done", day=TODAY()
        )
    assert "status" in err.value.fields
    services.measure_status_set(measure=dibao, actor=world.cadre, status="approved")
    with pytest.raises(Conflict):
        services.measure_status_set(measure=dibao, actor=world.cadre, status="rejected")
    services.measure_status_set(measure=referral, actor=world.supervisor, status="done")
    assert sorted(Measure.objects.values_list("status", flat=True)) == ["approved", "done"]


def test_a_measure_dated_before_the_plan_is_refused(world):
    plan = make_plan(world)
    with pytest.raises(ValidationFailed) as err:
        services.measure_add(
            plan=plan,
            actor=world.cadre,
            kind="medical",
            detail="x",
            status="planned",
            day=plan.start - timedelta(days=1),
        )
    assert "date" in err.value.fields and Measure.objects.count() == 0


def test_outcome_still_in_need_goes_on_and_lifted_ends_the_plan(world):
    plan = make_plan(world)
    plan = services.plan_assess(plan=plan, actor=world.cadre, outcome="still_in_need", reason="仍无稳定收入")
    assert (plan.status, plan.outcome) == (PlanStatus.ACTIVE, "still_in_need")
    plan = services.plan_assess(plan=plan, actor=world.cadre, outcome="lifted", reason="已稳定就业")
    assert (plan.status, plan.outcome_reason) == (PlanStatus.LIFTED, "已稳定就业")
    with pytest.raises(Conflict) as err:
        services.follow_up_log(plan=plan, actor=world.cadre, day=TODAY(), note="x")
    assert err.value.code == "invalid_transition"
    with pytest.raises(ValidationFailed):
        services.plan_assess(plan=plan, actor=world.cadre, outcome="lifted", reason=" ")
    # once lifted a new plan may be opened for the household again
    assert make_plan(world).pk != plan.pk


def test_reminders_go_once_per_due_date_to_the_paired_cadre(world):
    plan = make_plan(world, start=TODAY() - timedelta(days=28), every_days=30)  # due in 2 days
    make_plan(world, household=world.other_household, cadre=world.other_cadre, start=TODAY(), every_days=30)
    assert services.follow_up_reminders_send() == 1
    notes = list(Notification.objects.all())
    assert [n.recipient_id for n in notes] == [world.cadre.pk] and "1" in notes[0].title
    assert services.follow_up_reminders_send() == 0
    services.follow_up_log(plan=plan, actor=world.cadre, day=TODAY(), note="回访")
    assert services.follow_up_reminders_send() == 0  # next one is a month away
    assert services.follow_up_reminders_send(today=TODAY() + timedelta(days=28)) == 2


def test_the_reminder_task_runs_the_service(world):
    from lianxin.assistance.tasks import follow_up_reminders_task

    make_plan(world, start=TODAY() - timedelta(days=31))
    follow_up_reminders_task.call_local()
    assert Notification.objects.filter(recipient=world.cadre).count() == 1
