"""Encryption at rest for personal data, and keyed hashes to search it.

The cipher is pluggable (`LIANXIN_CIPHER`):

- ``"fernet"`` (the default): Fernet (AES-128-CBC + HMAC-SHA256). Its tokens are Fernet's own, which
  begin with its version byte (``gAAAAA`` in base64), as every value written before the cipher became
  pluggable;
- ``"sm4"``: SM4 in GCM mode (GB/T 32907, the 国密 block cipher, from `cryptography`), tokens
  ``sm4:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>``.

Tokens say which cipher and key wrote them, so every token of either cipher under the current key
(`LIANXIN_DATA_KEY`) or an old one (`LIANXIN_DATA_KEYS_OLD`, comma-separated) is read; new values are
always written with the current cipher and key. `lianxin rekey` rewrites every stored value that is not
(see `token_is_current`), after which the old keys can be dropped.

Searching by phone uses a blind index: an HMAC (SHA-256, or SM3 with `LIANXIN_INDEX_HASH = "sm3"`) of the
normalised value under `LIANXIN_INDEX_KEY` (default: the data key), so equality lookups work without
decrypting. The index key is not rotated with the data key: pin `LIANXIN_INDEX_KEY` to the old data key
before rotating (docs/security.md), or every stored hash stops matching.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import NotSupportedError, models
from django.db.models import Lookup
from django.db.models.expressions import Col

CIPHER_NAMES = ("fernet", "sm4")
INDEX_HASHES = ("sha256", "sm3")
SM4_PREFIX = "sm4:"
_SM4_AAD = b"lianxin-sm4-gcm-v1"


def _setting(name: str, default: str) -> str:
    # The settings live in lianxin/settings/base.py; until they land there, the environment is read here.
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return value if isinstance(value, str) else ",".join(value)


def cipher_name() -> str:
    name = _setting("LIANXIN_CIPHER", "fernet").strip().lower() or "fernet"
    if name not in CIPHER_NAMES:
        raise ImproperlyConfigured(f"LIANXIN_CIPHER is {name!r}: use one of {', '.join(CIPHER_NAMES)}.")
    return name


def data_keys() -> tuple[str, ...]:
    """The current data key first, then the old ones still accepted for reading."""
    old = [k.strip() for k in _setting("LIANXIN_DATA_KEYS_OLD", "").split(",") if k.strip()]
    current = settings.DATA_KEY
    return (current, *[k for k in old if k != current])


def index_key_pinned() -> bool:
    """Whether `LIANXIN_INDEX_KEY` is set (the blind indexes then survive a change of the data key)."""
    return bool(_setting("LIANXIN_INDEX_KEY", "").strip())


def _index_key() -> str:
    return _setting("LIANXIN_INDEX_KEY", "").strip() or settings.DATA_KEY


def index_hash_name() -> str:
    name = _setting("LIANXIN_INDEX_HASH", "sha256").strip().lower() or "sha256"
    if name not in INDEX_HASHES:
        raise ImproperlyConfigured(f"LIANXIN_INDEX_HASH is {name!r}: use one of {', '.join(INDEX_HASHES)}.")
    return name


# --- ciphers ------------------------------------------------------------------------------------------


class DataCipher(Protocol):
    def encrypt(self, value: bytes) -> str: ...

    def decrypt(self, token: str) -> bytes: ...

    def owns(self, token: str) -> bool:
        """Whether `token` was written by this cipher."""
        ...

    def is_current(self, token: str) -> bool:
        """Whether `token` is of this cipher under the current key (nothing to rewrite)."""
        ...


@lru_cache(maxsize=64)
def _fernet_key(data_key: str) -> Fernet:
    derived = hashlib.sha256(("lianxin-fernet:" + data_key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


@dataclass(frozen=True)
class FernetCipher:
    keys: tuple[str, ...]
    name: str = "fernet"

    def _multi(self) -> MultiFernet:
        return MultiFernet([_fernet_key(k) for k in self.keys])

    def encrypt(self, value: bytes) -> str:
        return _fernet_key(self.keys[0]).encrypt(value).decode()

    def decrypt(self, token: str) -> bytes:
        return self._multi().decrypt(token.encode())

    def owns(self, token: str) -> bool:
        return not token.startswith(SM4_PREFIX)

    def is_current(self, token: str) -> bool:
        if not self.owns(token):
            return False
        try:
            _fernet_key(self.keys[0]).decrypt(token.encode())
        except InvalidToken:
            return False
        return True


@lru_cache(maxsize=64)
def _sm4_key(data_key: str) -> tuple[str, bytes]:
    """(key id, 128-bit SM4 key) derived from a data key with SM3."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(("lianxin-sm4:" + data_key).encode())
    material = digest.finalize()
    kid_hash = hashes.Hash(hashes.SM3())
    kid_hash.update(b"lianxin-sm4-kid:" + material)
    return kid_hash.finalize()[:4].hex(), material[:16]


