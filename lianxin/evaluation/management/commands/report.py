"""The personal contact-work report from the command line.

    lianxin report cadre --username U --period YYYY-MM|YYYY-Qn|YYYY --format pdf|docx --out PATH
    lianxin report batch --period P --format pdf|docx --out ZIP [--unit CODE]

`batch` writes every active cadre's report (of a unit and its sub-units with --unit) into one zip, with
a progress bar on stderr; stdout gets one summary line. It exits non-zero when any report failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from lianxin.core.errors import ApplicationError
from lianxin.evaluation.selectors import Period
from lianxin.evaluation.services import cadre_get, report_render, reports_zip_write, unit_cadres
from lianxin.org.models import Unit

PERIOD_HELP = "YYYY-MM (month), YYYY-Qn (quarter) or YYYY (year)"


class Command(BaseCommand):
    help = "Reports: `report cadre` writes one cadre's personal contact-work report (PDF or DOCX); `report batch` every cadre's, zipped."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True, metavar="{cadre,batch}")
        cadre = sub.add_parser("cadre", help="领导干部个人联系群众工作报告")
        cadre.add_argument("--username", required=True)
        cadre.add_argument("--period", required=True, help=PERIOD_HELP)
        cadre.add_argument("--format", required=True, choices=["pdf", "docx"], dest="fmt")
        cadre.add_argument("--out", required=True, help="output file")
        batch = sub.add_parser("batch", help="every cadre's report in one zip")
        batch.add_argument("--period", required=True, help=PERIOD_HELP)
        batch.add_argument("--format", required=True, choices=["pdf", "docx"], dest="fmt")
        batch.add_argument("--out", required=True, help="output .zip")
        batch.add_argument("--unit", help="unit code: only its cadres and those of the units below it")
        batch.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, **options):
        try:
            period = Period.parse(options["period"])
            if options["kind"] == "batch":
                return self._batch(period, options)
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

    def _batch(self, period: Period, options: dict) -> None:
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"No unit with code {options['unit']!r}")
        cadres = unit_cadres(unit)
        out = Path(options["out"])
        bar = tqdm(
            total=len(cadres),
            desc=f"report {period}",
            unit="report",
            file=sys.stderr,
            disable=options.get("no_progress", False),
        )
        failed = 0

        def progress(cadre, ok: bool) -> None:
            nonlocal failed
            failed += not ok
            bar.set_postfix_str(cadre.username, refresh=False)
            bar.update(1)

        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as fh:
                errors = reports_zip_write(
                    cadres=cadres, period=period, fmt=options["fmt"], out=fh, progress=progress
                )
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        finally:
            bar.close()
        for line in errors:
            self.stderr.write(line)
        self.stdout.write(f"{out}: {len(cadres) - failed} of {len(cadres)} reports, {period}")
        if failed:
            raise CommandError(f"{failed} report(s) failed")
