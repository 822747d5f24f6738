"""What the duty modules (participation, mediation, assistance, projects, …) add to evaluation: measures
for the scorecards and sections of the cadre's report. They register here in `AppConfig.ready`; the
evaluation app (the top layer) reads the registry, so a module never imports evaluation and evaluation
never names a module. Without a module its measures and sections are simply absent.

A **measure** counts, for each subject of a league or card, a numerator and a denominator over a period:

    measure_register(ModuleMeasure(
        code="consultation_adoption", label=_("意见采纳反馈率"), module="participation",
        kind="rate", weight=0, compute=adoption_counts, records=adoption_records_url,
    ))

- `compute(subjects, start, end)` gets `Subject`s (a cadre: user id, unit id, area path; or a unit) and
  the period's first and last day, and returns `{subject.key: (numerator, denominator)}`; a subject
  missing from the answer has no data (None, left out of the score like a rate without a denominator).
  It must answer a whole league in a few queries (group by, never one query per subject).
- `kind` "rate" is numerator/denominator in 0..1 and may carry a weight in the composite score (its
  default `weight`; admins change it as `ScoreWeight` rows with the same code); "count" is shown only,
  its value the numerator. `inverted` rates count 1 − rate in the score (lower is better).
- `records(subject, start, end)` is the address of the records behind the figure (every figure links to
  its records), or "" when the module has no page for them.

A **report section** is a part of the 领导干部个人联系群众工作报告 for one cadre and period:

    report_section_register(ReportSectionSource(key="mediation", title=_("化解矛盾纠纷"),
                                                build=mediation_section, replaces="disputes"))

`build(cadre, start, end)` returns a `ReportSection` (paragraphs, an optional table and figures, each
figure with the address of its records) or None when the cadre has nothing in it. `replaces` names a
built-in section that this one supersedes (the report's "disputes" part reads complaint demands until
the mediation module replaces it with its cases).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

SubjectKind = Literal["cadre", "unit"]


@dataclass(frozen=True)
class Subject:
    """Whom a figure is about: a cadre (their user id, unit and area subtree) or a unit."""

    kind: SubjectKind
    key: int  # the user's id for a cadre, the unit's id for a unit
    unit_id: int | None = None
    area_id: int | None = None
    area_path: str = ""  # org.Area.path of the cadre's area (their remit is the subtree), "" for none


Counts = dict[int, tuple[int, int]]


@dataclass(frozen=True)
class ModuleMeasure:
    code: str  # unique over all modules and the built-in measures (≤ 30 characters: ScoreWeight.measure)
    label: object  # the measure's name, a lazy translation
    module: str  # the registering app's label
    compute: Callable[[Sequence[Subject], date, date], Counts]
    kind: Literal["rate", "count"] = "rate"
    weight: float = 0.0  # default weight in the composite score (rates only)
    inverted: bool = False
    records: Callable[[Subject, date, date], str] | None = None
    definition: object = ""  # one sentence: what is counted over what

    def __post_init__(self) -> None:
        if not self.code or len(self.code) > 30:
            raise ValueError(f"measure code {self.code!r} must have 1 to 30 characters")
        if self.kind == "count" and self.weight:
            raise ValueError(f"count measure {self.code!r} cannot carry a score weight")


@dataclass(frozen=True)
class ReportFigure:
    label: str
    value: str  # as printed: "12", "75.0%（3/4）"
    url: str = ""  # the records behind the figure
    definition: str = ""  # its 口径, printed in the report's annex of definitions


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ReportSectionSource:
    key: str
    title: object
    build: Callable[[object, date, date], ReportSection | None]  # (cadre user, first day, last day)
    replaces: str = ""
    order: int = 100  # sections are placed by order, then key


_measures: dict[str, ModuleMeasure] = {}
_sections: dict[str, ReportSectionSource] = {}


def measure_register(measure: ModuleMeasure) -> None:
    existing = _measures.get(measure.code)
    if existing is not None and existing.module != measure.module:
        raise ValueError(f"measure code {measure.code!r} is already registered by {existing.module}")
    _measures[measure.code] = measure


def measure_unregister(code: str) -> None:
    _measures.pop(code, None)


def module_measures() -> list[ModuleMeasure]:
    return sorted(_measures.values(), key=lambda m: (m.module, m.code))


def module_measure(code: str) -> ModuleMeasure | None:
    return _measures.get(code)


def report_section_register(source: ReportSectionSource) -> None:
    _sections[source.key] = source


def report_section_unregister(key: str) -> None:
    _sections.pop(key, None)


def report_sections() -> list[ReportSectionSource]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def replaced_sections() -> set[str]:
    """The built-in report sections a module's section supersedes."""
    return {s.replaces for s in _sections.values() if s.replaces}
