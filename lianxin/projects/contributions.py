"""What the 民生实事 ledger adds to evaluation (registered in `ProjectsConfig.ready`): two measures and
the report section 办实事. Default weight 0: the figures show on the scorecards, and an admin gives them
a weight (a `ScoreWeight` row with the measure's code) once a region has agreed how much they count.

- `projects_on_time` 办实事按时完成率 (rate): projects of the subject completed (验收通过) in the period
  with no milestone late (every milestone done by its date, none red-carded) ÷ projects completed in the
  period. A cadre's projects are those they are responsible for; a unit's those it is responsible for.
- `projects_overdue` 办实事逾期节点 (count): milestones of the subject's projects red-carded in the period.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, time

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
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
    measure_register,
    report_section_register,
)
from lianxin.projects.models import Milestone, Project, Status

MODULE = "projects"


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end, time.max), tz),
    )


def _by_subject(subjects: Sequence[Subject]) -> tuple[dict[int, int], dict[int, int]]:
    cadres = {s.key: s.key for s in subjects if s.kind == "cadre"}
    units = {s.key: s.key for s in subjects if s.kind == "unit"}
    return cadres, units


def _late_milestone() -> Exists:
    return Exists(
        Milestone.objects.filter(project_id=OuterRef("pk")).filter(
            Q(overdue_marked_at__isnull=False) | Q(done_on__gt=F("due"))
        )
    )


def on_time_counts(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _bounds(start, end)
    cadres, units = _by_subject(subjects)
    done = Project.objects.filter(status=Status.COMPLETED, finished_at__range=(lo, hi)).annotate(
        late=_late_milestone()
    )
    out: Counts = {}
    for field, keys in (("cadre_id", cadres), ("unit_id", units)):
        if not keys:
            continue
        rows = (
            done.filter(**{f"{field}__in": list(keys)})
            .values(field)
            .annotate(n=Count("pk"), ok=Count("pk", filter=Q(late=False)))
        )
        for r in rows:
            out[r[field]] = (r["ok"], r["n"])
    return out


def overdue_counts(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _bounds(start, end)
    cadres, units = _by_subject(subjects)
    marked = Milestone.objects.filter(overdue_marked_at__range=(lo, hi))
    out: Counts = {}
    for field, keys in (("project__cadre_id", cadres), ("project__unit_id", units)):
        if not keys:
            continue
        for r in marked.filter(**{f"{field}__in": list(keys)}).values(field).annotate(n=Count("pk")):
            out[r[field]] = (r["n"], r["n"])
    return out


@functools.cache
def _list_url() -> str:
    return reverse("projects:list")  # once: a league asks for thousands of records addresses


def records_url(subject: Subject, start: date, end: date) -> str:
    key = "cadre" if subject.kind == "cadre" else "unit"
    return f"{_list_url()}?{key}={subject.key}"


def projects_section(cadre: object, start: date, end: date) -> ReportSection | None:
    """办实事: the cadre's projects open at some time in the period, with milestones, red cards and the
    acceptance's satisfaction; None when the cadre has none."""
    lo, hi = _bounds(start, end)
    cadre_id = getattr(cadre, "pk", None)
    projects = list(
        Project.objects.filter(cadre_id=cadre_id, created_at__lte=hi)
        .exclude(status=Status.DRAFT)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=lo))
        .select_related("acceptance")
        .annotate(
            m_total=Count("milestones", distinct=True),
            m_done=Count("milestones", filter=Q(milestones__done_on__isnull=False), distinct=True),
            m_overdue=Count(
                "milestones", filter=Q(milestones__overdue_marked_at__isnull=False), distinct=True
            ),
        )
        .order_by("created_at", "pk")
    )
    if not projects:
        return None
    subject = Subject("cadre", cadre_id or 0)
    on_time = on_time_counts([subject], start, end).get(subject.key, (0, 0))
    overdue = overdue_counts([subject], start, end).get(subject.key, (0, 0))[0]
    completed = on_time[1]
    rows = []
    for p in projects:
        acceptance = getattr(p, "acceptance", None)
        rating = (
            _("%(avg)s 分（%(n)d 人）") % {"avg": acceptance.average, "n": acceptance.ratings}
            if acceptance is not None and acceptance.average is not None
            else "—"
        )
        rows.append(
            [p.title, str(p.get_status_display()), f"{p.m_done}/{p.m_total}", str(p.m_overdue), rating]
        )
    url = records_url(subject, start, end)
    rate = f"{on_time[0] / completed:.1%}（{on_time[0]}/{completed}）" if completed else "—"
    return ReportSection(
        key="projects",
        title=_("办实事"),
        paragraphs=[
            _(
                "本期负责民生实事项目 %(n)d 个，完成验收 %(done)d 个，其中按期完成 %(ok)d 个；节点逾期（红牌）%(late)d 次。"
            )
            % {"n": len(projects), "done": completed, "ok": on_time[0], "late": overdue}
        ],
        figures=[
            ReportFigure(
                _("负责项目"), str(len(projects)), url, _("本期内处于实施、待验收或已结束的本人负责项目")
            ),
            ReportFigure(
                _("按时完成率"), rate, url, _("本期验收通过且所有节点按期完成的项目 ÷ 本期验收通过的项目")
            ),
            ReportFigure(_("逾期节点"), str(overdue), url, _("本期被标记红牌的项目节点数")),
        ],
        table_header=[_("项目"), _("状态"), _("节点完成"), _("逾期节点"), _("满意度")],
        table_rows=rows,
    )


def register() -> None:
    measure_register(
        ModuleMeasure(
            code="projects_on_time",
            label=gettext_lazy("办实事按时完成率"),
            module=MODULE,
            kind="rate",
            weight=0.0,
            compute=on_time_counts,
            records=records_url,
            definition=gettext_lazy("本期验收通过且所有节点按期完成的项目 ÷ 本期验收通过的项目"),
        )
    )
    measure_register(
        ModuleMeasure(
            code="projects_overdue",
            label=gettext_lazy("办实事逾期节点"),
            module=MODULE,
            kind="count",
            compute=overdue_counts,
            records=records_url,
            definition=gettext_lazy("本期被标记红牌（逾期未完成）的项目节点数"),
        )
    )
    report_section_register(
        ReportSectionSource(key="projects", title=gettext_lazy("办实事"), build=projects_section, order=60)
    )
