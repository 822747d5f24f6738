"""`lianxin classifier-upload MODEL [--activate]`: store a model trained by `lianxin classify train` as a
classifier version in the database (the bootstrap of the web's suggestions; retraining then happens
from the admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.analysis.services import classifier_version_activate, classifier_version_upload
from lianxin.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Store a classifier model file as a new version (the first one becomes active)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("model", help="a file written by `lianxin classify train --out`")
        parser.add_argument("--name", default="", help="a label for the version")
        parser.add_argument("--activate", action="store_true", help="make it the active version")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["model"])
        if not path.is_file():
            raise CommandError(f"{path}: file not found")
        try:
            version = classifier_version_upload(data=path.read_bytes(), name=options["name"] or path.name)
            if options["activate"] and not version.is_active:
                version = classifier_version_activate(version=version)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        state = "active" if version.is_active else "stored (not active)"
        self.stdout.write(f"Classifier version #{version.pk} {state}: {version.n_train} training texts.")
