"""Calendar months as periods (YYYY-MM) and the coverage cycles built from them.

Django-free, except that the error `Period.parse` raises is translated into the active language.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from lianxin.core.errors import ValidationFailed

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month."""

    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None) -> Period:
        """`YYYY-MM` → Period; anything else raises ValidationFailed naming the value."""
        text = (value or "").strip()
        match = _PERIOD_RE.match(text)
        if not match or not (1 <= int(match.group(2)) <= 12) or not 1900 <= int(match.group(1)) <= 2100:
            raise ValidationFailed(
                _("无效的期间 %(value)s：应为 YYYY-MM，月份 01-12（如 2026-03）") % {"value": repr(value)},
                code="invalid_period",
                fields={"period": [_("无效的期间 %(value)s，应为 YYYY-MM") % {"value": repr(value)}]},
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def shift(self, months: int) -> Period:
        index = self.year * 12 + (self.month - 1) + months
        return Period(index // 12, index % 12 + 1)

    def previous(self) -> Period:
        return self.shift(-1)


def cycle_of(day: date, every_months: int) -> tuple[date, date]:
    """The coverage cycle containing `day`: calendar blocks of `every_months` months aligned to January."""
    n = every_months if every_months in (1, 2, 3, 4, 6, 12) else 1
    start_month = ((day.month - 1) // n) * n + 1
    end = Period(day.year, start_month).shift(n - 1).last_day
    return date(day.year, start_month, 1), end
