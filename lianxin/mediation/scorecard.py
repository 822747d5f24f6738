"""What mediation adds to evaluation (registered through `lianxin.core.contributions` in
`MediationConfig.ready`): five measures for the scorecards and the report's 化解矛盾纠纷 section, which
replaces the built-in "disputes" section (complaint demands) with the cases.

A subject's cases are those whose area lies in the subject's area subtree (`Subject.area_path`: a
cadre's remit, a unit's area); a subject without an area has no data. The rates carry weight 0 by
default, so registering them moves no existing score; admins give them weight with `ScoreWeight` rows.

| code | name | anchor | numerator ÷ denominator |
|---|---|---|---|
| mediation_cases | 受理矛盾纠纷 | opened | cases opened (count) |
| mediation_success | 调解成功率 | concluded | agreements reached ÷ cases concluded (agreed or referred) |
| mediation_local | 矛盾不上交率 | concluded | agreed at the level they started at (never escalated) ÷ cases concluded |
| mediation_performed | 协议履行率 | agreed | agreements a follow-up found performed ÷ agreements reached |
| mediation_escalations | 提级调处 | escalated | escalations (count of 提级 steps) |
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Q
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
from lianxin.mediation.choices import Action, Performance
from lianxin.mediation.models import Case, CaseEvent

MODULE = "mediation"
REPORT_ROWS = 20


def _window(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end + timedelta(days=1), time.min, tz)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _tally(subjects: Sequence[Subject], rows: Iterable[tuple[str, bool, bool]]) -> Counts:
    """(area path, in numerator, in denominator) rows counted for every subject whose area holds them:
    each row is matched by walking up its area's path, so a league is one pass whatever its size."""
    by_path: dict[str, list[int]] = defaultdict(list)
    for s in subjects:
        if s.area_path:
            by_path[s.area_path].append(s.key)
    counts: dict[int, list[int]] = {}
    for path, num, den in rows:
        for ancestor in _ancestors(path):
            for key in by_path.get(ancestor, ()):
                c = counts.setdefault(key, [0, 0])
                c[0] += int(num)
                c[1] += int(den)
    return {key: (n, d) for key, (n, d) in counts.items()}


def _covering(subjects: Sequence[Subject]) -> list[str]:
    """The subjects' area paths without those inside another one's subtree (a league of 5,000 cadres in
    nested areas filters on a few subtrees, not 5,000: the Q of every path cost 2.5 s to build)."""
    kept: list[str] = []
    for path in sorted({s.area_path for s in subjects if s.area_path}):
        if not any(path == k or path.startswith(k + "/") for k in kept[-1:]):
            kept.append(path)
    return kept


def _area_q(subjects: Sequence[Subject]) -> Q:
    q = Q(pk__in=[])
    for path in _covering(subjects):
        q |= Q(area__path=path) | Q(area__path__startswith=path + "/")
    return q


