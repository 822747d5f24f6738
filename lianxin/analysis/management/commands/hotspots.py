"""`lianxin hotspots --data FILE --top N --json` — hot issues of a message file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lianxin.analysis.management.commands._intel import IntelCommand, time_argument
from lianxin.intel import runs


class Command(IntelCommand):
    help = "Group the messages of a file into issues and list the hottest (heat index: see docs/intel.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="messages (.xlsx or .csv) with 留言编号 and text")
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--since", type=time_argument, default=None, help="only messages from this time")
        parser.add_argument("--until", type=time_argument, default=None, help="only messages up to this time")
        parser.add_argument("--json", action="store_true")
        self.add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        issues = self.run_intel(
            lambda: runs.hotspots_run(
                options["data"],
                top=options["top"],
                start=options["since"],
                end=options["until"],
                progress=self.progress(options),
            )
        )
        if options["json"]:
            self.print_json(issues)
            return
        for issue in issues:
            self.stdout.write(
                f"{issue['rank']:>3}  heat {issue['heat']:>7.2f}  {issue['start'] or '?'} – {issue['end'] or '?'}  "
                f"{issue['place_or_group']}  {issue['summary']}  ({len(issue['message_ids'])} messages)"
            )
