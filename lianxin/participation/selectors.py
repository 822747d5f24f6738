"""Reads of the participation app: public lists and details, staff lists, results, the happiness index,
statistics by area and the public board. What the public sees never carries personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from lianxin.accounts.models import Viewer
from lianxin.core.errors import NotFound
from lianxin.intel.pii import mask_pii
from lianxin.org.models import Area
from lianxin.participation import conf, happiness
from lianxin.participation.models import (
    Comment,
    CommentStatus,
    Consultation,
    ConsultationStatus,
    Event,
    EventStatus,
    Poll,
    PollStatus,
    SignUpStatus,
    Survey,
    SurveyResponse,
    SurveyStatus,
    TimelineEntry,
)
from lianxin.participation.services.common import may_manage

PUBLIC_CONSULTATION = ~Q(status=ConsultationStatus.DRAFT)
PUBLIC_POLL = ~Q(status=PollStatus.DRAFT)
PUBLIC_SURVEY = ~Q(status=SurveyStatus.DRAFT)


def _staff_q(user: Viewer) -> Q:
    """Objects a staff member manages (see `services.common.may_manage`)."""
    if user is None or not user.is_authenticated or not user.is_staff_member:
        return Q(pk__in=[])
    if user.has_role("supervisor", "admin"):
        return Q()
    q = Q(organiser_id=user.pk)
    if user.unit_id:
        q |= Q(unit_id=user.unit_id)
    if user.area_scope is not None:
        q |= user.area_scope.subtree_q("area")
    return q


def visible(model: Any, user: Viewer, public: Q) -> QuerySet[Any]:
    return model.objects.filter(public | _staff_q(user)).select_related("area", "organiser")


def consultation_list(*, user: Viewer, area: Area | None = None) -> QuerySet[Consultation]:
    qs = visible(Consultation, user, PUBLIC_CONSULTATION)
    return qs.filter(area.subtree_q("area")) if area else qs


def consultation_get(*, user: Viewer, pk: int) -> Consultation:
    c = consultation_list(user=user).filter(pk=pk).first()
    if c is None:
        raise NotFound("征求意见不存在")
    return c


def comment_page(*, consultation: Consultation, page: int = 1, size: int = 20) -> list[Comment]:
    """One page of the comments, newest first (keyed on the (consultation, created_at, id) index)."""
    offset = (page - 1) * size
    return list(
        Comment.objects.filter(consultation=consultation)
        .select_related("feedback")
        .order_by("-created_at", "-id")[offset : offset + size]
    )


def comment_public(comment: Comment) -> dict[str, Any]:
    """A comment as the public sees it: personal data in the text masked, the author masked, a hidden
    comment replaced by the reason it was hidden."""
    hidden = comment.status == CommentStatus.HIDDEN
    fb = comment.feedback
    return {
        "id": comment.pk,
        "author": comment.display,
        "body": "" if hidden else mask_pii(comment.body),
        "hidden": hidden,
        "hidden_reason": comment.hidden_reason if hidden else "",
        "support_count": comment.support_count,
        "created_at": comment.created_at,
        "feedback": {"outcome": fb.outcome, "reason": fb.reason} if fb else None,
    }


def question_results(consultation: Consultation) -> list[dict[str, Any]]:
    out = []
    for q in consultation.questions.prefetch_related("answers"):
        counts = [0] * len(q.options)
        for a in q.answers.all():
            for i in a.choices:
                if 0 <= i < len(counts):
                    counts[i] += 1
        out.append(
            {"id": q.pk, "text": q.text, "multiple": q.multiple, "options": list(zip(q.options, counts))}
        )
    return out


def feedback_counts(consultation: Consultation) -> dict[str, int]:
    rows = (
        Comment.objects.filter(consultation=consultation, feedback__isnull=False)
        .values("feedback__outcome")
        .annotate(n=Count("id"))
    )
    return {r["feedback__outcome"]: r["n"] for r in rows}


def timeline(subject: str, object_id: int) -> QuerySet[TimelineEntry]:
    return TimelineEntry.objects.filter(subject=subject, object_id=object_id).select_related("actor")


def poll_list(*, user: Viewer, area: Area | None = None) -> QuerySet[Poll]:
    qs = visible(Poll, user, PUBLIC_POLL)
    return qs.filter(area.subtree_q("area")) if area else qs


def poll_get(*, user: Viewer, pk: int) -> Poll:
    p = poll_list(user=user).filter(pk=pk).first()
    if p is None:
        raise NotFound("投票不存在")
    return p


def poll_results(poll: Poll, *, user: Viewer = None) -> dict[str, Any]:
    """Votes per candidate with shares and turnout. Counts are public only once published (staff who
    manage the poll see them at any time)."""
    shown = poll.status == PollStatus.PUBLISHED or may_manage(user, poll)
    candidates = list(poll.candidates.all())
    total = poll.vote_count
    return {
        "published": poll.status == PollStatus.PUBLISHED,
        "votes": total if shown else None,
        "electorate": poll.electorate_size,
        "turnout": (total / poll.electorate_size) if shown and poll.electorate_size else None,
        "candidates": [
            {
                "id": c.pk,
                "title": c.title,
                "budget": c.budget,
                "votes": c.votes if shown else None,
                "share": (c.votes / total) if shown and total else None,
                "chosen": c.chosen,
                "project_id": c.project_id,
            }
            for c in candidates
        ],
    }


def event_list(*, user: Viewer, area: Area | None = None) -> QuerySet[Event]:
    qs = Event.objects.select_related("area", "organiser")
    return qs.filter(area.subtree_q("area")) if area else qs


def event_get(*, pk: int) -> Event:
    e = Event.objects.select_related("area", "organiser").filter(pk=pk).first()
    if e is None:
        raise NotFound("活动不存在")
    return e


def event_counts(event: Event) -> dict[str, int]:
    rows = event.signups.values("status").annotate(n=Count("id"))
    out = {s: 0 for s in SignUpStatus.values}
    out.update({r["status"]: r["n"] for r in rows})
    out["checked_in"] = event.signups.filter(checked_in_at__isnull=False).count()
    return out


def survey_list(*, user: Viewer, area: Area | None = None) -> QuerySet[Survey]:
    qs = visible(Survey, user, PUBLIC_SURVEY)
    return qs.filter(area.subtree_q("area")) if area else qs


def survey_get(*, user: Viewer, pk: int) -> Survey:
    s = survey_list(user=user).filter(pk=pk).first()
    if s is None:
        raise NotFound("调查不存在")
    return s


def survey_weights(survey: Survey) -> dict[str, float]:
    return dict(survey.weights or conf.WEIGHTS)


@dataclass
class AreaIndex:
    area: Area
    figure: happiness.IndexFigure


def area_sums(responses: QuerySet[SurveyResponse]) -> dict[str, happiness.Sums]:
    """Running sums of the responses per area path, in one GROUP BY query (the index and the
    dimension scores summed in SQL, so 100,000 responses never load into Python)."""
    from django.db.models import FloatField, Sum
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast

    from lianxin.participation.models import Dimension

    dims = Dimension.values
    aggregates: dict[str, Any] = {
        "n": Count("id"),
        "s1": Sum("index"),
        "s2": Sum(F("index") * F("index")),
    }
    for i, d in enumerate(dims):
        value = Cast(KT(f"scores__{d}"), FloatField())
        aggregates[f"d{i}"] = Sum(value)
        aggregates[f"k{i}"] = Count(value)
    rows = responses.filter(index__isnull=False).values("area__path").annotate(**aggregates).order_by()
    out: dict[str, happiness.Sums] = {}
    for r in rows:
        out[r["area__path"]] = happiness.Sums(
            n=r["n"],
            s1=r["s1"] or 0.0,
            s2=r["s2"] or 0.0,
            dims={d: [r[f"d{i}"] or 0.0, r[f"k{i}"]] for i, d in enumerate(dims) if r[f"k{i}"]},
        )
    return out


def survey_index(
    *, survey: Survey, area: Area | None = None, min_sample: int | None = None
) -> dict[str, Any]:
    """The index of `area` (default: the survey's) and of each of its child areas (see `happiness`),
    rolled up from the sums per area of residence."""
    area = area or survey.area
    minimum = conf.MIN_SAMPLE if min_sample is None else min_sample
    children = list(Area.objects.filter(parent=area))
    sums = area_sums(SurveyResponse.objects.filter(survey=survey).filter(area.subtree_q("area")))
    total = happiness.Sums()
    per_child = {c.path: happiness.Sums() for c in children}
    for path, group in sums.items():
        total.add(group)
        for c in children:
            if path == c.path or path.startswith(c.path + "/"):
                per_child[c.path].add(group)
                break
    return {
        "area": area,
        "weights": survey_weights(survey),
        "min_sample": minimum,
        "total": happiness.figure_of("total", total, min_sample=minimum),
        "children": [
            AreaIndex(c, happiness.figure_of(c.path, per_child[c.path], min_sample=minimum)) for c in children
        ],
    }


def happiness_trend(*, area: Area, until: date | None = None) -> list[tuple[Survey, happiness.IndexFigure]]:
    """The index of `area` in each survey that covers it (its own or an enclosing area's), by period."""
    surveys = Survey.objects.filter(status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]).select_related(
        "area"
    )
    if until:
        surveys = surveys.filter(period_start__lte=until)
    out = []
    for s in surveys.order_by("period_start", "id"):
        if s.area.contains(area):
            out.append((s, survey_index(survey=s, area=area)["total"]))
    return out


def statistics_by_area(*, parent: Area) -> list[dict[str, Any]]:
    """Per child area of `parent`: consultations held, comments, feedback published, events, attendance."""
    out = []
    for child in Area.objects.filter(parent=parent):
        sub = child.subtree_q("area")
        cons = Consultation.objects.filter(sub).exclude(status=ConsultationStatus.DRAFT)
        events = Event.objects.filter(sub).exclude(status=EventStatus.CANCELLED)
        agg = cons.aggregate(
            n=Count("id"),
            fb=Count("id", filter=Q(status=ConsultationStatus.FEEDBACK)),
        )
        comments = Comment.objects.filter(consultation__in=cons).count()
        from lianxin.participation.models import SignUp

        signups = SignUp.objects.filter(event__in=events)
        out.append(
            {
                "area": child,
                "consultations": agg["n"],
                "comments": comments,
                "feedback_published": agg["fb"],
                "events": events.count(),
                "confirmed": signups.filter(status=SignUpStatus.CONFIRMED).count(),
                "attended": signups.filter(checked_in_at__isnull=False).count(),
            }
        )
    return out


def board(*, area: Area) -> dict[str, Any]:
    """The public board of one area: consultations and their feedback, poll results, events, and the
    area's demand figures (counts and rates only) for the last 90 days."""
    from datetime import timedelta

    from lianxin.demands.measures import measures_compute

    today = timezone.localdate()
    figures = measures_compute(start=today - timedelta(days=90), end=today, area=area)
    shown = ["received", "response_rate", "ontime_rate", "resolution_rate", "satisfaction_rate", "overdue"]
    return {
        "area": area,
        "consultations": list(consultation_list(user=None, area=area)[:20]),
        "polls": [
            (p, poll_results(p))
            for p in poll_list(user=None, area=area).filter(status=PollStatus.PUBLISHED)[:10]
        ],
        "events": list(event_list(user=None, area=area).exclude(status=EventStatus.CANCELLED)[:20]),
        "demands": [figures[c] for c in shown if c in figures],
        "period": (today - timedelta(days=90), today),
    }
