"""`lianxin backup [--output FILE]`: the embedded database (online copy), media and keys in one tar.gz."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lianxin.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Back up the embedded SQLite database, media and keys into a tar.gz (PostgreSQL: docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="The file to write (default var/backups/lianxin-<time>.tar.gz).")

    def handle(self, *args, **options):
        output = options["output"]
        if not output:
            folder = Path(settings.VAR_DIR) / "backups"
            folder.mkdir(parents=True, exist_ok=True)
            output = folder / f"lianxin-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
        try:
            manifest = backup_write(Path(output))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {output} ({len(manifest['files'])} files)"))
