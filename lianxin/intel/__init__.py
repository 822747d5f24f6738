"""Lianxin's text intelligence, free of Django: it works on plain texts and records.

Modules: `text` (normalisation, segmentation, places), `data` (lenient file readers), `vectors`
(sparse counts and TF-IDF), `classifier`, `similar`, `hotspots`, `urgency`, `pii`, `reply_quality`,
`checks` (the check sets of docs/intel.md) and `runs` (file-level runs behind the commands).
A thin adapter in `lianxin.analysis` feeds these from the database and stores their results.
"""

from lianxin.intel.errors import IntelError

__all__ = ["IntelError"]
