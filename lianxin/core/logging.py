"""A logging filter that keeps personal data (phones, ID numbers, e-mail addresses) out of every log line.

It uses the same detector that masks free text for the public (lianxin.intel.pii), so the two never
disagree about what counts as a phone or an ID number.
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
