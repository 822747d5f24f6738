"""`lianxin report cadre --username U --period YYYY-MM --format pdf|docx --out PATH`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.contact.periods import Period
from lianxin.core.errors import ApplicationError
from lianxin.evaluation.services import cadre_get, report_render


class Command(BaseCommand):
    help = "Reports: `report cadre` writes a cadre's personal contact-work report (PDF or DOCX)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, metavar="{cadre}")
        cadre = sub.add_parser("cadre", help="领导干部个人联系群众工作报告")
        cadre.add_argument("--username", required=True)
        cadre.add_argument("--period", required=True, help="YYYY-MM")
        cadre.add_argument("--format", required=True, choices=["pdf", "docx"], dest="fmt")
        cadre.add_argument("--out", required=True, help="output file")

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"])
            cadre = cadre_get(username=options["username"])
            data = report_render(cadre=cadre, period=period, fmt=options["fmt"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        out = Path(options["out"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stdout.write(f"{out} ({len(data)} bytes): {cadre} {period}")
