"""`lianxin import <kind> FILE`: bulk imports. Each kind is a function of the app that owns the data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from lianxin.core.errors import ApplicationError

# kind → (dotted path of the import command handler, help)
KINDS = {
    "categories": (
        "lianxin.org.importers.categories_import_command",
        "the three-level category tree (附件1.xlsx shape)",
    ),
    "demands": ("lianxin.demands.importers.demands_import_command", "historical messages as closed demands"),
}


class Command(BaseCommand):
    help = "Import data files: " + "; ".join(f"{k} — {v[1]}" for k, v in KINDS.items())

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument("--limit", type=int, default=None, help="Import at most this many rows.")
        parser.add_argument(
            "--undated-now",
            action="store_true",
            help="demands: take the rows of a file without a time column dated at the import moment "
            "(the summary counts them as undated); without it such a file is refused.",
        )

    def handle(self, *args, **options):
        try:
            handler = import_string(KINDS[options["kind"]][0])
        except ImportError as exc:
            raise CommandError(f"Import of {options['kind']} is not available: {exc}") from exc
        try:
            handler(self, options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
