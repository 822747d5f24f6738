"""接诉即办 as callers meet it (issue 16, the wrong-today list): the merged caller gets the answer and rates
on their own, the 不予受理 reason is shown, a signed-in citizen's demand keeps a contact, the return review
preselects no unit, an old inbox link explains, and a suspected 特急 never outranks a confirmed one."""

import pytest
from django.urls import reverse

from lianxin.core.errors import Conflict
from lianxin.demands import selectors, services
from lianxin.demands.choices import Outcome, Satisfaction, Status, Urgency
from lianxin.demands.models import Demand, Judgement, JudgementKind
from lianxin.demands.serializers import track_payload
from tests.demands.factories import make_demand

pytestmark = pytest.mark.django_db


def test_a_merged_caller_is_told_the_answer_and_rates_on_their_own(world):
    parent = make_demand(world, Status.IN_PROGRESS)
    child = make_demand(world, Status.SUBMITTED, by="other_citizen", title="同一部电梯又坏了")
    child = services.demand_merge(demand=child, actor=world["operator"], parent=parent)
    assert not track_payload(Demand.objects.get(pk=child.pk))["can_rate"]
    with pytest.raises(Conflict) as refused:
        services.demand_rate(
            demand=child, actor=world["operator"], satisfaction=Satisfaction.SATISFIED, resolved=True
        )
    assert refused.value.code == "parent_not_replied"
    services.demand_reply(
        demand=parent, actor=world["handler"], text="已更换电梯主板并通过检验。", outcome=Outcome.RESOLVED
    )
    child = Demand.objects.get(pk=child.pk)
    payload = track_payload(child)
    assert payload["reply_text"].startswith("已更换电梯主板") and payload["can_rate"]
    assert any(child.ticket_no in n.title for n in world["other_citizen"].notifications.all())
    services.demand_rate(
        demand=child, actor=None, satisfaction=Satisfaction.DISSATISFIED, resolved=False, code_verified=True
    )
    rating = Judgement.objects.get(demand=child, kind=JudgementKind.RATING)
    assert rating.unit_id == world.unit.pk and rating.satisfaction == Satisfaction.DISSATISFIED
    assert Demand.objects.get(pk=child.pk).status == Status.CLOSED
    note = parent.events.filter(action="merge").values_list("note", flat=True).get()
    assert child.ticket_no in note  # the parent's timeline names each merged child


def test_the_reject_reason_is_shown_to_the_citizen(world):
    d = make_demand(world, Status.SUBMITTED)
    d = services.demand_reject(
        demand=d, actor=world["operator"], reason="属于法院审理事项，请向区人民法院咨询"
    )
    assert track_payload(d)["reject_reason"] == "属于法院审理事项，请向区人民法院咨询"
    assert track_payload(make_demand(world, Status.CLOSED))["reject_reason"] == ""


def test_a_signed_in_citizens_demand_keeps_their_contact(world, client):
    citizen = world["citizen"]
    citizen.display_name, citizen.phone = "李四", "13800001111"
    citizen.save()
    d, _ = services.demand_submit(actor=citizen, title="噪音扰民", content="楼下商铺夜间施工噪音很大")
    assert (d.contact_name, d.contact_phone) == ("李四", "13800001111")
    client.force_login(citizen)
    page = client.get(reverse("demands:submit")).content.decode()
    assert 'value="13800001111"' in page


def test_the_return_review_preselects_no_unit(world, client):
    from lianxin.demands.models import RoutingRule

    RoutingRule.objects.create(category=world.category, unit=world.unit, priority=10)
    d = make_demand(world, Status.RETURNED)
    assert d.lead_unit_id == world.unit.pk
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[d.pk])).content.decode()
    form = page[page.index('id="form-dispatch"') :]
    form = form[: form.index("</form>")]
    assert f'value="{world.unit.pk}" selected' not in form