@dataclass(frozen=True)
class Sm4GcmCipher:
    keys: tuple[str, ...]
    name: str = "sm4"

    def encrypt(self, value: bytes) -> str:
        kid, key = _sm4_key(self.keys[0])
        nonce = os.urandom(12)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_SM4_AAD)
        body = encryptor.update(value) + encryptor.finalize()
        packed = base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode().rstrip("=")
        return f"{SM4_PREFIX}{kid}:{packed}"

    def decrypt(self, token: str) -> bytes:
        try:
            kid, packed = token[len(SM4_PREFIX) :].split(":", 1)
            raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        except (ValueError, TypeError):
            raise InvalidToken from None
        if len(raw) < 12 + 16:
            raise InvalidToken
        nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
        for data_key in self.keys:
            key_id, key = _sm4_key(data_key)
            if key_id != kid:
                continue
            decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(_SM4_AAD)
            try:
                return decryptor.update(body) + decryptor.finalize()
            except InvalidTag:
                continue
        raise InvalidToken

    def owns(self, token: str) -> bool:
        return token.startswith(SM4_PREFIX)

    def is_current(self, token: str) -> bool:
        return self.owns(token) and token[len(SM4_PREFIX) :].split(":", 1)[0] == _sm4_key(self.keys[0])[0]


_CIPHERS: dict[str, type[FernetCipher] | type[Sm4GcmCipher]] = {"fernet": FernetCipher, "sm4": Sm4GcmCipher}


def cipher(name: str | None = None) -> DataCipher:
    """The cipher `name` (default: `LIANXIN_CIPHER`) over the data keys."""
    return _CIPHERS[name or cipher_name()](data_keys())


def _reader(token: str) -> DataCipher:
    return cipher("sm4" if token.startswith(SM4_PREFIX) else "fernet")


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode())


def decrypt(token: str) -> str:
    try:
        return _reader(token).decrypt(token).decode()
    except InvalidToken as exc:  # wrong key or tampered value: never show ciphertext as data
        raise ValueError(
            "Encrypted value cannot be decrypted with LIANXIN_DATA_KEY or LIANXIN_DATA_KEYS_OLD"
        ) from exc


def token_is_current(token: str) -> bool:
    """Whether a stored token is written by the configured cipher under the current key."""
    return cipher().is_current(token)


# --- blind indexes --------------------------------------------------------------------------------------


