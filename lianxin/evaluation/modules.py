"""The duty modules' measures on scorecards and league tables (`lianxin.core.contributions`).

Each registered measure answers a whole league in one call (`compute(subjects, start, end)`); a rate
enters the composite score with its weight (the module's default, or the admins' `ScoreWeight` row),
a count is shown only. Every value carries the address of its records (the module's page), so a figure
on a card opens what it counts like the demand measures do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from lianxin.accounts.models import User
from lianxin.core.contributions import ModuleMeasure, Subject, module_measures
from lianxin.evaluation.report.content import RateRow
from lianxin.org.models import Unit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleValue:
    """One module measure for one subject: the rate (or count) and where its records are."""

    measure: ModuleMeasure
    rate: RateRow
    records: str = ""

    @property
    def code(self) -> str:
        return self.measure.code

    @property
    def is_rate(self) -> bool:
        return self.measure.kind == "rate"

    @property
    def text(self) -> str:
        if self.is_rate:
            return self.rate.text
        return str(self.rate.numerator)


def cadre_subject(cadre: User) -> Subject:
    area = cadre.area_scope
    return Subject(
        "cadre",
        cadre.pk,
        unit_id=cadre.unit_id,
        area_id=area.pk if area is not None else None,
        area_path=area.path if area is not None else "",
    )


def unit_subject(unit: Unit) -> Subject:
    return Subject("unit", unit.pk, unit_id=unit.pk)


def module_values(subjects: list[Subject], start: date, end: date) -> dict[int, list[ModuleValue]]:
    """Every registered measure for every subject (of one kind), by subject key. A subject without data
    for a measure gets it as "no data" (value None), so every card lists the same measures. A module
    whose computation fails is left out and logged: its figures are absent, never invented."""
    out: dict[int, list[ModuleValue]] = {s.key: [] for s in subjects}
    if not subjects:
        return out
    for measure in module_measures():
        try:
            counts = measure.compute(subjects, start, end)
        except Exception:  # one module's failure must not take the scorecards down
            logger.exception("module measure %s failed", measure.code)
            continue
        label = str(measure.label)  # once per measure: a league has thousands of subjects
        for subject in subjects:
            numerator, denominator = counts.get(subject.key, (0, 0))
            if measure.kind == "rate":
                value = numerator / denominator if denominator else None
            else:
                value = float(numerator)
            records = measure.records(subject, start, end) if measure.records is not None else ""
            rate = RateRow(measure.code, label, value, numerator, denominator)
            out[subject.key].append(ModuleValue(measure, rate, records))
    return out


def default_weights() -> dict[str, float]:
    """The module rates' default weights (0 unless a module says otherwise)."""
    return {m.code: float(m.weight) for m in module_measures() if m.kind == "rate"}


def inverted_codes() -> set[str]:
    return {m.code for m in module_measures() if m.inverted}


def weighted_choices() -> list[tuple[str, str]]:
    """The module rates an admin may weight (ScoreWeight.measure), as (code, label)."""
    return [(m.code, str(m.label)) for m in module_measures() if m.kind == "rate"]
