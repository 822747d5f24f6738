from __future__ import annotations

from datetime import timedelta

import pytest

from lianxin.core.errors import Conflict, PermissionDenied, ValidationFailed
from lianxin.participation import selectors, services
from lianxin.participation.models import Candidate, Poll, TimelineEntry, Vote
from tests.participation import factories

pytestmark = pytest.mark.django_db


def test_vote_once_results_with_turnout_and_winner(cadre, citizen, citizen2, area, sms_code):
    poll = factories.poll(cadre, area, electorate_size=10)
    a, b, _c = poll.candidates.all()
    services.poll_vote(poll=poll, actor=citizen, candidates=[a.pk])
    services.poll_vote(poll=poll, actor=citizen2, candidates=[a.pk])
    services.poll_vote(
        poll=poll, actor=None, candidates=[b.pk], phone="13700000000", code=sms_code("13700000000")
    )
    with pytest.raises(Conflict) as err:
        services.poll_vote(poll=poll, actor=citizen, candidates=[b.pk])
    assert err.value.code == "already_voted"
    assert Vote.objects.count() == 3 and Candidate.objects.get(pk=b.pk).votes == 1
    assert (
        selectors.poll_results(Poll.objects.get(pk=poll.pk))["votes"] is None
    )  # not public before publication
    services.poll_close(poll=poll, actor=cadre)
    poll = services.poll_publish(poll=poll, actor=cadre)
    results = selectors.poll_results(poll)
    assert results["votes"] == 3 and results["turnout"] == pytest.approx(0.3)
    assert [c["chosen"] for c in results["candidates"]] == [True, False, False]
    assert TimelineEntry.objects.filter(subject="poll", object_id=poll.pk, action="publish").exists()


def test_vote_after_close_and_bad_choices_are_refused(cadre, citizen, area):
    poll = factories.poll(cadre, area)
    a, b, _c = poll.candidates.all()
    with pytest.raises(ValidationFailed):
        services.poll_vote(poll=poll, actor=citizen, candidates=[a.pk, b.pk])  # max_choices 1
    with pytest.raises(ValidationFailed):
        services.poll_vote(poll=poll, actor=citizen, candidates=[999999])
    with pytest.raises(Conflict) as err:
        services.poll_vote(
            poll=poll, actor=citizen, candidates=[a.pk], now=poll.closes_at + timedelta(minutes=1)
        )
    assert err.value.code == "poll_closed"
    services.poll_close(poll=poll, actor=cadre)
    with pytest.raises(Conflict):
        services.poll_vote(poll=Poll.objects.get(pk=poll.pk), actor=citizen, candidates=[a.pk])
    assert not Vote.objects.exists() and Candidate.objects.filter(votes__gt=0).count() == 0


def test_representatives_only(cadre, citizen, citizen2, area):
    poll = factories.poll(cadre, area, electorate="representatives", representatives=[citizen])
    a = poll.candidates.first()
    with pytest.raises(PermissionDenied):
        services.poll_vote(poll=poll, actor=citizen2, candidates=[a.pk])
    services.poll_vote(poll=poll, actor=citizen, candidates=[a.pk])
    assert poll.electorate_size == 1


def test_publish_hands_chosen_to_projects_when_installed(cadre, citizen, area, monkeypatch):
    from lianxin.participation import ports

    made = []

    class Project:
        def __init__(self, pk):
            self.pk = pk

    def create(**kw):
        made.append(kw)
        return Project(len(made))

    monkeypatch.setattr(ports, "project_create", create)
    poll = factories.poll(cadre, area)
    a = poll.candidates.first()
    services.poll_vote(poll=poll, actor=citizen, candidates=[a.pk])
    services.poll_close(poll=poll, actor=cadre)
    services.poll_publish(poll=poll, actor=cadre)
    assert made[0]["source"] == "poll" and made[0]["source_ref"] == f"poll:{poll.pk}:{a.pk}"
    assert services.poll_projects_create(poll=poll, actor=cadre) == []  # idempotent
    assert Candidate.objects.get(pk=a.pk).project_id == 1


def test_api_vote_twice(client, cadre, citizen, area):
    poll = factories.poll(cadre, area)
    a = poll.candidates.first()
    client.force_login(citizen)
    url = f"/api/v1/polls/{poll.pk}/vote/"
    assert client.post(url, {"candidates": [a.pk]}, content_type="application/json").status_code == 201
    r = client.post(url, {"candidates": [a.pk]}, content_type="application/json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_voted"
    assert client.get(f"/api/v1/polls/{poll.pk}/results/").status_code == 200


def test_publish_makes_the_chosen_candidates_real_practical_projects(cadre, citizen, area):
    """The hand-off through the projects ledger itself (lianxin.projects.services.project_create)."""
    from lianxin.projects.models import Project

    poll = factories.poll(cadre, area)
    a = poll.candidates.first()
    services.poll_vote(poll=poll, actor=citizen, candidates=[a.pk])
    services.poll_close(poll=poll, actor=cadre)
    services.poll_publish(poll=poll, actor=cadre)
    project = Project.objects.get(source="poll", source_ref=f"poll:{poll.pk}:{a.pk}")
    assert Candidate.objects.get(pk=a.pk).project_id == project.pk and project.area_id == area.pk
    assert services.poll_projects_create(poll=poll, actor=cadre) == []  # idempotent: still one project
    assert Project.objects.filter(source="poll").count() == 1
