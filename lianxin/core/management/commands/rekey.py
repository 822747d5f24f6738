"""`lianxin rekey`: rewrite every encrypted value that is not written by the configured cipher
(`LIANXIN_CIPHER`) under the current key (`LIANXIN_DATA_KEY`).

Rotating the data key: set the new key as LIANXIN_DATA_KEY, the old one in LIANXIN_DATA_KEYS_OLD (still
read), pin LIANXIN_INDEX_KEY to the old key (the blind indexes stay valid), restart, run `lianxin rekey`,
then drop LIANXIN_DATA_KEYS_OLD. Switching the cipher (fernet ↔ sm4) is the same run without a new key.
Idempotent and resumable: rows already current are left alone, each batch is its own transaction."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from lianxin.core.crypto import (
    EncryptedTextField,
    cipher_name,
    data_keys,
    index_key_pinned,
    rewrite_encrypted,
)


def encrypted_models(label: str = "") -> list[Any]:
    found = [
        model
        for model in apps.get_models()
        if any(isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields)
        and not model._meta.proxy
        and model._meta.managed
    ]
    if label:
        found = [m for m in found if m._meta.label_lower == label.lower()]
        if not found:
            raise CommandError(f"{label}: no such model with encrypted fields")
    return found


class Command(BaseCommand):
    help = "Re-encrypt stored personal data with the current cipher and key (key rotation, cipher switch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", default="", help="only this model (app_label.ModelName)")
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--refresh", action="store_true", help="also make every masked copy and number index again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if len(data_keys()) > 1 and not index_key_pinned():
            raise CommandError(
                "LIANXIN_DATA_KEYS_OLD is set but LIANXIN_INDEX_KEY is not: set LIANXIN_INDEX_KEY to the key "
                "the blind indexes were made with (the old LIANXIN_DATA_KEY), or every phone lookup stops "
                "matching."
            )
        total = 0
        tables = set(connection.introspection.table_names())
        for model in encrypted_models(options["model"]):
            if model._meta.db_table not in tables:  # a model whose migration has not run here
                self.stderr.write(f"{model._meta.label}: skipped, its table does not exist (migrate first)")
                continue
            n = rewrite_encrypted(model, batch=max(1, options["batch"]), refresh=options["refresh"])
            total += n
            if options["verbosity"] >= 2 or n:
                self.stdout.write(f"{model._meta.label}: {n} rows rewritten")
        self.stdout.write(f"{total} rows rewritten with {cipher_name()} under the current key")
