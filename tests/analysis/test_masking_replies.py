"""Personal data in free text masked where the public or an export sees it; reply quality shown and summed."""

from __future__ import annotations

from django.urls import reverse

from lianxin.analysis.models import ReplyAssessment
from lianxin.demands import services as demand_services
from lianxin.demands.choices import Outcome, Status
from lianxin.demands.serializers import track_payload
from tests.demands.factories import make_demand

PHONE, ID_CARD = "13912345678", "430102199001011234"


def test_track_payload_masks_personal_data_in_title_and_reply(world):
    demand = make_demand(world, Status.IN_PROGRESS, title=f"请回电{PHONE}", content=f"身份证{ID_CARD}")
    demand = demand_services.demand_reply(
        demand=demand,
        actor=world["handler"],
        text=f"已联系业主李四，电话{PHONE}，问题已处理。",
        outcome=Outcome.RESOLVED,
    )
    payload = track_payload(demand)
    assert PHONE not in payload["title"] and "请回电" in payload["title"]
    assert PHONE not in payload["reply_text"] and "问题已处理" in payload["reply_text"]


def test_public_track_api_masks_free_text(world, client):
    demand = make_demand(world, Status.SUBMITTED, title=f"请回电{PHONE}")
    response = client.get("/api/v1/track/", {"ticket_no": demand.ticket_no, "code": demand.query_code})
    assert response.status_code == 200 and PHONE not in response.content.decode()


def test_export_masks_free_text_for_roles_without_personal_data(world, client):
    make_demand(world, Status.SUBMITTED, title=f"请回电{PHONE}", content=f"身份证号{ID_CARD}，请核实")
    client.force_login(world["cadre"])
    masked = b"".join(client.get(reverse("demands:export")).streaming_content).decode("utf-8-sig")
    assert "请回电" in masked and PHONE not in masked and ID_CARD not in masked
    client.force_login(world["operator"])
    full = b"".join(client.get(reverse("demands:export")).streaming_content).decode("utf-8-sig")
    assert PHONE in full and ID_CARD in full


EVASIVE = "您好，您反映的问题已收悉，已转相关部门办理。感谢您的来信。"
GOOD = (
    "经调查核实，东风小区3栋电梯因主板故障停运。我局已责令物业公司于5月10日前更换主板并恢复运行，"
    "依据《特种设备安全法》第四十条，物业须定期维保。如有疑问请致电0731-84567890。"
)


def _replied(world, text):
    demand = make_demand(world, Status.IN_PROGRESS)
    return demand_services.demand_reply(
        demand=demand, actor=world["handler"], text=text, outcome=Outcome.RESOLVED
    )


def test_operator_sees_the_reply_score_and_flags_before_the_follow_up_call(world, client):
    demand = _replied(world, EVASIVE)
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert 'id="reply-quality"' in page and "仅转办/收悉" in page
    assessment = ReplyAssessment.objects.get(demand=demand)
    assert assessment.flagged and "forward_only" in assessment.flags and assessment.unit_id == world.unit.pk
    assert assessment.working_days is not None


def test_a_substantive_reply_scores_higher_than_a_forward_only_one(world):
    from lianxin.analysis.services import reply_assess

    good = reply_assess(demand=_replied(world, GOOD))
    bad = reply_assess(demand=_replied(world, EVASIVE))
    assert good.score > bad.score + 20 and not good.flagged


def test_reply_is_scored_after_commit_when_replied(world, django_capture_on_commit_callbacks):
    demand = make_demand(world, Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        demand_services.demand_reply(
            demand=demand, actor=world["handler"], text=EVASIVE, outcome=Outcome.RESOLVED
        )
    assert ReplyAssessment.objects.filter(demand=demand, flagged=True).exists()


def test_unit_summary_lists_mean_score_and_flagged_count_with_links(world, client):
    from lianxin.analysis.services import reply_assess

    reply_assess(demand=_replied(world, GOOD))
    flagged = _replied(world, EVASIVE)
    reply_assess(demand=flagged)
    client.force_login(world["supervisor"])
    body = client.get(reverse("analysis:reply_quality")).content.decode()
    assert world.unit.name in body and f"unit={world.unit.pk}&amp;flagged=1" in body
    listing = client.get(
        reverse("analysis:reply_quality_unit"), {"unit": world.unit.pk, "flagged": "1"}
    ).content.decode()
    assert flagged.ticket_no in listing and reverse("demands:detail", args=[flagged.pk]) in listing
    client.force_login(world["handler"])
    assert client.get(reverse("analysis:reply_quality")).status_code == 403


def test_the_reply_quality_summary_is_in_the_navigation_of_those_who_may_open_it(world, client):
    link = f'href="{reverse("analysis:reply_quality")}"'
    for role in ("operator", "supervisor"):
        client.force_login(world[role])
        assert link in client.get(reverse("demands:track")).content.decode()
    client.force_login(world["handler"])
    assert link not in client.get(reverse("demands:track")).content.decode()
