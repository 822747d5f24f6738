"""Chinese full-text search: jieba segmentation plus one index interface over two databases.

Documents and queries are cut with `jieba.cut_for_search` into words separated by spaces, so the
database's own tokenizer only has to split on spaces: SQLite's FTS5 (`unicode61`) and PostgreSQL's
`to_tsvector('simple', …)` then agree on the words. Ranking is bm25 on SQLite and `ts_rank_cd` on
PostgreSQL; both return (article id, rank) pairs, best first, and the caller loads the articles.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.utils import timezone
from django.utils.html import escape

_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Function words that would make every query match everything.
STOPWORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "是",
        "在",
        "也",
        "就",
        "都",
        "而",
        "或",
        "之",
        "其",
        "这",
        "那",
        "有",
        "为",
        "对",
        "把",
        "被",
        "从",
        "以",
        "于",
        "等",
        "中",
        "上",
        "下",
        "个",
        "着",
    ]
)
MAX_QUERY_TERMS = 12


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """Words of `text` for indexing: jieba search-mode cut, lower-cased, punctuation dropped."""
    words = []
    for word in _jieba().cut_for_search(text or ""):
        word = word.strip().lower()
        if word and _WORD.search(word):
            words.append(word)
    return words


def segmented_text(*parts: str) -> str:
    return " ".join(w for part in parts for w in segment(part))


def query_terms(query: str) -> list[str]:
    """Distinct search words of a query, in order, without stopwords; at most MAX_QUERY_TERMS."""
    seen: dict[str, None] = {}
    for word in segment(query[:200]):
        if word not in STOPWORDS and len(seen) < MAX_QUERY_TERMS:
            seen.setdefault(word, None)
    return list(seen)


# Counting every match of a very common word costs more than the ranked page itself; beyond this many
# the page says "more than COUNT_CAP".
COUNT_CAP = 1000


@dataclass(frozen=True)
class Hits:
    ids_ranked: list[tuple[int, float]]
    total: int
    capped: bool = False


SQLITE_RANKED = (
    "SELECT a.id, bm25(portal_article_fts) AS rank FROM portal_article_fts "
    "JOIN portal_article a ON a.id = portal_article_fts.rowid "
    "WHERE portal_article_fts MATCH %s AND a.state = 'published' AND a.published_at <= %s "
    "ORDER BY rank, a.published_at DESC LIMIT %s OFFSET %s"
)
SQLITE_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM portal_article_fts "
    "JOIN portal_article a ON a.id = portal_article_fts.rowid "
    "WHERE portal_article_fts MATCH %s AND a.state = 'published' AND a.published_at <= %s LIMIT %s)"
)
# Ranking reads every matching tsvector, which for a word found in a third of 100,000 articles costs
# half a second; so rank only the newest RANK_WINDOW matches (the total is still counted, up to COUNT_CAP).
RANK_WINDOW = 1000  # written into PG_RANKED
PG_RANKED = (
    "WITH m AS (SELECT a.id, a.published_at, a.search_vector FROM portal_article a "
    "WHERE a.search_vector @@ to_tsquery('simple', %s) AND a.state = 'published' AND a.published_at <= %s "
    "ORDER BY a.published_at DESC LIMIT 1000) "
    "SELECT m.id, ts_rank_cd(m.search_vector, to_tsquery('simple', %s)) AS rank FROM m "
    "ORDER BY rank DESC, m.published_at DESC LIMIT %s OFFSET %s"
)
PG_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM portal_article a "
    "WHERE a.search_vector @@ to_tsquery('simple', %s) AND a.state = 'published' AND a.published_at <= %s "
    "LIMIT %s) s"
)


class _Index:
    ranked_sql = ""
    count_sql = ""
    rank_twice = False

    def expression(self, terms: list[str], any_term: bool) -> str:
        raise NotImplementedError

    def search(self, terms: list[str], *, any_term: bool, limit: int, offset: int) -> Hits:
        expression = self.expression(terms, any_term)
        now = timezone.now()
        with connection.cursor() as cursor:
            params = (
                [expression, now, expression, limit, offset]
                if self.rank_twice
                else [expression, now, limit, offset]
            )
            cursor.execute(self.ranked_sql, params)
            rows = [(int(r[0]), float(r[1])) for r in cursor.fetchall()]
            cursor.execute(self.count_sql, [expression, now, COUNT_CAP + 1])
            total = int(cursor.fetchone()[0])
        return Hits(rows, min(total, COUNT_CAP), capped=total > COUNT_CAP)


class SqliteIndex(_Index):
    """FTS5 table `portal_article_fts` (rowid = article id), filled by triggers (migration 0002); bm25
    ranks lower-is-better, so the rank is negated for callers."""

    ranked_sql = SQLITE_RANKED
    count_sql = SQLITE_COUNT

    def expression(self, terms: list[str], any_term: bool) -> str:
        quoted = ['"' + t.replace('"', '""') + '"' for t in terms]
        return (" OR " if any_term else " AND ").join(quoted)

    def search(self, terms: list[str], *, any_term: bool, limit: int, offset: int) -> Hits:
        hits = super().search(terms, any_term=any_term, limit=limit, offset=offset)
        return Hits([(i, -r) for i, r in hits.ids_ranked], hits.total, hits.capped)


class PostgresIndex(_Index):
    """A tsvector column `search_vector` on portal_article ('simple' configuration over the segmented
    text) with a GIN index, filled by a trigger (migration 0002); ranked by ts_rank_cd."""

    ranked_sql = PG_RANKED
    count_sql = PG_COUNT
    rank_twice = True

    def expression(self, terms: list[str], any_term: bool) -> str:
        op = " | " if any_term else " & "
        return op.join("'" + t.replace("\\", "").replace("'", "''") + "'" for t in terms)


def index_for_connection() -> SqliteIndex | PostgresIndex:
    if connection.vendor == "postgresql":
        return PostgresIndex()
    if connection.vendor == "sqlite":
        return SqliteIndex()
    raise NotImplementedError(f"portal search does not support {connection.vendor}")


def search_ids(query: str, *, limit: int = 20, offset: int = 0) -> tuple[list[str], Hits]:
    """Ranked public article ids for `query`: all words must match; if none does, any word may."""
    terms = query_terms(query)
    if not terms:
        return [], Hits([], 0)
    index = index_for_connection()
    hits = index.search(terms, any_term=False, limit=limit, offset=offset)
    if hits.total == 0 and len(terms) > 1:
        hits = index.search(terms, any_term=True, limit=limit, offset=offset)
    return terms, hits


# --- highlighting ---------------------------------------------------------------------------------


def highlight(text: str, terms: list[str]) -> str:
    """`text` escaped, with every occurrence of a term wrapped in <mark> (longest terms first)."""
    if not text:
        return ""
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return str(escape(text))
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append("<mark>" + html.escape(m.group(0)) + "</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def snippet(text: str, terms: list[str], width: int = 120) -> str:
    """A window of plain `text` around the first term found, highlighted."""
    text = " ".join((text or "").split())
    lowered = text.lower()
    positions = [p for p in (lowered.find(t.lower()) for t in terms if t) if p >= 0]
    start = max(0, min(positions) - width // 3) if positions else 0
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return prefix + highlight(piece, terms) + suffix
