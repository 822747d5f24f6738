"""`lianxin mask --data FILE --json` — each message of a file with its personal data masked."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand
from lianxin.intel import screening_runs


class Command(IntelCommand):
    help = (
        "Mask personal data (private phones, ID numbers, e-mail, doors of addresses, names of private persons, "
        "plates, bank cards) in each message of a .xlsx/.csv file; official contact lines of replies stay readable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", required=True, help="messages: id and text, or title/content (留言主题/留言详情)"
        )
        parser.add_argument(
            "--json", action="store_true", help='print a JSON list of {"id", "text"} (and "reply")'
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = self.run_intel(lambda: screening_runs.mask_run(options["data"]))
        if options["json"]:
            self.print_json(result)
            return
        for r in result:
            self.stdout.write(f"{r['id']}\t{r['text']}")
