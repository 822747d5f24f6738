"""What the intel commands share: progress and JSON printing, and IntelError shown without a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianxin.intel.data import parse_time
from lianxin.intel.errors import IntelError


class IntelCommand(BaseCommand):
    """Base of the intel commands: no database, no system checks; IntelError becomes CommandError."""

    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_progress_argument(self, parser: Any) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def progress(self, options: dict[str, Any]) -> bool:
        return not options.get("no_progress") and int(options.get("verbosity", 1)) > 0

    def run_intel(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except IntelError as exc:
            raise CommandError(str(exc)) from exc

    def print_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, default=str))


def time_argument(value: str) -> datetime:
    """A --since/--until value read as leniently as the data files' times."""
    moment = parse_time(value)
    if moment is None:
        raise CommandError(f"not a time: {value!r} (expected e.g. 2019-08-01 or 2019/8/1 12:00)")
    return moment
