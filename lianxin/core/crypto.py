"""Encryption at rest for personal data, and keyed hashes to search it.

Values are encrypted with Fernet (AES-128-CBC + HMAC) under a key derived from LIANXIN_DATA_KEY.
Searching by phone uses an HMAC of the normalised value, so equality lookups work without decrypting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(data_key: str) -> Fernet:
    derived = hashlib.sha256(("lianxin-fernet:" + data_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(value: str) -> str:
    return _fernet(settings.DATA_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.DATA_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key or tampered value: never show ciphertext as data
        raise ValueError("Encrypted value cannot be decrypted with the configured LIANXIN_DATA_KEY") from exc


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def blind_index(value: str, *, purpose: str = "phone") -> str:
    """A keyed hash for equality search; empty for empty input."""
    if not value:
        return ""
    key = hashlib.sha256(("lianxin-index:" + purpose + ":" + settings.DATA_KEY).encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def phone_index(value: str) -> str:
    return blind_index(normalise_phone(value), purpose="phone")


class EncryptedTextField(models.TextField):
    """A text column whose value is stored encrypted; reads give plain text back."""

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull", "exact"}:
            return None  # ciphertext cannot be compared by content
        return super().get_lookup(lookup_name)