def cases_opened(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _window(start, end)
    rows = Case.objects.filter(_area_q(subjects), opened_at__gte=lo, opened_at__lt=hi).values_list(
        "area__path"
    )
    return _tally(subjects, ((p, True, True) for (p,) in rows))


def success(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _window(start, end)
    rows = Case.objects.filter(_area_q(subjects), concluded_at__gte=lo, concluded_at__lt=hi).values_list(
        "area__path", "agreed_at"
    )
    return _tally(subjects, ((p, agreed is not None, True) for p, agreed in rows))


def local(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _window(start, end)
    rows = Case.objects.filter(_area_q(subjects), concluded_at__gte=lo, concluded_at__lt=hi).values_list(
        "area__path", "agreed_at", "escalation_count"
    )
    return _tally(subjects, ((p, agreed is not None and esc == 0, True) for p, agreed, esc in rows))


def performed(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _window(start, end)
    rows = Case.objects.filter(_area_q(subjects), agreed_at__gte=lo, agreed_at__lt=hi).values_list(
        "area__path", "performance"
    )
    return _tally(subjects, ((p, perf == Performance.PERFORMED, True) for p, perf in rows))


def escalations(subjects: Sequence[Subject], start: date, end: date) -> Counts:
    lo, hi = _window(start, end)
    area = Q(pk__in=[])
    for path in _covering(subjects):
        area |= Q(case__area__path=path) | Q(case__area__path__startswith=path + "/")
    rows = CaseEvent.objects.filter(
        area, action=Action.ESCALATE, created_at__gte=lo, created_at__lt=hi
    ).values_list("case__area__path")
    return _tally(subjects, ((p, True, True) for (p,) in rows))


@functools.cache
def _cases_url() -> str:
    return reverse("mediation:cases")  # once: a league asks for 5,000 records addresses


def records_url(subject: Subject, start: date, end: date) -> str:
    if not subject.area_id:
        return ""
    query = urlencode({"area": subject.area_id, "since": start.isoformat(), "until": end.isoformat()})
    return f"{_cases_url()}?{query}"


MEASURES = [
    ModuleMeasure(
        code="mediation_cases",
        label=gettext_lazy("受理矛盾纠纷"),
        module=MODULE,
        kind="count",
        compute=cases_opened,
        records=records_url,
        definition=gettext_lazy("期内受理的纠纷案件数"),
    ),
    ModuleMeasure(
        code="mediation_success",
        label=gettext_lazy("调解成功率"),
        module=MODULE,
        compute=success,
        records=records_url,
        definition=gettext_lazy("期内调解终结的案件中达成协议的比例"),
    ),
    ModuleMeasure(
        code="mediation_local",
        label=gettext_lazy("矛盾不上交率"),
        module=MODULE,
        compute=local,
        records=records_url,
        definition=gettext_lazy("期内调解终结的案件中，在首次受理层级达成协议（未提级）的比例"),
    ),
    ModuleMeasure(
        code="mediation_performed",
        label=gettext_lazy("协议履行率"),
        module=MODULE,
        compute=performed,
        records=records_url,
        definition=gettext_lazy("期内达成的调解协议中，经回访确认已履行的比例"),
    ),
    ModuleMeasure(
        code="mediation_escalations",
        label=gettext_lazy("提级调处"),
        module=MODULE,
        kind="count",
        compute=escalations,
        records=records_url,
        definition=gettext_lazy("期内提级调处的次数"),
    ),
]


def _pct(n: int, d: int) -> str:
    return f"{n / d:.1%}（{n}/{d}）" if d else "—"


def mediation_section(cadre: object, start: date, end: date) -> ReportSection | None:
    """化解矛盾纠纷 of the cadre's report: the cases of their area subtree in the period (opened in it or
    concluded in it), the figures of the measures and a table of the cases (no party names)."""
    area = getattr(cadre, "area_scope", None)
    if area is None:
        return None
    subject = Subject("cadre", getattr(cadre, "pk", 0), getattr(cadre, "unit_id", None), area.pk, area.path)
    lo, hi = _window(start, end)
    cases = list(
        Case.objects.filter(area.subtree_q("area"))
        .filter(Q(opened_at__gte=lo, opened_at__lt=hi) | Q(concluded_at__gte=lo, concluded_at__lt=hi))
        .select_related("area")
        .order_by("opened_at", "pk")
    )
    if not cases:
        return None
    key = subject.key
    opened = cases_opened([subject], start, end).get(key, (0, 0))[0]
    ok, concluded = success([subject], start, end).get(key, (0, 0))
    at_level, _concluded = local([subject], start, end).get(key, (0, 0))
    done, agreed = performed([subject], start, end).get(key, (0, 0))
    escalated = escalations([subject], start, end).get(key, (0, 0))[0]
    url = records_url(subject, start, end)
    paragraph = _(
        "本期辖区受理矛盾纠纷 %(opened)d 件，调解终结 %(concluded)d 件，其中达成协议 %(ok)d 件；"
        "在首次受理层级化解 %(local)d 件，提级调处 %(esc)d 次；达成的 %(agreed)d 份协议中经回访确认履行 %(done)d 份。"
    ) % {
        "opened": opened,
        "concluded": concluded,
        "ok": ok,
        "local": at_level,
        "esc": escalated,
        "agreed": agreed,
        "done": done,
    }
    figures = [
        ReportFigure(_("受理矛盾纠纷"), str(opened), url, str(MEASURES[0].definition)),
        ReportFigure(_("调解成功率"), _pct(ok, concluded), url, str(MEASURES[1].definition)),
        ReportFigure(_("矛盾不上交率"), _pct(at_level, concluded), url, str(MEASURES[2].definition)),
        ReportFigure(_("协议履行率"), _pct(done, agreed), url, str(MEASURES[3].definition)),
        ReportFigure(_("提级调处"), str(escalated), url, str(MEASURES[4].definition)),
    ]
    rows = [
        [
            c.case_no or "",
            c.get_type_display(),
            c.get_risk_display(),
            f"{c.get_start_level_display()}→{c.get_level_display()}"
            if c.level != c.start_level
            else c.get_level_display(),
            c.get_status_display(),
        ]
        for c in cases[:REPORT_ROWS]
    ]
    return ReportSection(
        key="mediation",
        title=_("化解矛盾纠纷"),
        paragraphs=[paragraph],
        figures=figures,
        table_header=[_("案件编号"), _("类型"), _("风险"), _("调处层级"), _("状态")],
        table_rows=rows,
    )


SECTION = ReportSectionSource(
    key="mediation", title=gettext_lazy("化解矛盾纠纷"), build=mediation_section, replaces="disputes"
)


def register() -> None:
    for measure in MEASURES:
        measure_register(measure)
    report_section_register(SECTION)
