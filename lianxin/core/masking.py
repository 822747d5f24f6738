"""Masking of personal data for roles that need not see it (and for the public)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

from django.db import models
from django.utils.module_loading import import_string


def mask_phone(value: str | None) -> str:
    """The digits of a phone number with the middle hidden, as many stars as digits hidden.

    A mobile (11 digits) or a landline with its area code keeps the first 3 and the last 4, the usual
    138****5678. A shorter number (a local landline of 7 or 8 digits, 9–10 with a short area code)
    keeps at most the first 2 and the last 2 and never more than half its digits: 3 + 4 of 7 digits
    would show the whole number and of 8 digits hide only one. Under 7 digits nothing is shown."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    n = len(digits)
    if n >= 11:
        head, tail = 3, 4
    elif n >= 7:
        shown = min(4, n // 2)
        tail = (shown + 1) // 2
        head = shown - tail
    else:
        return "*" * n
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail :]


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_address(value: str | None, keep: int = 6) -> str:
    if not value:
        return ""
    return value[:keep] + ("***" if len(value) > keep else "")


class MaskedCopyField(models.TextField):
    """A masked copy of another field of the same model, kept for display and search.

    The copy is made from `source` by `masker` (a dotted path to `text -> text`, imported when first
    used, so a lower layer can name a higher layer's masking) each time the row is saved, in `save()` and
    in `bulk_create`. The source may be encrypted (`lianxin.core.crypto.EncryptedTextField`): searching
    the copy then never matches what the roles that see masked text may not read."""

    description = "Masked copy of another field"

    def __init__(self, *args: Any, source: str = "", masker: str = "", **kwargs: Any) -> None:
        self.source, self.masker = source, masker
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        kwargs.update(source=self.source, masker=self.masker)
        return name, path, args, kwargs

    def mask(self, text: str) -> str:
        return masker_for(self.masker)(text or "") if text else ""

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = self.mask(getattr(model_instance, self.source, "") or "")
        setattr(model_instance, self.attname, value)
        return value


@lru_cache(maxsize=16)
def masker_for(path: str) -> Callable[[str], str]:
    return cast(Callable[[str], str], import_string(path))
