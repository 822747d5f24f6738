"""Limits on what a request may carry, applied at the edge before any view sees it.

- JSON: at most `LIANXIN_JSON_MAX_BYTES` bytes and `LIANXIN_JSON_MAX_DEPTH` levels of nesting. The depth
  is measured by a scan of the brackets outside strings BEFORE the body is parsed, so a body of a few
  kilobytes nested a thousand deep is a 400 rather than a RecursionError (a 500) inside `json.loads`.
- Text: control characters (C0 and C1, DEL) are dropped from every string of a JSON body and every
  field of a form; tabs, newlines and carriage returns are kept.

The DRF parsers below are the API's defaults (settings.REST_FRAMEWORK); `RequestLimitsMiddleware`
(lianxin.core.middleware) applies the same checks to every door, plain Django views included.
`json_loads_limited` is for code that parses JSON it was given some other way (a file, a callback).
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError

CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


def max_depth() -> int:
    return int(getattr(settings, "LIANXIN_JSON_MAX_DEPTH", 32))


def max_bytes() -> int:
    return int(getattr(settings, "LIANXIN_JSON_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2**31))


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than allowed (a ValueError, as a malformed document is)."""


def json_depth_over(raw: bytes | str, limit: int) -> bool:
    """Whether the document nests arrays and objects more than `limit` deep (strings ignored)."""
    data = raw.encode() if isinstance(raw, str) else raw
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def strip_controls(value: Any) -> Any:
    """Strings with control characters removed (tab, newline, carriage return kept), recursively."""
    if isinstance(value, str):
        return CONTROL_CHARS.sub("", value)
    if isinstance(value, dict):
        return {strip_controls(k): strip_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_controls(v) for v in value]
    return value


def json_loads_limited(raw: bytes | str, *, depth: int | None = None) -> Any:
    """`json.loads` refusing documents nested deeper than the limit (JSONTooDeep, a ValueError)."""
    limit = max_depth() if depth is None else depth
    if json_depth_over(raw, limit):
        raise JSONTooDeep(f"JSON nested deeper than {limit} levels")
    return json.loads(raw)


def stripped_querydict(data: QueryDict) -> QueryDict:
    copy = data.copy()
    for key in list(copy.keys()):
        copy.setlist(key, [strip_controls(v) for v in copy.getlist(key)])
    copy._mutable = False
    return copy


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the size and depth limits, and control characters dropped."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = max_bytes()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"JSON body larger than {limit} bytes.")
        if json_depth_over(raw, max_depth()):
            raise ParseError(f"JSON nested deeper than {max_depth()} levels.")
        try:
            text = codecs.decode(raw, encoding)
            return strip_controls(json.loads(text, parse_constant=_no_constant))
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return stripped_querydict(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(stripped_querydict(result.data), result.files)