def normalise_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def blind_index(value: str, *, purpose: str = "phone") -> str:
    """A keyed hash for equality search (HMAC-SHA256, or HMAC-SM3); empty for empty input."""
    if not value:
        return ""
    material = ("lianxin-index:" + purpose + ":" + _index_key()).encode()
    if index_hash_name() == "sm3":
        digest = hashes.Hash(hashes.SM3())
        digest.update(material)
        mac = crypto_hmac.HMAC(digest.finalize(), hashes.SM3())
        mac.update(value.encode())
        return mac.finalize().hex()
    key = hashlib.sha256(material).digest()
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
        if lookup_name == "exact" and masked_copy_of(self) is not None:
            return MaskedExact
        return super().get_lookup(lookup_name)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value stored encrypted (its JSON text is the plain text): for parameters that carry the
    texts of encrypted rows (a notification's demand title, a reason). Only `isnull` can be looked up."""

    description = "JSON encrypted at rest"
    # what django-stubs reads as the field's Python type (any JSON value, as for models.JSONField)
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


def masked_copy_of(field: Any) -> Any:
    """The first `MaskedCopyField` of `field`'s model made from `field` (None: it has none)."""
    from lianxin.core.masking import MaskedCopyField

    model = getattr(field, "model", None)
    if model is None:
        return None
    for other in model._meta.concrete_fields:
        if isinstance(other, MaskedCopyField) and other.source == field.name:
            return other
    return None


class MaskedExact(Lookup):
    """`encrypted_field=text` where the field has a masked copy: the copies are compared
    (`copy = mask(text)`), since random ciphertexts never compare equal. Exact for text without personal
    data (a title such as 井盖缺失); texts that differ only in masked personal data match alike."""

    lookup_name = "exact"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        target = getattr(self.lhs, "target", None)
        copy = masked_copy_of(target) if target is not None else None
        if copy is None or hasattr(self.rhs, "resolve_expression"):
            raise NotSupportedError("an encrypted field compares only with a plain value")
        sql, params = compiler.compile(Col(self.lhs.alias, copy))
        return f"{sql} = %s", [*params, copy.mask(str(self.rhs or ""))]


# Numbers written into free text as people write them: 138 0000 1111, +86-138…, 0731-8888 1234, an ID
# number ending in X. Each is indexed by its digits (and X), so a full-view search finds it by equality.
_NUMBER_IN_TEXT = re.compile(r"(?<![\dA-Za-z])(?:\+?86[\s-]?)?\d(?:[\s\-]?\d){6,17}[xX]?(?![\dA-Za-z])")


def number_key(text: str) -> str:
    """The digits (and a final X) of a number as typed, without a leading +86 of a mobile."""
    key = re.sub(r"[^\dX]", "", (text or "").upper())
    if key.startswith("86") and len(key) == 13:
        key = key[2:]
    return key


def number_indexes(text: str) -> list[str]:
    """Blind indexes of the numbers (7 digits and more) written in `text`, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in _NUMBER_IN_TEXT.finditer(text or ""):
        seen.setdefault(blind_index(number_key(match.group(0)), purpose="text-number"), None)
    return list(seen)


def number_index(query: str) -> str:
    """The blind index a search for the number `query` looks up (`NumberIndexField`)."""
    return blind_index(number_key(query), purpose="text-number")


class NumberIndexField(models.TextField):
    """Blind indexes of the numbers (phones, ID numbers) written in other fields of the model, one word
    each, filled on every save: encrypted text stays searchable by a whole number, for the roles that may
    read it, and by nothing else (`field__contains=number_index(q)`)."""

    description = "Blind indexes of numbers in encrypted text"

    def __init__(self, *args: Any, sources: tuple[str, ...] | list[str] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        kwargs["sources"] = list(self.sources)
        return name, path, args, kwargs

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        found: list[str] = []
        for source in self.sources:
            found += [h for h in number_indexes(getattr(model_instance, source, "") or "") if h not in found]
        value = " ".join(found)
        setattr(model_instance, self.attname, value)
        return value


# --- rewriting stored values (the `rekey` command, migrations that start encrypting a column) -----------


_FIRST_BASE64 = re.compile(r"[A-Za-z0-9+/\-_=]")


def _may_be_token(value: str) -> bool:
    """Whether `value` can be a token of either cipher. A Fernet token's first byte is its version 0x80,
    "g" in base64, and the decoder skips every character outside base64: a value whose first base64
    character is another one (or that has none) fails to decrypt, so it is not tried. An SM4 token
    starts with its prefix."""
    if value.startswith(SM4_PREFIX):
        return True
    first = _FIRST_BASE64.search(value)
    return first is not None and first.group() in ("g", "=")


def _plain_of(token: str | None, *, plain_ok: bool) -> tuple[str | None, bool]:
    """(plain text, whether the stored value must be rewritten)."""
    if not token:
        return token, False
    if plain_ok and not _may_be_token(token):
        return token, True  # a value stored before its column was encrypted (it is no token)
    try:
        plain = decrypt(token)
    except ValueError:
        if not plain_ok:
            raise
        return token, True  # a value stored before its column was encrypted
    return plain, not token_is_current(token)


def encrypted_columns(model: Any) -> tuple[list[Any], list[Any]]:
    """(the `EncryptedTextField`s, the `MaskedCopyField`s and `NumberIndexField`s made from them) of
    `model`, in the order `rewritten_values` takes and gives their values."""
    from lianxin.core.masking import MaskedCopyField

    meta = model._meta
    encrypted = [f for f in meta.concrete_fields if isinstance(f, EncryptedTextField)]
    derived = [f for f in meta.concrete_fields if isinstance(f, (MaskedCopyField, NumberIndexField))]
    return encrypted, derived


def rewritten_values(
    encrypted: list[Any], derived: list[Any], stored: Any, *, plain_ok: bool = False, refresh: bool = False
) -> list[Any] | None:
    """The new values of one row's encrypted columns (`stored`, as stored, in the order of `encrypted`)
    followed by its masked copies and number indexes made from the plain text; None when nothing is to
    be rewritten (every token current, and no `refresh`). Raises ValueError for a token no key reads
    (unless `plain_ok`: a value that is no token is then plain text to encrypt)."""
    plain: dict[str, Any] = {}
    stale = False
    for field, token in zip(encrypted, stored):
        plain[field.attname], changed = _plain_of(token, plain_ok=plain_ok)
        stale = stale or changed
    if not (stale or refresh):
        return None
    values = [encrypt(plain[f.attname]) if plain[f.attname] else plain[f.attname] for f in encrypted]
    holder = type("Row", (), plain)()
    values += [f.pre_save(holder, add=False) for f in derived]
    return values


def rewrite_encrypted(
    model: Any,
    *,
    plain_ok: bool = False,
    batch: int = 500,
    refresh: bool = False,
    pk_range: tuple[int, int] | None = None,
) -> int:
    """Re-encrypt every encrypted column of `model` whose stored token is not written by the current
    cipher under the current key, in batches of `batch` rows, with the raw values (no model code runs).
    The masked copies and number indexes of the row (`MaskedCopyField`, `NumberIndexField`) are made
    again from the plain text when the row is rewritten, or always with `refresh`. `plain_ok`: a value
    that is no token is taken as plain text to encrypt (a column that was not encrypted before).
    `pk_range` (first, last): only the rows whose primary key is in it (several processes can then share
    a table). Returns the number of rows rewritten. Works with a migration's historical model too.

    On PostgreSQL a batch is written by one `UPDATE … FROM (VALUES …)`; elsewhere one UPDATE per row."""
    from django.db import connection, transaction

    meta = model._meta
    encrypted, derived = encrypted_columns(model)
    if not encrypted:
        return 0
    quote = connection.ops.quote_name
    pk = meta.pk.column
    columns = ", ".join(quote(f.column) for f in encrypted)
    # identifiers are the model's own, quoted; values are parameters
    select = f"SELECT {quote(pk)}, {columns} FROM {quote(meta.db_table)}"  # noqa: S608
    order = f" ORDER BY {quote(pk)} LIMIT {int(batch)}"
    bounds, bound_params = "", []
    if pk_range is not None:
        bounds, bound_params = f" AND {quote(pk)} <= %s", [pk_range[1]]
    written = [*encrypted, *derived]
    rewritten, last = 0, (pk_range[0] - 1 if pk_range is not None else None)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(select + order)
            else:
                cursor.execute(select + f" WHERE {quote(pk)} > %s" + bounds + order, [last, *bound_params])
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            updates = []
            for row in rows:
                last = row[0]
                values = rewritten_values(encrypted, derived, row[1:], plain_ok=plain_ok, refresh=refresh)
                if values is not None:
                    updates.append([*values, row[0]])
            if updates:
                _update_rows(cursor, meta, written, updates)
                rewritten += len(updates)


def _update_rows(cursor: Any, meta: Any, fields: list[Any], updates: list[list[Any]]) -> None:
    """Write `updates` (the values of `fields`, then the primary key, per row) to `meta`'s table."""
    from django.db import connection

    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    if connection.vendor != "postgresql":
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", updates)  # noqa: S608
        return
    # one statement per batch: the values as a VALUES list (each column cast to its own type)
    names = [f"c{i}" for i in range(len(fields))]
    casts = [f.db_type(connection) or "text" for f in fields] + [meta.pk.rel_db_type(connection)]
    row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{name}" for f, name in zip(fields, names))
    for start in range(0, len(updates), 1000):  # at most 1,000 rows (and their parameters) a statement
        chunk = updates[start : start + 1000]
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM (VALUES {', '.join([row_sql] * len(chunk))}) "  # noqa: S608
            f"AS v({', '.join([*names, 'pk'])}) WHERE t.{pk} = v.pk",
            [value for row in chunk for value in row],
        )
