"""The project workflow (one action table), milestones in order, progress with photos, the red card,
comments and the acceptance survey: each rule and its refusal, with nothing half-written."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from django.utils import timezone

from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.core.models import Notification
from lianxin.projects import services as ps
from lianxin.projects.models import (
    Action,
    CommentStatus,
    Milestone,
    ProgressPhoto,
    ProgressReport,
    Project,
    ProjectEvent,
    Rating,
    Status,
)
from lianxin.projects.transitions import SAME, STATUS_ACTIONS, TABLE
from tests.projects.factories import make_project, png_upload

TODAY = timezone.localdate


def _finish_milestones(w, project):
    for m in project.milestones.all():
        ps.milestone_done(milestone=m, actor=w.cadre)


def _to_pending(w, project):
    _finish_milestones(w, project)
    return ps.project_submit(project=project, actor=w.cadre)


def test_the_whole_loop_writes_one_event_per_step(world):
    p = make_project(world)
    assert p.status == Status.IN_PROGRESS and p.started_at
    _finish_milestones(world, p)
    p = ps.project_submit(project=p, actor=world.cadre)
    assert p.status == Status.PENDING_ACCEPTANCE and p.acceptance.opened_at
    ps.project_rate(project=p, identity="id-a", score=5)
    ps.project_rate(project=p, identity="id-b", score=3)
    p = ps.project_accept(project=p, actor=world.supervisor, opinion="同意验收")
    p.acceptance.refresh_from_db()
    assert p.status == Status.COMPLETED
    assert (
        p.acceptance.passed,
        p.acceptance.ratings,
        str(p.acceptance.average),
        str(p.acceptance.satisfied_share),
    ) == (True, 2, "4.00", "0.5000")
    actions = list(ProjectEvent.objects.filter(project=p).values_list("action", flat=True))
    assert actions == [
        "create",
        "milestone_add",
        "milestone_add",
        "start",
        "milestone_done",
        "milestone_done",
        "submit",
        "accept",
    ]
    assert Notification.objects.filter(recipient=world.cadre).exists()


def test_send_back_returns_to_work_with_the_reason(world):
    p = _to_pending(world, make_project(world))
    p = ps.project_send_back(project=p, actor=world.admin, reason="路面未恢复")
    assert p.status == Status.IN_PROGRESS
    p.acceptance.refresh_from_db()
    assert p.acceptance.passed is False and p.acceptance.opinion == "路面未恢复"
    with pytest.raises(ValidationFailed):
        ps.project_send_back(project=p, actor=world.admin, reason="")


@pytest.mark.parametrize(("action", "status"), list(product(STATUS_ACTIONS, Status.values)))
def test_every_status_action_is_refused_outside_its_states(world, action, status):
    p = make_project(world, start=False)
    Project.objects.filter(pk=p.pk).update(status=status)
    p.refresh_from_db()
    row = TABLE[action]
    before = ProjectEvent.objects.count()
    if status in row.sources:
        return  # allowed: proven by the loop tests
    with pytest.raises(Conflict) as err:
        ps.project_transition(project=p, actor=world.admin, action=action, note="理由")
    assert err.value.code == "invalid_transition"
    p.refresh_from_db()
    assert p.status == status and ProjectEvent.objects.count() == before


def test_table_targets_are_states_and_terminal_states_have_no_way_out():
    for row in TABLE.values():
        assert row.target == SAME or row.target in Status.values
    for terminal in (Status.COMPLETED, Status.TERMINATED):
        assert not [a for a, r in TABLE.items() if terminal in r.sources]


def test_roles_the_table_does_not_name_are_refused(world):
    p = make_project(world)
    with pytest.raises(PermissionDenied):
        ps.project_terminate(
            project=p, actor=world.cadre, reason="不干了"
        )  # the responsible cadre may not terminate
    with pytest.raises(PermissionDenied):
        ps.milestone_add(project=p, actor=world.other_cadre, title="x", due=TODAY() + timedelta(days=90))
    assert (
        ps.milestone_add(
            project=p, actor=world.unit_handler, title="收尾", due=TODAY() + timedelta(days=90)
        ).seq
        == 3
    )


def test_a_draft_is_not_public_and_others_get_not_found(world):
    p = make_project(world, start=False)
    with pytest.raises(NotFound):
        ps.milestone_add(project=p, actor=world.other_cadre, title="x", due=TODAY())
    with pytest.raises(NotFound):
        ps.comment_add(project=p, author=None, text="好")


def test_start_needs_a_milestone(world):
    p = make_project(world, milestones=0, start=False)
    with pytest.raises(Conflict) as err:
        ps.project_start(project=p, actor=world.cadre)
    assert err.value.code == "no_milestones"


def test_submit_needs_every_milestone_done(world):
    p = make_project(world)
    with pytest.raises(Conflict) as err:
        ps.project_submit(project=p, actor=world.cadre)
    assert err.value.code == "milestones_open"


def test_a_milestone_out_of_order_is_refused_naming_due_and_nothing_written(world):
    p = make_project(world)  # milestones due today+10, today+20
    with pytest.raises(ValidationFailed) as err:
        ps.milestone_add(project=p, actor=world.cadre, title="提前", due=TODAY() + timedelta(days=15))
    assert err.value.code == "out_of_order" and "due" in err.value.fields
    assert Milestone.objects.filter(project=p).count() == 2
    assert (
        ps.milestone_add(project=p, actor=world.cadre, title="同日", due=TODAY() + timedelta(days=20)).seq
        == 3
    )


def test_a_milestone_done_twice_or_in_the_future_is_refused(world):
    p = make_project(world)
    m = p.milestones.first()
    with pytest.raises(ValidationFailed):
        ps.milestone_done(milestone=m, actor=world.cadre, done_on=TODAY() + timedelta(days=1))
    ps.milestone_done(milestone=m, actor=world.cadre)
    with pytest.raises(Conflict):
        ps.milestone_done(milestone=m, actor=world.cadre)


def test_overdue_milestones_are_red_carded_once_and_the_cadre_told(world):
    p = make_project(world)
    first = p.milestones.order_by("seq").first()
    Milestone.objects.filter(pk=first.pk).update(due=TODAY() - timedelta(days=1))
    draft = make_project(world, ref="draft", start=False)
    Milestone.objects.filter(project=draft).update(due=TODAY() - timedelta(days=5))
    assert ps.milestones_overdue_mark() == 1
    p.refresh_from_db()
    first.refresh_from_db()
    assert p.overdue and first.is_overdue
    assert ProjectEvent.objects.filter(project=p, action=Action.MILESTONE_OVERDUE).count() == 1
    assert Notification.objects.filter(recipient=world.cadre, kind="warning").count() == 1
    assert ps.milestones_overdue_mark() == 0
    ps.milestone_done(milestone=first, actor=world.cadre)
    p.refresh_from_db()
    first.refresh_from_db()
    assert not p.overdue and first.late  # the miss stays on the milestone


def test_the_overdue_task_runs_the_sweep(world):
    from lianxin.projects.tasks import milestones_overdue_task

    p = make_project(world)
    Milestone.objects.filter(project=p, seq=1).update(due=TODAY() - timedelta(days=2))
    milestones_overdue_task.call_local()
    p.refresh_from_db()
    assert p.overdue


def test_progress_with_photos_checks_every_file_first(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = make_project(world)
    bad = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ValidationFailed) as err:
        ps.progress_report(project=p, actor=world.cadre, text="进展", photos=[png_upload(), bad])
    assert "photos" in err.value.fields
    assert ProgressReport.objects.count() == 0 and ProgressPhoto.objects.count() == 0
    r = ps.progress_report(
        project=p,
        actor=world.cadre,
        text="完成基础施工",
        percent=40,
        photos=[png_upload("a.png"), png_upload("b.png")],
    )
    assert r.photos.count() == 2 and {ph.content_type for ph in r.photos.all()} == {"image/png"}
    with pytest.raises(ValidationFailed) as err:
        ps.progress_report(project=p, actor=world.cadre, text="x", percent=101)
    assert "percent" in err.value.fields


def test_comments_are_plain_size_limited_and_moderated(world):
    p = make_project(world)
    with pytest.raises(ValidationFailed) as err:
        ps.comment_add(project=p, author=None, text="长" * 501)
    assert "text" in err.value.fields
    c = ps.comment_add(project=p, author=None, text="<b>好事</b>", nickname="居民")
    assert c.status == CommentStatus.PENDING and c.text == "<b>好事</b>"
    with pytest.raises(NotFound):
        ps.comment_moderate(comment=c, actor=world.other_cadre, approve=True)
    ps.comment_moderate(comment=c, actor=world.cadre, approve=True)
    with pytest.raises(Conflict):
        ps.comment_moderate(comment=c, actor=world.cadre, approve=False)


def test_ratings_once_per_identity_only_in_acceptance(world):
    p = make_project(world)
    with pytest.raises(Conflict) as err:
        ps.project_rate(project=p, identity="id-a", score=4)
    assert err.value.code == "survey_closed"
    p = _to_pending(world, p)
    ps.project_rate(project=p, identity="id-a", score=4)
    with pytest.raises(Conflict) as err:
        ps.project_rate(project=p, identity="id-a", score=1)
    assert err.value.code == "already_rated"
    for bad in (0, 6, "5", True):
        with pytest.raises(ValidationFailed):
            ps.project_rate(project=p, identity="id-b", score=bad)
    assert list(Rating.objects.values_list("score", flat=True)) == [4]


def test_rating_identity_is_a_verified_phone_or_the_accounts_phone(world):
    from lianxin.core.crypto import phone_index

    assert ps.rating_identity(user=world.citizen) == phone_index("13800138000")
    with pytest.raises(ValidationFailed):
        ps.rating_identity(user=world.operator)  # no phone on the account
    with pytest.raises(ValidationFailed):
        ps.rating_identity(user=None, phone="13900001111", code="000000")  # no code was sent
