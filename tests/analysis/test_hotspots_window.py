"""Hot issues over a chosen window: imported (old) demands are mined when the user picks their window,
each choice is its own run and the page shows the chosen run; a problem back after a gap is stored
with its earlier occurrence."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from lianxin.analysis.models import HotIssue, HotIssueRun, RunState
from lianxin.demands import services as demand_services

SMOKE = [
    ("魅力之城小区楼下烧烤店油烟扰民", "魅力之城小区楼下烧烤店油烟直排，烧烤油烟扰民"),
    ("魅力之城小区烧烤油烟扰民", "魅力之城小区一楼烧烤店烧烤油烟扰民，无法开窗"),
    ("投诉魅力之城小区烧烤店油烟", "魅力之城小区楼下烧烤夜宵店烧烤油烟扰民"),
]


def _old(world, when: datetime, tag: str) -> list:
    """Three demands about the same smoke, made on `when` and the two days after (imported history)."""
    out = []
    for k, (title, content) in enumerate(SMOKE):
        demand, _ = demand_services.demand_submit(
            actor=None,
            title=title,
            content=content,
            area=world.street,
            contact_phone=f"1391{tag}{k:05d}",
            now=timezone.make_aware(when + timedelta(days=k)),
        )
        out.append(demand)
    return out


def test_imported_history_shows_nothing_by_default_and_its_window_can_be_chosen(
    world, client, django_capture_on_commit_callbacks
):
    old = _old(world, datetime(2019, 7, 1), "1")
    client.force_login(world["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analysis:hotspots_refresh"))  # the default window: the last 90 days
    default = HotIssueRun.objects.get()
    assert default.state == RunState.DONE and default.n_messages == 0
    page = client.get(reverse("analysis:hotspots")).content.decode()
    # the chooser offers the windows and, with nothing recent, ends on the newest demand's day
    assert 'id="window-form"' in page and 'value="365"' in page
    assert 'id="stale-hint"' in page and 'value="2019-07-03"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis:hotspots_refresh"), {"days": "365", "end": "2019-07-03"})
    chosen = HotIssueRun.objects.exclude(pk=default.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"?run={chosen.pk}")
    assert chosen.state == RunState.DONE and chosen.started_by == world["operator"]
    assert timezone.localtime(chosen.window_end).date() == datetime(2019, 7, 4).date()
    assert (chosen.window_end - chosen.window_start).days == 365
    issue = HotIssue.objects.get(run=chosen)
    assert set(issue.demands.values_list("pk", flat=True)) == {d.pk for d in old}

    shown = client.get(reverse("analysis:hotspots"), {"run": chosen.pk}).content.decode()
    assert "烧烤" in shown and "2018-07-04 至 2019-07-04" in shown
    assert all(d.ticket_no in shown for d in old)
    # the earlier, empty run is still there to choose, and shows nothing
    before = client.get(reverse("analysis:hotspots"), {"run": default.pk}).content.decode()
    assert "烧烤" not in before and f"?run={chosen.pk}" in before


def test_a_problem_back_after_a_gap_is_stored_with_its_earlier_occurrence(world):
    from lianxin.analysis.hotspots import hotspots_refresh

    first = _old(world, datetime(2019, 3, 1), "2")
    again = _old(world, datetime(2019, 10, 1), "3")
    run = hotspots_refresh(days=365, now=timezone.make_aware(datetime(2019, 12, 31)))
    assert run.state == RunState.DONE
    issues = {frozenset(i.demands.values_list("pk", flat=True)): i for i in HotIssue.objects.filter(run=run)}
    earlier = issues[frozenset(d.pk for d in first)]
    later = issues[frozenset(d.pk for d in again)]
    assert later.previous == earlier and earlier.previous is None
    assert later.previous_info["demand_ids"] == [d.pk for d in first]
    assert later.previous_info["n_messages"] == 3 and later.previous_info["start"].startswith("2019-03-01")


def test_the_page_says_when_an_issue_was_seen_before(world, client):
    from lianxin.analysis.hotspots import hotspots_refresh

    _old(world, datetime(2019, 3, 1), "4")
    _old(world, datetime(2019, 10, 1), "5")
    run = hotspots_refresh(days=365, now=timezone.make_aware(datetime(2019, 12, 31)))
    client.force_login(world["supervisor"])
    page = client.get(reverse("analysis:hotspots"), {"run": run.pk}).content.decode()
    assert "曾于 2019-03-01 – 2019-03-03 出现（3 条），此为复发" in page


def test_a_window_outside_the_offer_falls_back_and_cadres_cannot_start_one(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world["cadre"])
    assert client.post(reverse("analysis:hotspots_refresh"), {"days": "365"}).status_code == 403
    client.force_login(world["operator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analysis:hotspots_refresh"), {"days": "7", "end": "not a day"})
    run = HotIssueRun.objects.get()
    assert (run.window_end - run.window_start).days == 90
    assert run.window_end >= timezone.now() - timedelta(minutes=5)  # a bad day: up to now


def test_a_run_still_mining_is_shown_as_pending(world, client):
    from lianxin.analysis.hotspots import hotspots_run_start

    run = hotspots_run_start(days=30, end=timezone.now(), actor=world["operator"])
    client.force_login(world["operator"])
    page = client.get(reverse("analysis:hotspots"), {"run": run.pk}).content.decode()
    assert 'id="run-pending"' in page and "正在分析" in page


def test_a_chosen_window_is_queued_with_the_run_and_mined_once_however_often_it_is_delivered(world, client):
    """The run and its outbox row commit together (a worker that dies is replaced by the reconciler's
    re-delivery); a second delivery of a mined run changes nothing."""
    from lianxin.analysis.hotspots import RUN_TASK, hotspots_run
    from lianxin.analysis.models import HotIssue, RunState
    from lianxin.core.models import OutboxItem

    client.force_login(world["operator"])
    client.post(reverse("analysis:hotspots_refresh"), {"days": "30"})  # no commit hook run: not mined yet
    run = HotIssueRun.objects.get()
    assert run.state == RunState.RUNNING
    assert OutboxItem.objects.filter(task=RUN_TASK, key=f"hot-run:{run.pk}").exists()
    hotspots_run(run_id=run.pk)
    run.refresh_from_db()
    first = (run.state, run.finished_at, HotIssue.objects.filter(run=run).count())
    hotspots_run(run_id=run.pk)  # delivered again
    run.refresh_from_db()
    assert run.state == RunState.DONE and (run.state, run.finished_at, HotIssue.objects.count()) == first
