"""Polls and 民生实事 votes: candidates, one vote per verified identity, results with turnout, and the
chosen candidates handed to the 民生实事 ledger (`projects.services.project_create`, through `ports`).

Weighting: every vote weighs 1, whether the electorate is the citizens of the area (any verified
identity) or named representatives (议事代表, only those listed on the poll). A vote may name up to
`max_choices` candidates; each named candidate gets the vote's weight. The `winners` candidates with
most votes are chosen; a tie is broken by the candidate listed first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from lianxin.accounts.models import User, Viewer
from lianxin.core.errors import Conflict, PermissionDenied
from lianxin.org.models import Area, Unit
from lianxin.participation import ports
from lianxin.participation.models import Candidate, Electorate, Poll, PollStatus, Subject, Vote
from lianxin.participation.services.common import (
    bad,
    check,
    clean_text,
    now_or,
    record,
    require_creator,
    voice_of,
    window,
)
from lianxin.participation.services.consultations import PURPOSE
from lianxin.participation.transitions import POLL


def poll_create(
    *,
    actor: User,
    title: str,
    area: Area,
    opens_at: datetime,
    closes_at: datetime,
    candidates: Sequence[dict[str, Any]],
    description: str = "",
    electorate: str = Electorate.CITIZENS,
    representatives: Sequence[User] = (),
    electorate_size: int | None = None,
    max_choices: int = 1,
    winners: int = 1,
    unit: Unit | None = None,
    now: datetime | None = None,
) -> Poll:
    require_creator(actor)
    title = clean_text(title, field="title", limit=200)
    description = clean_text(description, field="description", limit=5000, required=False)
    if electorate not in Electorate.values:
        raise bad("electorate", _("投票人应为 %(v)s 之一") % {"v": ", ".join(Electorate.values)})
    if area is None:
        raise bad("area", _("请选择区域"), "required")
    window(opens_at, closes_at)
    if not 2 <= len(candidates) <= 50:
        raise bad("candidates", _("候选项目需要 2 到 50 个"))
    if not 1 <= max_choices <= len(candidates):
        raise bad("max_choices", _("每人最多选择数应在 1 到候选项目数之间"))
    if not 1 <= winners <= len(candidates):
        raise bad("winners", _("入选项目数应在 1 到候选项目数之间"))
    if electorate == Electorate.REPRESENTATIVES and not representatives:
        raise bad("representatives", _("代表投票需要列出代表"), "required")
    rows = []
    for i, cand in enumerate(candidates):
        budget = cand.get("budget")
        try:
            budget = None if budget in (None, "") else Decimal(str(budget))
        except InvalidOperation:
            raise bad(f"candidates[{i}].budget", _("预算应为数字")) from None
        if budget is not None and not Decimal(0) <= budget < Decimal(10**10):
            raise bad(f"candidates[{i}].budget", _("预算超出范围"))
        rows.append(
            Candidate(
                title=clean_text(cand.get("title"), field=f"candidates[{i}].title", limit=200),
                description=clean_text(
                    cand.get("description"), field=f"candidates[{i}].description", limit=2000, required=False
                ),
                budget=budget,
            )
        )
    moment = now_or(now)
    with transaction.atomic():
        poll = Poll.objects.create(
            title=title,
            description=description,
            area=area,
            unit=unit or actor.unit,
            organiser=actor,
            electorate=electorate,
            electorate_size=len(representatives)
            if electorate == Electorate.REPRESENTATIVES
            else electorate_size,
            max_choices=max_choices,
            winners=winners,
            opens_at=opens_at,
            closes_at=closes_at,
            created_at=moment,
        )
        for r in rows:
            r.poll = poll
        Candidate.objects.bulk_create(rows)
        if representatives:
            poll.representatives.set(representatives)
        record(Subject.POLL, poll, "create", actor, now=moment)
    return poll


def _step(
    poll: Poll, actor: Viewer, action: str, *, system: bool = False, now: datetime | None = None
) -> Poll:
    with transaction.atomic():
        p = Poll.objects.select_for_update().get(pk=poll.pk)
        row = check(POLL, action, p, actor, system=system)
        p.status = row.target_for(p.status)
        p.save(update_fields=["status"])
        record(Subject.POLL, p, action, actor, label=_("系统") if system else "", now=now)
    return p


def poll_open(*, poll: Poll, actor: User, now: datetime | None = None) -> Poll:
    return _step(poll, actor, "open", now=now)


def poll_close(
    *, poll: Poll, actor: Viewer = None, system: bool = False, now: datetime | None = None
) -> Poll:
    return _step(poll, actor, "close", system=system, now=now)


def _open_for_votes(poll: Poll, moment: datetime) -> None:
    if poll.status != PollStatus.OPEN or moment >= poll.closes_at:
        raise Conflict(_("投票已截止"), code="poll_closed")
    if moment < poll.opens_at:
        raise Conflict(_("投票尚未开始"), code="not_open")


def poll_vote(
    *,
    poll: Poll,
    actor: Viewer,
    candidates: Sequence[int],
    phone: str = "",
    code: str = "",
    now: datetime | None = None,
) -> Vote:
    """One vote per verified identity and poll (Conflict "already_voted"), within the period
    (Conflict "poll_closed"), for 1…max_choices distinct candidates of this poll."""
    moment = now_or(now)
    _open_for_votes(poll, moment)
    ids = list(candidates)
    if len(set(ids)) != len(ids):
        raise bad("candidates", _("同一项目不能重复选择"))
    if not 1 <= len(ids) <= poll.max_choices:
        raise bad("candidates", _("请选择 1 到 %(n)d 个项目") % {"n": poll.max_choices})
    chosen = list(Candidate.objects.filter(poll=poll, pk__in=ids))
    if len(chosen) != len(ids):
        raise bad("candidates", _("所选项目不属于本次投票"))
    if poll.electorate == Electorate.REPRESENTATIVES and (
        actor is None or not actor.is_authenticated or not poll.representatives.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied(_("本次投票仅限代表参加"), code="not_representative")
    voice = voice_of(actor, phone=phone, code=code, purpose=PURPOSE)
    try:
        with transaction.atomic():
            p = Poll.objects.select_for_update().get(pk=poll.pk)
            _open_for_votes(p, moment)
            vote = Vote.objects.create(poll=p, identity=voice.identity, user=voice.user, weight=1, at=moment)
            vote.candidates.set(chosen)
            Candidate.objects.filter(pk__in=ids).update(votes=F("votes") + vote.weight)
            Poll.objects.filter(pk=p.pk).update(vote_count=F("vote_count") + 1)
            record(Subject.POLL, p, "vote", actor, label=voice.display, now=moment)
    except IntegrityError:
        raise Conflict(_("您已经投过票了，每人只能投一次"), code="already_voted") from None
    return vote


def poll_publish(*, poll: Poll, actor: User, now: datetime | None = None) -> Poll:
    """Publish the results: the `winners` candidates with most votes are chosen and become 民生实事
    projects (when the projects ledger is installed; `poll_projects_create` is idempotent)."""
    moment = now_or(now)
    with transaction.atomic():
        p = Poll.objects.select_for_update().get(pk=poll.pk)
        row = check(POLL, "publish", p, actor)
        ranked = sorted(p.candidates.all(), key=lambda c: (-c.votes, c.pk))
        winners = [c.pk for c in ranked[: p.winners] if c.votes > 0]
        Candidate.objects.filter(pk__in=winners).update(chosen=True)
        p.status = row.target_for(p.status)
        p.published_at = moment
        p.save(update_fields=["status", "published_at"])
        record(
            Subject.POLL,
            p,
            "publish",
            actor,
            now=moment,
            data={"chosen": winners, "votes": {c.pk: c.votes for c in ranked}},
        )
        poll_projects_create(poll=p, actor=actor)
    return p


def poll_projects_create(*, poll: Poll, actor: User) -> list[int]:
    """Create the 民生实事 project of each chosen candidate that has none yet; returns the new ids."""
    made = []
    with transaction.atomic():
        for cand in Candidate.objects.select_for_update().filter(
            poll=poll, chosen=True, project_id__isnull=True
        ):
            project = ports.project_create(
                actor=actor,
                title=cand.title,
                goal=cand.description or cand.title,
                area=poll.area,
                source="poll",
                source_ref=f"poll:{poll.pk}:{cand.pk}",
                unit=poll.unit,
                cadre=poll.organiser,
                budget=cand.budget,
            )
            if project is None:
                break
            cand.project_id = project.pk
            cand.save(update_fields=["project_id"])
            record(Subject.POLL, poll, "project", actor, data={"candidate": cand.pk, "project": project.pk})
            made.append(project.pk)
    return made
