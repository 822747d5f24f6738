"""Similar open demands: the per-process index follows the database; the citizen's hint is masked."""

from __future__ import annotations

import re

from django.urls import reverse

from lianxin.analysis import services, similar
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Status
from tests.demands.factories import make_demand

LIFT = dict(title="东风小区3栋电梯坏了", content="东风小区3栋电梯坏了一个月没人修，老人上下楼困难")


def _submit(world, **fields):
    demand, _ = demand_services.demand_submit(actor=None, area=world.street, **fields)
    return demand


def test_index_follows_new_and_closed_demands(world):
    first = _submit(world, **LIFT)
    _submit(world, title="西湖路路灯不亮", content="西湖路路灯晚上不亮，走路很黑")
    probe = _submit(world, title="东风小区3栋电梯故障", content="东风小区3栋电梯坏了很久没人修，老人上楼困难")
    assert services.similar_demand_ids(probe) == [first.pk]
    # a new demand about the same lift is picked up on the next query (watermark sync, no rebuild)
    index_before = similar._state.index
    second = _submit(
        world, title="东风小区3栋电梯坏了没人管", content="东风小区3栋电梯坏了一个月，老人上下楼困难"
    )
    assert set(services.similar_demand_ids(probe)) == {first.pk, second.pk}
    assert similar._state.index is index_before
    # closing (here: rejecting) removes it from the open index
    demand_services.demand_reject(demand=first, actor=world["operator"], reason="重复")
    assert services.similar_demand_ids(probe) == [second.pk]


def test_merged_demand_leaves_the_index(world):
    parent = _submit(world, **LIFT)
    child = _submit(world, **LIFT)
    probe = _submit(world, title="东风小区3栋电梯坏了", content="东风小区3栋电梯坏了很久没人修，老人上楼困难")
    assert set(services.similar_demand_ids(probe)) == {parent.pk, child.pk}
    demand_services.demand_merge(demand=child, actor=world["operator"], parent=parent)
    assert services.similar_demand_ids(probe) == [parent.pk]


def test_another_street_is_not_the_same_place(world):
    _submit(world, **LIFT)
    other, _ = demand_services.demand_submit(
        actor=None,
        area=world.other_street,
        title="小区电梯坏了",
        content="我们小区电梯也坏了，老人上下楼不方便",
    )
    assert services.similar_demand_ids(other) == []


def test_already_reported_fragment_shows_masked_titles_only(world, client):
    reported = _submit(
        world,
        title="东风小区3栋电梯坏了 联系13912345678",
        content=LIFT["content"],
        contact_name="张三",
        contact_phone="13800001111",
    )
    demand_services.demand_accept(demand=reported, actor=world["operator"])  # the public sees accepted ones
    response = client.post(
        reverse("demands:already_reported"),
        {
            "title": "东风小区3栋电梯坏了",
            "content": "东风小区3栋电梯坏了没人修，老人上下楼困难",
            "area": world.street.pk,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "already-reported" in body
    assert "电梯坏了" in body  # the door number (3栋) is masked by the core too
    assert "13912345678" not in body and "13800001111" not in body and "张三" not in body
    assert "/demands/" not in body  # no links into other people's demands
    assert client.post(reverse("demands:already_reported"), {"title": "路灯"}).content.decode().strip() == ""


def test_operator_detail_lists_similar_open_demands_with_a_merge_button(world, client):
    first = make_demand(world, Status.SUBMITTED, **LIFT)
    second = make_demand(world, Status.SUBMITTED, title="东风小区3栋电梯坏了没人修", content=LIFT["content"])
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[second.pk])).content.decode()
    assert first.ticket_no in page and f'id="btn-merge-{first.pk}"' in page
    response = client.post(
        reverse("demands:act", args=[second.pk]),
        {"action": "merge", "parent": first.ticket_no, "version": second.version},
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Status.MERGED and second.merged_into_id == first.pk


def test_stale_index_is_rebuilt_after_the_log_was_pruned(world):
    first = _submit(world, **LIFT)
    probe = _submit(world, title="东风小区3栋电梯故障", content="东风小区3栋电梯坏了很久没人修，老人上楼困难")
    assert services.similar_demand_ids(probe) == [first.pk]
    second = _submit(world, **LIFT)
    from lianxin.analysis.models import SimilarChange

    SimilarChange.objects.all().delete()  # pruned past this process's watermark
    SimilarChange.objects.create(demand_id=second.pk + 1000)
    similar._state.watermark = 1  # far behind the oldest row
    similar._state.prune_checked_at = 0.0  # and the check (made every few seconds) is due
    assert set(services.similar_demand_ids(probe)) == {first.pk, second.pk}


def test_the_citizens_form_asks_for_the_hint_by_post_with_its_token_so_long_texts_fit(world):
    """A GET would carry the text in its request line, which gunicorn cuts at 4,094 bytes (about 450
    Chinese characters with the title); the form posts it, and the view takes the post with the
    CSRF token the form holds."""
    from django.test import Client

    demand_services.demand_accept(demand=_submit(world, **LIFT), actor=world["operator"])
    citizen = Client(enforce_csrf_checks=True)
    form = citizen.get(reverse("demands:submit")).content.decode()
    box = re.search(r'<div[^>]*id="already-box"[^>]*>', form, re.S).group(0)
    assert "hx-post=" in box and "csrfmiddlewaretoken" in box
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    long_content = LIFT["content"] + "，" + "电梯一直停运，住户反复反映也没有结果" * 150  # 2,800+ characters
    response = citizen.post(
        reverse("demands:already_reported"),
        {
            "csrfmiddlewaretoken": token,
            "title": LIFT["title"],
            "content": long_content,
            "area": world.street.pk,
        },
    )
    assert response.status_code == 200 and "电梯坏了" in response.content.decode()
    assert (
        citizen.post(reverse("demands:already_reported"), {"title": LIFT["title"]}).status_code == 403
    )  # no token
