"""`lianxin measures audit --period YYYY-MM [--json]` and `lianxin measures rebuild`."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.demands.audit import measures_audit
from lianxin.demands.judging import judgements_rebuild
from lianxin.demands.models import Demand


def period_bounds(text: str) -> tuple[date, date]:
    """YYYY-MM → [first day, first day of the next month)."""
    try:
        year, month = (int(part) for part in text.split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise CommandError(f"period {text!r}: expected YYYY-MM, e.g. 2026-11") from None
    if not 1970 <= year <= 2100:
        raise CommandError(f"period {text!r}: the year must be between 1970 and 2100")
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start, end


class Command(BaseCommand):
    help = "Audit the published figures against the timeline events, or rebuild the judged steps."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        audit = sub.add_parser(
            "audit", help="recompute every figure of a month from events; exit 1 on differences"
        )
        audit.add_argument("--period", required=True, help="YYYY-MM")
        audit.add_argument("--json", action="store_true")
        sub.add_parser("rebuild", help="replay every demand's timeline into its judged steps")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            n = judgements_rebuild(Demand.objects.order_by("pk").values_list("pk", flat=True).iterator())
            self.stdout.write(f"replayed {n} demands")
            return
        start, end = period_bounds(options["period"])
        result = measures_audit(start=start, end=end)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"{options['period']}: {result.figures} figures in {result.scopes} scopes recomputed from "
                f"{result.events_read} events of {result.demands_read} demands; "
                f"{len(result.differences)} differ"
            )
            if result.undated_steps:
                self.stdout.write(
                    f"{result.undated_steps} dispatches/replies carry no due time in their events "
                    "(left out of the on-time rates on both sides)"
                )
            for d in result.differences:
                self.stdout.write(
                    f"  {d.scope} {d.code}: published {d.published}, from events {d.recomputed}"
                )
        if result.differences:
            raise SystemExit(1)
