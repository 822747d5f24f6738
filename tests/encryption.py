"""Helpers of the encryption-at-rest tests: a column as the database stores it, read past the model."""

from __future__ import annotations

from django.db import connection


def raw(model, pk: int, column: str) -> str:
    """The stored value of `column` of row `pk` of `model` (ciphertext for an encrypted field)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(model._meta.db_table)} WHERE id = %s", [pk])
        return cursor.fetchone()[0]
