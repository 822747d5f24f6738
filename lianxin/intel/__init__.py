"""Lianxin's text intelligence, free of Django: it works on plain texts and records.

Modules: `text` (normalisation, segmentation, places), `data` (lenient file readers), `classifier`,
`similar`, `hotspots`, `urgency`, `pii`, `reply_quality`, `runs` (file-level runs behind the commands).
A thin adapter in `lianxin.analysis` feeds these from the database and stores their results.
"""

from lianxin.intel.errors import IntelError

__all__ = ["IntelError"]
