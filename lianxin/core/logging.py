"""Logging filters: personal data (phones, ID numbers, e-mail addresses) kept out of every log line, and
requests refused for the client's fault logged as one line, not a traceback.

The personal-data filter uses the same detector that masks free text for the public
(lianxin.intel.pii), so the two never disagree about what counts as a phone or an ID number.
"""

from __future__ import annotations

import logging

from lianxin.intel.pii import mask_pii

LOGGED_KINDS = frozenset({"phone", "id_card", "email"})


def scrub(text: str) -> str:
    return mask_pii(text, kinds=set(LOGGED_KINDS))


class PiiFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not stop logging
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class ClientErrorFilter(logging.Filter):
    """On `django.request`: a 4xx answer (a refused permission, a page that is not there) is the client's
    doing, so its warning keeps its one line and drops the traceback Django attaches to it; a 5xx keeps
    its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info, record.exc_text = None, None
        return True
