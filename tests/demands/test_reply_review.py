"""答复审核: a reply to a demand matching a review rule (category subtree and/or unit) is held — not on the
tracking page, in the citizen's API or in a notification — until an operator or supervisor approves it;
sent back with a reason it returns to the handler. Reviewing a reply the citizen already saw is a 409 with
the reason, nothing written. Whether a returned reply counts against on-time is a setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.core.models import Notification
from lianxin.demands import services
from lianxin.demands.audit import measures_audit
from lianxin.demands.choices import Action, Outcome, Satisfaction, Stage, Status
from lianxin.demands.measures import measures_compute
from lianxin.demands.models import Demand, DemandEvent, Judgement, JudgementKind, ReplyReviewRule
from lianxin.demands.serializers import track_payload
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db

TEXT = "已安排维保单位更换电梯控制板，电梯已恢复运行。"


def _reply(world, d, text=TEXT, **kw):
    return services.demand_reply(demand=d, actor=world["handler"], text=text, outcome=Outcome.RESOLVED, **kw)


def _inbox(user) -> list[str]:
    return [str(n.title) for n in Notification.objects.filter(recipient=user)]


def test_rules_match_by_category_subtree_and_unit(world):
    d = make_demand(world, Status.IN_PROGRESS)
    from lianxin.demands.services.review import review_rule_for

    assert review_rule_for(d) is None
    by_other_unit = ReplyReviewRule.objects.create(unit=world.other_unit)
    assert review_rule_for(d) is None
    by_parent_category = ReplyReviewRule.objects.create(category=world.category)  # the subtree matches
    assert review_rule_for(d) == by_parent_category
    by_parent_category.is_active = False
    by_parent_category.save()
    assert review_rule_for(d) is None
    by_other_unit.unit = world.unit
    by_other_unit.save()
    assert review_rule_for(d) == by_other_unit


def test_a_held_reply_is_hidden_from_the_citizen_until_approved(world, client):
    ReplyReviewRule.objects.create(category=world.category)
    d = _reply(world, make_demand(world, Status.IN_PROGRESS))
    assert d.status == Status.REPLIED and d.reply_held
    event = DemandEvent.objects.get(demand=d, action=Action.REPLY)
    assert event.data["held"] is True
    # tracking page and payload: no reply, no rating, still being handled, no reply step
    payload = track_payload(d)
    assert payload["reply_text"] == "" and payload["replied_at"] is None and payload["outcome"] == ""
    assert payload["status"] == Status.IN_PROGRESS and payload["can_rate"] is False
    assert payload["can_reopen"] is False
    assert Action.REPLY not in [s["action"] for s in payload["timeline"]]
    page = client.get("/demands/track/", {"ticket_no": d.ticket_no, "code": d.query_code}).content.decode()
    assert "控制板" not in page and 'id="rate-form"' not in page
    # the citizen's API
    api = APIClient()
    api.force_authenticate(world["citizen"])
    body = api.get(f"/api/v1/demands/{d.pk}/").json()
    assert body["reply_text"] == "" and body["status"] == Status.IN_PROGRESS
    assert Action.REPLY not in [e["action"] for e in api.get(f"/api/v1/demands/{d.pk}/timeline/").json()]
    r = api.post(
        "/api/v1/demands/track/",
        {"ticket_no": d.ticket_no, "code": d.query_code, "satisfaction": "satisfied", "resolved": True},
        format="json",
    )
    assert r.status_code in (404, 409)
    # notifications: the reviewers are told, the citizen is not
    assert not [t for t in _inbox(world["citizen"]) if "已答复" in t]
    assert [t for t in _inbox(world["supervisor"]) if "答复待审核" in t]
    # staff see it, with the review forms
    staff = APIClient()
    staff.force_authenticate(world["operator"])
    assert staff.get(f"/api/v1/demands/{d.pk}/").json()["reply_text"] == TEXT
    allowed = services.demand_allowed_actions(demand=d, actor=world["operator"])
    assert Action.APPROVE_REPLY in allowed and Action.RETURN_REPLY in allowed
    assert Action.RATE not in allowed and Action.CLOSE not in allowed
    with pytest.raises(Conflict) as err:
        services.demand_rate(
            demand=d, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
        )
    assert err.value.code == "reply_under_review"

    # approved: the citizen sees it, is told, and may rate
    d = services.demand_approve_reply(demand=d, actor=world["supervisor"], note="答复规范")
    assert not d.reply_held and d.status == Status.REPLIED and d.stage == Stage.FOLLOWUP
    payload = track_payload(d)
    assert payload["reply_text"].startswith("已安排") and payload["can_rate"] is True
    assert Action.REPLY in [s["action"] for s in payload["timeline"]]
    assert [t for t in _inbox(world["citizen"]) if "已答复" in t]
    assert api.get(f"/api/v1/demands/{d.pk}/").json()["reply_text"] == TEXT


def test_reviewing_a_reply_already_seen_is_409_and_writes_nothing(world):
    d = _reply(world, make_demand(world, Status.IN_PROGRESS))  # no rule: released at once
    assert not d.reply_held and track_payload(d)["reply_text"]
    api = APIClient()
    api.force_authenticate(world["supervisor"])
    before = (d.version, DemandEvent.objects.filter(demand=d).count())
    for action in ("approve_reply", "return_reply"):
        r = api.post(f"/api/v1/demands/{d.pk}/transitions/", {"action": action, "reason": "x"}, format="json")
        assert r.status_code == 409, r.content
        assert "不能再审核" in r.content.decode()
    d.refresh_from_db()
    assert (d.version, DemandEvent.objects.filter(demand=d).count()) == before
    assert d.status == Status.REPLIED and d.reply_text == TEXT
    # and once approved, a second review is refused too
    ReplyReviewRule.objects.create(unit=world.unit)
    held = _reply(world, make_demand(world, Status.IN_PROGRESS))
    services.demand_approve_reply(demand=held, actor=world["operator"])
    with pytest.raises(Conflict) as err:
        services.demand_return_reply(
            demand=Demand.objects.get(pk=held.pk), actor=world["operator"], reason="晚了"
        )
    assert err.value.code == "reply_already_seen"


def test_only_the_centre_reviews(world):
    ReplyReviewRule.objects.create(unit=world.unit)
    d = _reply(world, make_demand(world, Status.IN_PROGRESS))
    for who in ("handler", "cadre"):
        with pytest.raises(PermissionDenied):
            services.demand_approve_reply(demand=d, actor=world[who])
    with pytest.raises(ValidationFailed):
        services.demand_return_reply(demand=d, actor=world["operator"], reason="")


def test_sent_back_with_a_reason_it_returns_to_the_handler_and_the_citizen_never_saw_it(world):
    ReplyReviewRule.objects.create(unit=world.unit)
    d = make_demand(world, Status.IN_PROGRESS)
    due = d.reply_due_at
    d = _reply(world, d)
    d = services.demand_return_reply(demand=d, actor=world["supervisor"], reason="未写明维修时间")
    assert d.status == Status.IN_PROGRESS and not d.reply_held
    assert d.reply_text == "" and d.replied_at is None and d.stage == Stage.REPLY
    assert d.reply_due_at == due  # by default a returned reply counts: the due time in force stays
    event = DemandEvent.objects.get(demand=d, action=Action.RETURN_REPLY)
    assert event.note == "未写明维修时间" and "returned_text" not in event.data  # data is stored in clear
    assert DemandEvent.objects.get(demand=d, action=Action.REPLY).note == TEXT  # the returned text stays
    assert [t for t in _inbox(world["handler"]) if "答复被退回" in t]
    payload = track_payload(d)
    assert payload["reply_text"] == "" and Action.REPLY not in [s["action"] for s in payload["timeline"]]
    # the second reply is held again, then approved: only it shows
    d = _reply(world, d, text="已于3月5日更换电梯控制板，电梯恢复运行。")
    assert d.reply_held
    d = services.demand_approve_reply(demand=d, actor=world["operator"])
    shown = [s["action"] for s in track_payload(d)["timeline"]]
    assert shown.count(Action.REPLY) == 1


def test_a_returned_reply_counts_against_on_time_only_as_configured(world, settings):
    ReplyReviewRule.objects.create(unit=world.unit)
    today = timezone.localdate()
    period = {"start": today - timedelta(days=1), "end": today + timedelta(days=60)}

    def run(counts: bool) -> Judgement:
        settings.LIANXIN_REVIEW_RETURN_COUNTS_ONTIME = counts
        d = make_demand(world, Status.IN_PROGRESS)
        on_time = d.reply_due_at - timedelta(hours=1)
        d = _reply(world, d, now=on_time)
        d = services.demand_return_reply(demand=d, actor=world["operator"], reason="重写", now=on_time)
        late = d.reply_due_at + timedelta(hours=1)
        d = _reply(world, d, text="已于3月5日更换电梯控制板，电梯恢复运行。", now=late)
        services.demand_approve_reply(demand=d, actor=world["operator"], now=late)
        return Judgement.objects.get(demand=d, kind=JudgementKind.REPLY, first=True)

    counted = run(True)
    assert counted.met is False  # the returned (on-time) reply is void: the late one is judged
    assert Judgement.objects.filter(demand=counted.demand, kind=JudgementKind.REPLY).count() == 1
    not_counted = run(False)
    assert not_counted.met is True  # the returned reply stays the judged one
    m = measures_compute(**period)
    assert (m["ontime_rate"].numerator, m["ontime_rate"].denominator) == (1, 2)
    assert measures_audit(**period).differences == []


def test_a_merged_caller_does_not_see_a_held_parent_reply(world):
    ReplyReviewRule.objects.create(unit=world.unit)
    parent = make_demand(world, Status.IN_PROGRESS)
    child = services.demand_merge(demand=make_demand(world), actor=world["operator"], parent=parent.pk)
    parent = _reply(world, parent)
    child = Demand.objects.select_related("merged_into").get(pk=child.pk)
    assert track_payload(child)["reply_text"] == "" and track_payload(child)["can_rate"] is False
    services.demand_approve_reply(demand=parent, actor=world["operator"])
    child = Demand.objects.select_related("merged_into").get(pk=child.pk)
    assert track_payload(child)["reply_text"] and track_payload(child)["can_rate"] is True


def test_the_panel_shows_the_held_badge_and_the_review_forms(world, client):
    ReplyReviewRule.objects.create(unit=world.unit)
    d = _reply(world, make_demand(world, Status.IN_PROGRESS))
    client.force_login(world["operator"])
    page = client.get(f"/demands/{d.pk}/").content.decode()
    assert (
        'id="reply-held"' in page and 'id="form-approve_reply"' in page and 'id="form-return_reply"' in page
    )
    r = client.post(
        f"/demands/{d.pk}/act/", {"action": "return_reply", "version": d.version, "reason": "补充"}
    )
    assert r.status_code == 302
    assert Demand.objects.get(pk=d.pk).status == Status.IN_PROGRESS


def test_open311_publishes_no_held_reply(world, client, settings):
    from tests.interconnect.factories import open311_world

    settings.ROOT_URLCONF = "tests.interconnect.urls"
    o = open311_world()
    ReplyReviewRule.objects.create(unit=o.world.unit)
    d = make_demand(o.world, Status.IN_PROGRESS)
    d = services.demand_reply(demand=d, actor=o.world["handler"], text=TEXT, outcome=Outcome.RESOLVED)
    row = client.get(f"/open311/v2/requests/{d.ticket_no}.json").json()[0]
    assert row["status_notes"] == ""
    services.demand_approve_reply(demand=d, actor=o.world["operator"])
    row = client.get(f"/open311/v2/requests/{d.ticket_no}.json").json()[0]
    assert row["status_notes"].startswith("已安排")


def test_the_workbench_lists_held_replies_under_review_and_not_under_followup(world, client):
    ReplyReviewRule.objects.create(category=world.category)
    held = _reply(world, make_demand(world, Status.IN_PROGRESS))
    client.force_login(world["operator"])
    review = client.get("/demands/workbench/?queue=review")
    assert review.context["count"] == 1 and held.ticket_no in review.content.decode()
    assert held.ticket_no not in client.get("/demands/workbench/?queue=followup").content.decode()
    services.demand_approve_reply(demand=held, actor=world["operator"])
    assert client.get("/demands/workbench/?queue=review").context["count"] == 0
    assert held.ticket_no in client.get("/demands/workbench/?queue=followup").content.decode()
