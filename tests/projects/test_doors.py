"""The projects API and pages end to end: the public ledger, staff forms, comments and the survey."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lianxin.core.sms import MemoryBackend
from lianxin.projects import services as ps
from lianxin.projects.models import Comment, Milestone, ProgressPhoto, Project, Rating, Status
from tests.projects.factories import make_project, png_upload

TODAY = timezone.localdate


def _api(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def _pending(w):
    p = make_project(w)
    for m in p.milestones.all():
        ps.milestone_done(milestone=m, actor=w.cadre)
    return ps.project_submit(project=p, actor=w.cadre)


def test_public_list_shows_committed_projects_only_without_n_plus_one(world, django_assert_max_num_queries):
    for i in range(6):
        make_project(world, title=f"实事{i}")
    draft = make_project(world, title="草案", start=False)
    with django_assert_max_num_queries(3):
        r = _api().get("/api/v1/projects/")
    rows = r.json()["results"]
    assert r.status_code == 200 and len(rows) == 6 and draft.pk not in [x["id"] for x in rows]
    assert rows[0]["milestones_total"] == 2 and rows[0]["milestones_done"] == 0
    assert _api().get(f"/api/v1/projects/{draft.pk}/").status_code == 404
    assert _api(world.cadre).get(f"/api/v1/projects/{draft.pk}/").status_code == 200
    assert _api().get("/api/v1/projects/?status=nope").status_code == 400


def test_staff_api_flow_create_milestones_start_progress(world):
    api = _api(world.cadre)
    r = api.post(
        "/api/v1/projects/",
        {
            "title": "口袋公园",
            "goal": "建3个口袋公园",
            "area": world.street.pk,
            "unit": world.unit.pk,
            "cadre": world.cadre.pk,
            "budget": "80.00",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    due1 = (TODAY() + timedelta(days=30)).isoformat()
    assert (
        api.post(
            f"/api/v1/projects/{pk}/milestones/", {"title": "设计", "due": due1}, format="json"
        ).status_code
        == 201
    )
    r = api.post(
        f"/api/v1/projects/{pk}/milestones/", {"title": "提前", "due": TODAY().isoformat()}, format="json"
    )
    assert (
        r.status_code == 400
        and r.json()["error"]["code"] == "out_of_order"
        and "due" in r.json()["error"]["fields"]
    )
    r = api.post(f"/api/v1/projects/{pk}/transitions/", {"action": "submit"}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    r = api.post(f"/api/v1/projects/{pk}/transitions/", {"action": "start"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "in_progress" and "submit" in r.json()["actions"]
    r = api.post(
        f"/api/v1/projects/{pk}/progress/",
        {"text": "已完成设计招标", "percent": "20", "photos": [png_upload()]},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    photo_url = r.json()["photos"][0]["url"]
    got = _api().get(photo_url)
    assert (
        got.status_code == 200
        and got["Content-Type"] == "image/png"
        and got["X-Content-Type-Options"] == "nosniff"
    )
    detail = _api().get(f"/api/v1/projects/{pk}/").json()
    assert detail["reports"][0]["text"] == "已完成设计招标" and detail["actions"] == []
    r = _api(world.citizen).post(
        f"/api/v1/projects/{pk}/transitions/", {"action": "terminate", "note": "x"}, format="json"
    )
    assert r.status_code == 403


def test_create_is_refused_for_citizens_and_bad_input(world):
    assert (
        _api(world.citizen)
        .post("/api/v1/projects/", {"title": "x", "goal": "y", "area": world.street.pk}, format="json")
        .status_code
        == 403
    )
    r = _api(world.cadre).post(
        "/api/v1/projects/", {"title": "x", "goal": "y", "area": 999999}, format="json"
    )
    assert r.status_code == 400 and "area" in r.json()["error"]["fields"]
    assert Project.objects.count() == 0


def test_comments_through_the_api_wait_for_moderation(world):
    p = make_project(world)
    r = _api().post(
        f"/api/v1/projects/{p.pk}/comments/", {"text": "希望早日完工", "nickname": "老李"}, format="json"
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert _api().get(f"/api/v1/projects/{p.pk}/").json()["comments"] == []
    r = _api().post(f"/api/v1/projects/{p.pk}/comments/", {"text": "x" * 501}, format="json")
    assert r.status_code == 400 and "text" in r.json()["error"]["fields"]
    c = Comment.objects.get()
    assert (
        _api(world.other_cadre)
        .post(f"/api/v1/projects/comments/{c.pk}/moderate/", {"approve": True}, format="json")
        .status_code
        == 404
    )
    assert (
        _api(world.cadre)
        .post(f"/api/v1/projects/comments/{c.pk}/moderate/", {"approve": True}, format="json")
        .status_code
        == 200
    )
    assert [x["text"] for x in _api().get(f"/api/v1/projects/{p.pk}/").json()["comments"]] == ["希望早日完工"]


def test_rating_with_a_phone_code_once_per_identity(world, settings, django_capture_on_commit_callbacks):
    settings.LIANXIN_PHONE_CODE_INTERVAL = 0
    MemoryBackend.sent.clear()
    p = _pending(world)
    anon = _api()
    with django_capture_on_commit_callbacks(execute=True):
        r = anon.post(f"/api/v1/projects/{p.pk}/rating-code/", {"phone": "13700001111"}, format="json")
    assert r.status_code == 200
    code = re.search(r"\d{6}", MemoryBackend.sent[-1]["text"]).group()
    r = anon.post(
        f"/api/v1/projects/{p.pk}/ratings/", {"score": 5, "phone": "13700001111", "code": code}, format="json"
    )
    assert r.status_code == 201 and r.json()["ratings"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        anon.post(f"/api/v1/projects/{p.pk}/rating-code/", {"phone": "13700001111"}, format="json")
    code = re.search(r"\d{6}", MemoryBackend.sent[-1]["text"]).group()
    r = anon.post(
        f"/api/v1/projects/{p.pk}/ratings/", {"score": 1, "phone": "13700001111", "code": code}, format="json"
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_rated"
    r = anon.post(
        f"/api/v1/projects/{p.pk}/ratings/",
        {"score": 4, "phone": "13700002222", "code": "123456"},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_code"
    r = _api(world.citizen).post(f"/api/v1/projects/{p.pk}/ratings/", {"score": 4}, format="json")
    assert r.status_code == 201
    r = _api(world.citizen).post(f"/api/v1/projects/{p.pk}/ratings/", {"score": 4}, format="json")
    assert r.status_code == 409
    assert sorted(Rating.objects.values_list("score", flat=True)) == [4, 5]
    r = _api(world.supervisor).post(
        f"/api/v1/projects/{p.pk}/transitions/", {"action": "accept", "note": "通过"}, format="json"
    )
    assert r.json()["acceptance"]["ratings"] == 2 and r.json()["acceptance"]["average"] == "4.50"


def test_public_pages_list_detail_comment(world, client):
    p = make_project(world, title="加装电梯")
    ps.milestone_done(milestone=p.milestones.first(), actor=world.cadre)
    html = client.get("/projects/").content.decode()
    assert "加装电梯" in html and "1/2" in html
    html = client.get(f"/projects/{p.pk}/").content.decode()
    assert "为3个老旧小区加装电梯12部" in html and 'id="comment-form"' in html
    r = client.post(f"/projects/{p.pk}/comment/", {"text": "<script>alert(1)</script>"})
    assert r.status_code == 302
    c = Comment.objects.get()
    ps.comment_moderate(comment=c, actor=world.cadre, approve=True)
    html = client.get(f"/projects/{p.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    r = client.post(f"/projects/{p.pk}/comment/", {"text": ""})
    assert r.status_code == 400 and "请填写留言内容" in r.content.decode()


def test_staff_page_forms(world, client):
    p = make_project(world)
    client.force_login(world.cadre)
    assert client.get(f"/projects/{p.pk}/manage/").status_code == 200
    r = client.post(f"/projects/{p.pk}/manage/milestone/", {"title": "乱序", "due": TODAY().isoformat()})
    assert r.status_code == 400 and "out_of_order" not in r.content.decode() and "due" in r.content.decode()
    assert Milestone.objects.filter(project=p).count() == 2
    r = client.post(
        f"/projects/{p.pk}/manage/progress/", {"text": "动工", "percent": "10", "photos": [png_upload()]}
    )
    assert r.status_code == 302 and ProgressPhoto.objects.count() == 1
    r = client.post(f"/projects/{p.pk}/manage/transition/", {"action": "accept"})
    assert r.status_code in (403, 409)
    assert Project.objects.get(pk=p.pk).status == Status.IN_PROGRESS
    client.force_login(world.other_cadre)
    assert client.get(f"/projects/{p.pk}/manage/").status_code == 404


@pytest.mark.parametrize("who", ["supervisor", "admin"])
def test_overseers_take_the_acceptance_on_the_page(world, client, who):
    p = _pending(world)
    client.force_login(getattr(world, who))
    r = client.post(f"/projects/{p.pk}/manage/transition/", {"action": "accept", "note": "同意"})
    assert r.status_code == 302
    assert Project.objects.get(pk=p.pk).status == Status.COMPLETED
