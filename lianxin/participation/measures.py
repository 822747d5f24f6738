"""Participation's measures for the scorecards and its sections of the cadre's report, registered
through `lianxin.core.contributions` (see `apps.py`). The rates carry weight 0 by default, so the
existing composite scores do not move until an admin gives them a weight (a `ScoreWeight` row).

A cadre's figures are about the objects they organised; a unit's about those of the unit; the
happiness index about the cadre's (or unit's) area subtree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.contributions import (
    Counts,
    ModuleMeasure,
    ReportFigure,
    ReportSection,
    ReportSectionSource,
    Subject,
)
from lianxin.participation import conf, happiness
from lianxin.participation.models import (
    Comment,
    Consultation,
    ConsultationStatus,
    Event,
    EventStatus,
    SignUp,
    SignUpStatus,
    SurveyResponse,
)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _owner(subjects: Sequence[Subject]) -> tuple[str, list[int]]:
    kinds = {s.kind for s in subjects}
    field = "organiser_id" if kinds == {"cadre"} else "unit_id"
    return field, [s.key for s in subjects]


def _grouped(qs, field: str, keys: list[int], num: Q, den: Q | None = None) -> Counts:
    rows = (
        qs.filter(**{f"{field}__in": keys})
        .values(field)
        .annotate(n=Count("id", filter=num), d=Count("id", filter=den or Q()))
    )
    return {r[field]: (r["n"], r["d"]) for r in rows if r["d"] or r["n"]}


def consultations_held(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Consultations opened for comment in the period."""
    lo, hi = _bounds(start, end)
    field, keys = _owner(subjects)
    qs = Consultation.objects.exclude(status=ConsultationStatus.DRAFT).filter(
        opens_at__gte=lo, opens_at__lt=hi
    )
    return _grouped(qs, field, keys, Q())