def test_an_inbox_link_to_a_redispatched_demand_explains(world, client):
    d = make_demand(world, Status.RETURNED)
    services.demand_dispatch(demand=d, actor=world["operator"], unit=world.other_unit)
    client.force_login(world["handler"])
    r = client.get(reverse("demands:detail", args=[d.pk]))
    assert r.status_code == 410 and 'id="moved-on"' in r.content.decode()
    client.force_login(world["other_handler"])
    assert (
        client.get(reverse("demands:detail", args=[make_demand(world, Status.DISPATCHED).pk])).status_code
        == 404
    )


def test_a_suspected_critical_never_ranks_above_a_confirmed_one(world):
    confirmed, _ = services.demand_submit(
        actor=world["operator"], title="燃气泄漏", content="小区燃气管道泄漏", urgency=Urgency.CRITICAL
    )
    suspected = make_demand(world, Status.SUBMITTED, title="有人落水")
    services.demand_intel_urgency_set(demand_id=suspected.pk, level=Urgency.CRITICAL)
    plain = make_demand(world, Status.SUBMITTED, title="路灯不亮")
    qs = selectors.demand_list(user=world["operator"], filters=selectors.DemandFilters(queue="to_accept"))
    tiers = [selectors.Q(urgency=Urgency.CRITICAL), selectors.urgency_suspected_q()]
    rows = selectors.rows_tiered(qs, tiers, start=0, stop=10)
    assert [r.pk for r in rows][:3] == [confirmed.pk, suspected.pk, plain.pk]
    assert [r.pk for r in selectors.rows_tiered(qs, tiers, start=1, stop=3)] == [suspected.pk, plain.pk]


def test_a_units_phone_in_a_reply_stays_readable_on_the_citizens_page(world):
    d = make_demand(world, Status.IN_PROGRESS)
    d = services.demand_reply(
        demand=d,
        actor=world["handler"],
        text="已安排维修。如有疑问请致电街道城管科，联系电话：0731-88776655。",
        outcome=Outcome.RESOLVED,
    )
    assert "0731-88776655" in track_payload(d)["reply_text"]


def test_a_draft_reply_is_checked_for_quality_before_it_is_sent(world, client, monkeypatch):
    from lianxin.demands import intel_port

    d = make_demand(world, Status.IN_PROGRESS)
    client.force_login(world["handler"])
    url = reverse("demands:reply_check", args=[d.pk])
    thin = client.post(url, {"text": "已收悉。"}).content.decode()
    assert 'id="reply-check"' in thin and "请补充办理情况后再答复" in thin
    full = client.post(
        url,
        {"text": "经现场核查，东风小区3栋电梯主板故障，已于今日更换主板并通过特种设备检验，电梯恢复运行。"},
    ).content.decode()
    assert "答复质量" in full and "请补充办理情况后再答复" not in full
    page = client.get(reverse("demands:detail", args=[d.pk])).content.decode()
    assert url in page  # the reply form offers the check
    monkeypatch.setattr(intel_port, "_registered", [])
    assert "暂不可用" in client.post(url, {"text": "已处理"}).content.decode()


def test_the_operators_follow_up_queue_lists_each_merged_caller_once_the_parent_is_answered(world):
    from django.test import Client

    parent = make_demand(world, Status.IN_PROGRESS)
    child = make_demand(world, Status.SUBMITTED, by="other_citizen", title="同一部电梯又坏了")
    child = services.demand_merge(demand=child, actor=world["operator"], parent=parent)
    operator = Client()
    operator.force_login(world["operator"])
    queue = "/demands/workbench/?queue=merged_followup"
    assert operator.get(queue).context["count"] == 0  # not answered yet: nothing to follow up
    services.demand_reply(
        demand=parent, actor=world["handler"], text="已更换电梯主板并通过检验。", outcome=Outcome.RESOLVED
    )
    page = operator.get(queue)
    assert page.context["count"] == 1 and child.ticket_no in page.content.decode()
    services.demand_rate(
        demand=Demand.objects.get(pk=child.pk),
        actor=world["operator"],
        satisfaction=Satisfaction.SATISFIED,
        resolved=True,
    )
    assert operator.get(queue).context["count"] == 0  # rated on their own: done
