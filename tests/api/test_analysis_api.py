"""Hot issues (scoped like the hot-issue page) and classifier suggestions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from lianxin.analysis import classifier as analysis_classifier
from lianxin.analysis import services as analysis_services
from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.demands import services as ds
from lianxin.org.models import Area
from tests.api.conftest import client_for
from tests.contact.factories import demand_through


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


@pytest.fixture
def issues(roles):
    w = roles.world
    west = Area.objects.get(name="西风街道")
    mine = demand_through(w, date(2026, 2, 3), title="路灯不亮 13912345678")
    theirs, _ = ds.demand_submit(actor=w.operator, title="西边噪音", content="施工噪音", area=west)
    now = timezone.now()
    run = HotIssueRun.objects.create(
        window_start=now - timedelta(days=30),
        window_end=now,
        state=RunState.DONE,
        finished_at=now,
        n_messages=2,
    )
    east_issue = HotIssue.objects.create(
        run=run,
        rank=1,
        heat=80.0,
        summary="东风街道路灯不亮，电话13912345678",
        area=w.street,
        start=_aware(date(2026, 2, 1)),
        end=_aware(date(2026, 2, 10)),
        n_messages=2,
        n_users=2,
    )
    east_issue.demands.set([mine, theirs])
    west_issue = HotIssue.objects.create(
        run=run,
        rank=2,
        heat=40.0,
        summary="西风街道施工噪音",
        area=west,
        start=_aware(date(2026, 3, 1)),
        end=_aware(date(2026, 3, 5)),
        n_messages=1,
        n_users=1,
    )
    west_issue.demands.set([theirs])
    return {"east": east_issue, "west": west_issue, "mine": mine, "theirs": theirs, "west_area": west}


def test_cadre_sees_issues_reaching_their_area_with_only_the_evidence_they_may_open(roles, issues):
    body = client_for(roles.cadre).get("/api/v1/analysis/hot-issues/").json()
    assert [i["id"] for i in body["results"]] == [issues["east"].pk]
    issue = body["results"][0]
    assert [e["id"] for e in issue["evidence"]] == [issues["mine"].pk] and issue["hidden"] == 1
    assert "13912345678" not in str(body)  # summaries and titles masked
    everything = client_for(roles.operator).get("/api/v1/analysis/hot-issues/").json()["results"]
    assert [i["rank"] for i in everything] == [1, 2] and everything[0]["hidden"] == 0


def test_hot_issue_filters_intersect_the_scope(roles, issues):
    cadre = client_for(roles.cadre)
    west = issues["west_area"].pk
    assert cadre.get("/api/v1/analysis/hot-issues/", {"area": west}).json()["results"] == []
    district = roles.world.district.pk
    assert len(cadre.get("/api/v1/analysis/hot-issues/", {"area": district}).json()["results"]) == 1
    operator = client_for(roles.operator)
    # an issue reaches an area through its evidence: the east issue has a demand in the west too
    assert [
        i["rank"] for i in operator.get("/api/v1/analysis/hot-issues/", {"area": west}).json()["results"]
    ] == [1, 2]
    community = roles.world.community.pk
    assert [
        i["rank"] for i in operator.get("/api/v1/analysis/hot-issues/", {"area": community}).json()["results"]
    ] == [1]
    march = operator.get("/api/v1/analysis/hot-issues/", {"since": "2026-02-20"}).json()["results"]
    assert [i["rank"] for i in march] == [2]
    feb = operator.get("/api/v1/analysis/hot-issues/", {"until": "2026-02-20"}).json()["results"]
    assert [i["rank"] for i in feb] == [1]
    r = operator.get("/api/v1/analysis/hot-issues/", {"since": "yesterday"})
    assert r.status_code == 400 and "since" in r.json()["error"]["fields"]


def test_no_run_yet_is_an_empty_answer(roles):
    assert client_for(roles.admin).get("/api/v1/analysis/hot-issues/").json() == {"run": None, "results": []}


TRAFFIC = ["公交车线路调整后站点太远", "公交车晚点严重希望增加班次", "地铁站出口拥堵", "公交站台没有遮雨棚"]
ENVIRONMENT = [
    "工厂夜间排放废气气味刺鼻",
    "河道污染严重水发黑发臭",
    "工地噪音扰民晚上施工",
    "垃圾站臭味大污染环境",
]


@pytest.fixture
def model(roles):
    from lianxin.intel.classifier import classifier_train

    trained = classifier_train(TRAFFIC * 2 + ENVIRONMENT * 2, ["交通运输"] * 8 + ["环境保护"] * 8)
    analysis_classifier.classifier_forget()
    analysis_services.classifier_version_upload(data=trained.to_bytes(), name="tiny")
    yield
    analysis_classifier.classifier_forget()


def test_suggestions_for_a_text_and_for_a_demand(roles, model):
    client = client_for(roles.operator)
    r = client.post("/api/v1/analysis/suggestions/", {"text": "公交车晚点，站台拥堵"}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["source"] == "model" and body["categories"][0]["category"] == "交通运输"
    assert 0 < body["categories"][0]["score"] <= 1 and body["urgency"] in ("normal", "urgent", "critical")
    demand = demand_through(roles.world, date(2026, 2, 3), title="工厂排放废气污染")
    r = client.get("/api/v1/analysis/suggestions/", {"demand": demand.pk})
    assert r.status_code == 200 and r.json()["demand"] == demand.pk
    assert r.json()["categories"][0]["category"] == "环境保护"
    assert (
        client_for(roles.other_cadre).get("/api/v1/analysis/suggestions/", {"demand": demand.pk}).status_code
        == 404
    )
    assert client.get("/api/v1/analysis/suggestions/").status_code == 400
    assert client.get("/api/v1/analysis/suggestions/", {"demand": "x"}).status_code == 400
    empty = client.post("/api/v1/analysis/suggestions/", {"text": ""}, format="json")
    assert empty.status_code == 400 and "text" in empty.json()["error"]["fields"]
    assert (
        client_for(roles.citizen)
        .post("/api/v1/analysis/suggestions/", {"text": "x"}, format="json")
        .status_code
        == 403
    )
    assert client_for().post("/api/v1/analysis/suggestions/", {"text": "x"}, format="json").status_code == 401
