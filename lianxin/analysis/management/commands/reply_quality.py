"""`lianxin reply-quality --data FILE --json` — score official replies against their messages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand
from lianxin.intel import runs


class Command(IntelCommand):
    help = "Score each reply (答复意见) of a file for relevance, completeness and timeliness, with flags."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", required=True, help="messages with 答复意见 (and 答复时间 for timeliness)"
        )
        parser.add_argument(
            "--limit-days", type=int, default=15, help="working days a reply is on time within"
        )
        parser.add_argument("--json", action="store_true")
        self.add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        result = self.run_intel(
            lambda: runs.reply_quality_run(
                options["data"], limit_days=options["limit_days"], progress=self.progress(options)
            )
        )
        if options["json"]:
            self.print_json(result)
            return
        summary = result["summary"]
        self.stdout.write(
            f"{summary['n']} replies, mean score {summary['mean_score']}, median {summary['median_score']}, "
            f"median working days {summary['median_working_days']}"
        )
        for flag, count in summary["flags"].items():
            self.stdout.write(f"  {flag}: {count}")
