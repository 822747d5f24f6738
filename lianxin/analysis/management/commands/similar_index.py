"""`lianxin similar_index [--until-built] [--force]`: run the worker's step of the shared similar-demand
index now (what the periodic `similar_index_task` does every minute), printing what it did as JSON;
`--until-built` repeats the step until a generation is written (a first build fills the stored terms of
every window demand, a bounded slice per step); `--status` only says whether this process could serve it."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from lianxin.analysis import similar


class Command(BaseCommand):
    help = "Build or update the shared similar-demand index (the worker's step), or show its status."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--until-built", action="store_true", help="repeat until a generation is written")
        parser.add_argument("--force", action="store_true", help="write a new generation even if few changes")
        parser.add_argument("--status", action="store_true", help="only report whether the index is served")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            status = similar.index_status()
            self.stdout.write(json.dumps(status.__dict__))
            return
        while True:
            done = similar.index_build(force=options["force"])
            self.stdout.write(json.dumps(done, ensure_ascii=False))
            if not options["until_built"] or done.get("done") not in ("filling", "locked"):
                return
            if done.get("done") == "locked":
                time.sleep(2)  # another worker is building
