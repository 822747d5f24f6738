"""What the assistance ledger adds to evaluation (registered in `AssistanceConfig.ready`): three measures
and the report section 帮扶. Default weight 0 (shown, not scored, until an admin sets a `ScoreWeight`).

- `assistance_households` 结对帮扶户数 (count): the subject's plans open at some time in the period
  (started by its last day, not lifted before its first) — the households covered.
- `assistance_lifted` 帮扶脱困率 (rate): of those plans, the ones assessed 脱困 in the period ÷ the plans
  open in the period.
- `assistance_follow_up_on_time` 帮扶按时回访率 (rate): follow-ups that were due in the period and done
  on or before their date ÷ follow-ups due in the period, where a follow-up still missing (an active plan
  whose date has passed without one) counts in the denominator: skipping a visit never helps the rate.

A cadre's plans are those they are paired with; a unit's, those of its cadres.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.assistance.models import FollowUp, Plan, PlanStatus
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
from lianxin.core.masking import mask_name

MODULE = "assistance"


def _fields(subjects: Sequence[Subject], cadre_field: str) -> list[tuple[str, list[int]]]:
    """(field, keys) pairs: cadres by the plan's cadre, units by that cadre's unit."""
    cadres = [s.key for s in subjects if s.kind == "cadre"]
    units = [s.key for s in subjects if s.kind == "unit"]
    out = []
    if cadres:
        out.append((f"{cadre_field}_id", cadres))
    if units:
        out.append((f"{cadre_field}__unit_id", units))
    return out


def _open_in(start: date, end: date) -> Q:
    return Q(start__lte=end) & (Q(status=PlanStatus.ACTIVE) | Q(outcome_on__gte=start))


def households_counts(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    out: Counts = {}
    plans = Plan.objects.filter(_open_in(start, end))
    for field, keys in _fields(subjects, "cadre"):
        for r in (
            plans.filter(**{f"{field}__in": keys})
            .values(field)
            .annotate(n=Count("household_id", distinct=True))
        ):
            out[r[field]] = (r["n"], r["n"])
    return out


def lifted_counts(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    out: Counts = {}
    plans = Plan.objects.filter(_open_in(start, end))
    lifted = Q(status=PlanStatus.LIFTED, outcome_on__range=(start, end))
    for field, keys in _fields(subjects, "cadre"):
        rows = (
            plans.filter(**{f"{field}__in": keys})
            .values(field)
            .annotate(n=Count("pk"), ok=Count("pk", filter=lifted))
        )
        for r in rows:
            out[r[field]] = (r["ok"], r["n"])
    return out


def follow_up_counts(
    subjects: Sequence[Subject], start: date, end: date, *, today: date | None = None
) -> Counts:
    day = today or timezone.localdate()
    missed_until = min(end, day - timedelta(days=1))
    done: dict[int, list[int]] = {}
    follow_ups = FollowUp.objects.filter(due__range=(start, end))
    for field, keys in _fields(subjects, "plan__cadre"):
        rows = (
            follow_ups.filter(**{f"{field}__in": keys})
            .values(field)
            .annotate(n=Count("pk"), ok=Count("pk", filter=Q(on_time=True)))
        )
        for r in rows:
            done[r[field]] = [r["ok"], r["n"]]
    if missed_until >= start:
        missed = Plan.objects.filter(status=PlanStatus.ACTIVE, next_due__range=(start, missed_until))
        for field, keys in _fields(subjects, "cadre"):
            for r in missed.filter(**{f"{field}__in": keys}).values(field).annotate(n=Count("pk")):
                done.setdefault(r[field], [0, 0])[1] += r["n"]
    return {k: (v[0], v[1]) for k, v in done.items()}


@functools.cache
def _workbench_url() -> str:
    return reverse("assistance:workbench")  # once: a league asks for thousands of records addresses


def records_url(subject: Subject, start: date, end: date) -> str:
    return _workbench_url()


def assistance_section(cadre: object, start: date, end: date) -> ReportSection | None:
    """帮扶: the households the cadre is paired with in the period, their measures, follow-ups and
    outcome; names masked (the report is filed and shared), None when the cadre has none."""
    cadre_id = getattr(cadre, "pk", None)
    plans = list(
        Plan.objects.filter(_open_in(start, end), cadre_id=cadre_id)
        .select_related("household")
        .annotate(
            n_measures=Count("measures", filter=Q(measures__date__range=(start, end)), distinct=True),
            n_follow_ups=Count("follow_ups", filter=Q(follow_ups__date__range=(start, end)), distinct=True),
        )
        .order_by("start", "pk")
    )
    if not plans:
        return None
    subject = Subject("cadre", cadre_id or 0)
    lifted = lifted_counts([subject], start, end).get(subject.key, (0, 0))[0]
    on_time, due = follow_up_counts([subject], start, end).get(subject.key, (0, 0))
    url = records_url(subject, start, end)
    rows = []
    for p in plans:
        if p.status == PlanStatus.LIFTED:
            result = _("已脱困")
        elif p.outcome:
            result = str(p.get_outcome_display())
        else:
            result = _("帮扶中")
        rows.append(
            [
                f"{mask_name(p.household.head_name)}户",
                "、".join(p.household.tag_labels),
                str(p.n_measures),
                str(p.n_follow_ups),
                result,
            ]
        )
    rate = f"{on_time / due:.1%}（{on_time}/{due}）" if due else "—"
    return ReportSection(
        key="assistance",
        title=_("结对帮扶"),
        paragraphs=[
            _(
                "本期结对帮扶困难家庭 %(n)d 户，帮助 %(lifted)d 户脱困；应回访 %(due)d 次，按时回访 %(ok)d 次。"
            )
            % {"n": len(plans), "lifted": lifted, "due": due, "ok": on_time}
        ],
        figures=[
            ReportFigure(_("结对帮扶户"), str(len(plans)), url, _("本期内处于帮扶中的结对困难家庭")),
            ReportFigure(_("帮扶脱困"), str(lifted), url, _("本期评估为脱困的结对家庭")),
            ReportFigure(
                _("按时回访率"), rate, url, _("本期应回访且按期完成的回访 ÷ 本期应回访次数（含逾期未回访）")
            ),
        ],
        table_header=[_("帮扶户"), _("类别"), _("本期措施"), _("本期回访"), _("结果")],
        table_rows=rows,
    )


def register() -> None:
    measure_register(
        ModuleMeasure(
            code="assistance_households",
            label=gettext_lazy("结对帮扶户数"),
            module=MODULE,
            kind="count",
            compute=households_counts,
            records=records_url,
            definition=gettext_lazy("本期内处于帮扶中的结对困难家庭户数"),
        )
    )
    measure_register(
        ModuleMeasure(
            code="assistance_lifted",
            label=gettext_lazy("帮扶脱困率"),
            module=MODULE,
            kind="rate",
            weight=0.0,
            compute=lifted_counts,
            records=records_url,
            definition=gettext_lazy("本期评估脱困的结对家庭 ÷ 本期帮扶中的结对家庭"),
        )
    )
    measure_register(
        ModuleMeasure(
            code="assistance_follow_up_on_time",
            label=gettext_lazy("帮扶按时回访率"),
            module=MODULE,
            kind="rate",
            weight=0.0,
            compute=follow_up_counts,
            records=records_url,
            definition=gettext_lazy("本期应回访且按期完成的回访 ÷ 本期应回访次数（含逾期未回访）"),
        )
    )
    report_section_register(
        ReportSectionSource(
            key="assistance", title=gettext_lazy("结对帮扶"), build=assistance_section, order=55
        )
    )
