"""`lianxin restore FILE --into DIR`: unpack a backup of `lianxin backup` into a fresh folder laid out as
var/ (database, media/, keys); then run Lianxin with LIANXIN_VAR_DIR=DIR."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lianxin.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup of `lianxin backup` into a fresh folder (then set LIANXIN_VAR_DIR to it)."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--into", required=True, help="The folder to restore into (made when missing).")
        parser.add_argument("--force", action="store_true", help="Overwrite a database already there.")

    def handle(self, *args, **options):
        try:
            manifest = backup_restore(Path(options["archive"]), Path(options["into"]), force=options["force"])
        except (BackupError, OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Restore failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(manifest['files'])} files into {options['into']}; "
                f"run with LIANXIN_VAR_DIR={options['into']}"
            )
        )
