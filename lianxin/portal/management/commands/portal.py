"""`lianxin portal import FILE [--create-categories] [--json]` and `lianxin portal flush-views`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.errors import ApplicationError
from lianxin.portal import counter, services


class Command(BaseCommand):
    help = "Publishing site: batch import of articles (CSV/JSON), flushing the view counter."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Import published articles from a CSV (UTF-8) or JSON file.")
        imp.add_argument("file")
        imp.add_argument(
            "--create-categories", action="store_true", help="Create categories that do not exist."
        )
        imp.add_argument("--json", action="store_true", help="Print the report as JSON.")
        sub.add_parser("flush-views", help="Store the buffered view counts in the database now.")

    def handle(self, *args, **options):
        if options["action"] == "flush-views":
            self.stdout.write(f"stored {counter.views_flush()} views")
            return
        try:
            outcomes = services.articles_import_file(
                path=options["file"], create_categories=options["create_categories"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report = [o.as_dict() for o in outcomes]
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        for r in report:
            if "id" in r:
                line = f"row {r['row']}: {r['url']}" + (" (already imported)" if r.get("existing") else "")
            else:
                line = f"row {r['row']}: refused — {r['error']}"
            self.stdout.write(line)
        n = services.import_counts(report)
        self.stdout.write(
            self.style.SUCCESS(
                f"imported {n['taken']}, already there {n['existing']}, refused {n['refused']}"
            )
        )