def consultation_comments(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Comments citizens left in the period on the subject's consultations (participation)."""
    lo, hi = _bounds(start, end)
    field, keys = _owner(subjects)
    rows = (
        Comment.objects.filter(created_at__gte=lo, created_at__lt=hi, **{f"consultation__{field}__in": keys})
        .values(f"consultation__{field}")
        .annotate(n=Count("id"))
    )
    return {r[f"consultation__{field}"]: (r["n"], r["n"]) for r in rows}


def feedback_on_time(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Consultations whose feedback fell due in the period: published by the due day ÷ due."""
    field, keys = _owner(subjects)
    qs = Consultation.objects.filter(feedback_due__gte=start, feedback_due__lte=end).exclude(
        status=ConsultationStatus.DRAFT
    )
    rows = qs.filter(**{f"{field}__in": keys}).values(field, "feedback_due", "feedback_published_at")
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        acc = out[r[field]]
        acc[1] += 1
        published = r["feedback_published_at"]
        if published is not None and timezone.localtime(published).date() <= r["feedback_due"]:
            acc[0] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def adoption_rate(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Comments answered in feedback published in the period: adopted or partly adopted ÷ answered."""
    lo, hi = _bounds(start, end)
    field, keys = _owner(subjects)
    rows = (
        Comment.objects.filter(
            feedback__isnull=False,
            consultation__feedback_published_at__gte=lo,
            consultation__feedback_published_at__lt=hi,
            **{f"consultation__{field}__in": keys},
        )
        .values(f"consultation__{field}")
        .annotate(n=Count("id", filter=Q(feedback__outcome__in=["adopted", "partly"])), d=Count("id"))
    )
    return {r[f"consultation__{field}"]: (r["n"], r["d"]) for r in rows}


def events_held(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Events (meetings, 议事会, hearings, volunteer activities) that started in the period, not cancelled."""
    lo, hi = _bounds(start, end)
    field, keys = _owner(subjects)
    qs = Event.objects.exclude(status=EventStatus.CANCELLED).filter(starts_at__gte=lo, starts_at__lt=hi)
    return _grouped(qs, field, keys, Q())


def event_attendance(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Confirmed sign-ups of events held in the period: checked in ÷ confirmed."""
    lo, hi = _bounds(start, end)
    field, keys = _owner(subjects)
    rows = (
        SignUp.objects.filter(
            status=SignUpStatus.CONFIRMED,
            event__starts_at__gte=lo,
            event__starts_at__lt=hi,
            **{f"event__{field}__in": keys},
        )
        .exclude(event__status=EventStatus.CANCELLED)
        .values(f"event__{field}")
        .annotate(n=Count("id", filter=Q(checked_in_at__isnull=False)), d=Count("id"))
    )
    return {r[f"event__{field}"]: (r["n"], r["d"]) for r in rows}


def _area_index(paths: dict[int, str], start: date, end: date) -> dict[int, happiness.IndexFigure]:
    """The happiness index over each subject's area subtree, responses dated in the period."""
    from lianxin.participation.selectors import area_sums

    lo, hi = _bounds(start, end)
    live = {k: p for k, p in paths.items() if p}
    if not live:
        return {}
    q = Q()
    covering: list[str] = []  # the paths not inside another's subtree: a few filters for a whole league
    for p in sorted(set(live.values())):
        if not (covering and (p == covering[-1] or p.startswith(covering[-1] + "/"))):
            covering.append(p)
    for p in covering:
        q |= Q(area__path=p) | Q(area__path__startswith=p + "/")
    sums = area_sums(SurveyResponse.objects.filter(q, at__gte=lo, at__lt=hi))
    out = {}
    for key, p in live.items():
        acc = happiness.Sums()
        for path, group in sums.items():
            if path == p or path.startswith(p + "/"):
                acc.add(group)
        if acc.n:
            out[key] = happiness.figure_of(key, acc, min_sample=conf.MIN_SAMPLE)
    return out


def happiness_index(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """The happiness index of the subject's area in the period, as a rate: index ÷ 100 (in 0.01 steps);
    left out below the minimum sample."""
    figures = _area_index({s.key: s.area_path for s in subjects}, start, end)
    return {
        k: (round(f.index * 100), 10_000) for k, f in figures.items() if f.published and f.index is not None
    }


def happiness_change(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    """Points the index moved against the period of the same length before (rounded; shown only)."""
    days = (end - start).days + 1
    now = _area_index({s.key: s.area_path for s in subjects}, start, end)
    before = _area_index(
        {s.key: s.area_path for s in subjects}, start - timedelta(days=days), start - timedelta(days=1)
    )
    out = {}
    for k, f in now.items():
        b = before.get(k)
        if f.published and b is not None and b.published and f.index is not None and b.index is not None:
            out[k] = (round(f.index - b.index), 1)
    return out


def _records(path: str):
    def records(subject: Subject, start: date, end: date) -> str:
        who = f"cadre={subject.key}" if subject.kind == "cadre" else f"unit={subject.key}"
        return f"/participation/{path}?{who}&start={start}&end={end}"

    return records


MEASURES = [
    ModuleMeasure(
        code="consultations_held",
        label=gettext_lazy("征求意见次数"),
        module="participation",
        kind="count",
        compute=consultations_held,
        records=_records("workbench/"),
        definition=gettext_lazy("期内发布征求意见的次数"),
    ),
    ModuleMeasure(
        code="consultation_comments",
        label=gettext_lazy("群众意见数"),
        module="participation",
        kind="count",
        compute=consultation_comments,
        records=_records("workbench/"),
        definition=gettext_lazy("期内群众对所发起征求意见的留言数"),
    ),
    ModuleMeasure(
        code="feedback_on_time_rate",
        label=gettext_lazy("意见采纳按时反馈率"),
        module="participation",
        compute=feedback_on_time,
        records=_records("workbench/"),
        definition=gettext_lazy("期内到期的征求意见中按期公布采纳情况的比例"),
    ),
    ModuleMeasure(
        code="adoption_rate",
        label=gettext_lazy("意见采纳率"),
        module="participation",
        compute=adoption_rate,
        records=_records("workbench/"),
        definition=gettext_lazy("已答复意见中采纳和部分采纳的比例"),
    ),
    ModuleMeasure(
        code="events_held",
        label=gettext_lazy("组织群众活动次数"),
        module="participation",
        kind="count",
        compute=events_held,
        records=_records("workbench/"),
        definition=gettext_lazy("期内举行的群众会、议事会、听证会和志愿活动"),
    ),
    ModuleMeasure(
        code="event_attendance_rate",
        label=gettext_lazy("活动到场率"),
        module="participation",
        compute=event_attendance,
        records=_records("workbench/"),
        definition=gettext_lazy("正式报名者中签到的比例"),
    ),
    ModuleMeasure(
        code="happiness_index",
        label=gettext_lazy("幸福指数"),
        module="participation",
        compute=happiness_index,
        records=_records("happiness/"),
        definition=gettext_lazy("辖区幸福指数÷100（样本不足不计）"),
    ),
    ModuleMeasure(
        code="happiness_change",
        label=gettext_lazy("幸福指数变化(分)"),
        module="participation",
        kind="count",
        compute=happiness_change,
        records=_records("happiness/"),
        definition=gettext_lazy("较上一同长周期的变化"),
    ),
]


def _cadre_subject(cadre) -> Subject:
    area = getattr(cadre, "area_scope", None)
    return Subject(
        kind="cadre",
        key=cadre.pk,
        unit_id=cadre.unit_id,
        area_id=getattr(area, "pk", None),
        area_path=area.path if area else "",
    )


def _one(fn, subject: Subject, start: date, end: date) -> tuple[int, int]:
    return fn([subject], start, end).get(subject.key, (0, 0))


def _pct(n: int, d: int) -> str:
    return f"{n / d * 100:.1f}%" if d else "—"


def democracy_section(cadre, start: date, end: date) -> ReportSection | None:
    """发扬民主: consultations, comments, adoption feedback."""
    s = _cadre_subject(cadre)
    held, _d = _one(consultations_held, s, start, end)
    comments, _d = _one(consultation_comments, s, start, end)
    on_time = _one(feedback_on_time, s, start, end)
    adopted = _one(adoption_rate, s, start, end)
    if not (held or comments or on_time[1] or adopted[1]):
        return None
    lo, hi = _bounds(start, end)
    rows = [
        [
            c.title,
            timezone.localtime(c.opens_at).strftime("%Y-%m-%d"),
            str(c.comment_count),
            c.get_status_display(),
        ]
        for c in Consultation.objects.filter(organiser=cadre, opens_at__gte=lo, opens_at__lt=hi).exclude(
            status=ConsultationStatus.DRAFT
        )[:10]
    ]
    url = _records("workbench/")(s, start, end)
    return ReportSection(
        key="participation_democracy",
        title=_("发扬民主（征求意见）"),
        paragraphs=[
            _(
                "本期发布征求意见 %(n)d 次，收到群众意见 %(c)d 条；采纳和部分采纳 %(a)d 条，占已答复意见的 %(r)s；"
                "按期公布意见采纳情况 %(t)d/%(td)d。"
            )
            % {
                "n": held,
                "c": comments,
                "a": adopted[0],
                "r": _pct(*adopted),
                "t": on_time[0],
                "td": on_time[1],
            }
        ],
        figures=[
            ReportFigure(_("征求意见次数"), str(held), url),
            ReportFigure(_("意见采纳率"), _pct(*adopted), url),
            ReportFigure(_("按时反馈率"), _pct(*on_time), url),
        ],
        table_header=[_("征求意见"), _("发布日期"), _("意见数"), _("状态")] if rows else [],
        table_rows=rows,
    )


def organise_section(cadre, start: date, end: date) -> ReportSection | None:
    """组织群众: the events the cadre organised and their attendance (part of the contact work)."""
    s = _cadre_subject(cadre)
    held, _d = _one(events_held, s, start, end)
    if not held:
        return None
    att = _one(event_attendance, s, start, end)
    lo, hi = _bounds(start, end)
    events = (
        Event.objects.filter(organiser=cadre, starts_at__gte=lo, starts_at__lt=hi)
        .exclude(status=EventStatus.CANCELLED)
        .annotate(attended=Count("signups", filter=Q(signups__checked_in_at__isnull=False)))[:10]
    )
    url = _records("workbench/")(s, start, end)
    return ReportSection(
        key="participation_organise",
        title=_("组织群众"),
        paragraphs=[
            _(
                "本期组织群众会、议事会、听证会和志愿服务等活动 %(n)d 场，正式报名 %(d)d 人次，签到 %(a)d 人次（到场率 %(r)s）。"
            )
            % {"n": held, "d": att[1], "a": att[0], "r": _pct(*att)}
        ],
        figures=[ReportFigure(_("组织活动"), str(held), url), ReportFigure(_("到场率"), _pct(*att), url)],
        table_header=[_("活动"), _("类型"), _("时间"), _("地点"), _("签到")],
        table_rows=[
            [
                e.title,
                e.get_kind_display(),
                timezone.localtime(e.starts_at).strftime("%Y-%m-%d"),
                e.place,
                str(e.attended),
            ]
            for e in events
        ],
    )


def happiness_section(cadre, start: date, end: date) -> ReportSection | None:
    """幸福指数 of the cadre's area in the period and its change."""
    s = _cadre_subject(cadre)
    if not s.area_path:
        return None
    fig = _area_index({s.key: s.area_path}, start, end).get(s.key)
    if fig is None:
        return None
    url = _records("happiness/")(s, start, end)
    if not fig.published:
        text = _("本期辖区幸福指数调查回收 %(n)d 份，少于最低样本 %(m)d 份，不发布指数。") % {
            "n": fig.n,
            "m": conf.MIN_SAMPLE,
        }
        return ReportSection(key="participation_happiness", title=_("群众幸福指数"), paragraphs=[text])
    change = _one(happiness_change, s, start, end)
    text = _("本期辖区幸福指数 %(i).1f（95%%置信区间 %(lo).1f–%(hi).1f，样本 %(n)d 份）。") % {
        "i": fig.index,
        "lo": fig.low,
        "hi": fig.high,
        "n": fig.n,
    }
    if change[1]:
        text += _("较上期变化 %(c)+d 分。") % {"c": change[0]}
    return ReportSection(
        key="participation_happiness",
        title=_("群众幸福指数"),
        paragraphs=[text],
        figures=[ReportFigure(_("幸福指数"), f"{fig.index:.1f}", url)],
        table_header=[_("维度"), _("得分")],
        table_rows=[[str(_dimension_label(d)), f"{v:.1f}"] for d, v in sorted(fig.dimensions.items())],
    )


def _dimension_label(code: str) -> object:
    from lianxin.participation.models import Dimension

    return dict(Dimension.choices).get(code, code)


SECTIONS = [
    ReportSectionSource(
        key="participation_organise", title=gettext_lazy("组织群众"), build=organise_section, order=25
    ),
    ReportSectionSource(
        key="participation_democracy", title=gettext_lazy("发扬民主"), build=democracy_section, order=45
    ),
    ReportSectionSource(
        key="participation_happiness", title=gettext_lazy("群众幸福指数"), build=happiness_section, order=46
    ),
]
