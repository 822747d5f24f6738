"""`lianxin urgency --data FILE --json` — the urgency each message of a file proposes, with its evidence."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand
from lianxin.intel import screening_runs


class Command(IntelCommand):
    help = (
        "Propose an urgency (normal | urgent | critical) for each message of a .xlsx/.csv file, with the danger "
        "kinds and the phrases (and their places) behind it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", required=True, help="messages: id and text, or title/content (留言主题/留言详情)"
        )
        parser.add_argument(
            "--json", action="store_true", help='print a JSON list of {"id", "level", "kinds", "evidence"}'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = self.run_intel(lambda: screening_runs.urgency_run(options["data"]))
        if options["json"]:
            self.print_json(result)
            return
        levels = Counter(r["level"] for r in result)
        self.stdout.write(
            f"{len(result)} messages: {levels['critical']} critical, {levels['urgent']} urgent, {levels['normal']} normal"
        )
        for r in result:
            if r["level"] != "normal":
                phrases = "; ".join(f"{e['kind']}: {e['phrase']}" for e in r["evidence"][:5])
                self.stdout.write(f"  {r['id']}: {r['level']} ({phrases})")
