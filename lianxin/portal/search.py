"""Chinese full-text search: jieba segmentation plus one index interface over two databases.

Documents and queries are cut with `jieba.cut_for_search` into words separated by spaces, so the
database's own tokenizer only has to split on spaces: SQLite's FTS5 (`unicode61`) and PostgreSQL's
`to_tsvector('simple', …)` then agree on the words. Ranking is bm25 on SQLite and `ts_rank_cd` on
PostgreSQL; both return (article id, rank) pairs, best first, and the caller loads the articles.
"""

from __future__ import annotations

import html
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache

import jieba
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
# Ranking reads every matching tsvector (a few kB each, stored out of line), which for a word found in a
# third of 100,000 articles costs half a second; so rank only the newest RANK_WINDOW matches. The same
# window, one row longer, gives the total up to COUNT_CAP without a second query.
RANK_WINDOW = 1000  # written into PG_RANKED
# How the newest matches are found: walking the published_at index newest first and testing each row
# (cheap when the words are common: ~RANK_WINDOW / frequency rows), or the GIN index (cheap when they are
# rare: one heap visit per match). The planner costs both as if testing a row were free, and picks the walk
# for words in a few percent of articles, where it reads tens of thousands of tsvectors; so the choice is
# made here from the term frequencies PostgreSQL's ANALYZE keeps (see _PgTermStats).
PG_MATCH_ORDERED = (
    "SELECT a.id, a.published_at, a.search_vector FROM portal_article a "
    "WHERE a.search_vector @@ to_tsquery('simple', %s) AND a.state = 'published' AND a.published_at <= %s "
    "ORDER BY a.published_at DESC LIMIT 1001"
)
# OFFSET 0 keeps the outer ORDER BY/LIMIT out of the subquery, so it is planned as "all matches" (GIN).
PG_MATCH_GIN = (
    "SELECT g.id, g.published_at, g.search_vector FROM (SELECT a.id, a.published_at, a.search_vector "
    "FROM portal_article a WHERE a.search_vector @@ to_tsquery('simple', %s) AND a.state = 'published' "
    "AND a.published_at <= %s OFFSET 0) g ORDER BY g.published_at DESC LIMIT 1001"
)
PG_RANKED = (
    "WITH w AS MATERIALIZED ({match}), "
    "m AS (SELECT w.id, w.published_at, w.search_vector FROM w ORDER BY w.published_at DESC LIMIT 1000) "
    "SELECT m.id, ts_rank_cd(m.search_vector, to_tsquery('simple', %s)) AS rank, (SELECT count(*) FROM w) "
    "FROM m ORDER BY rank DESC, m.published_at DESC, m.id DESC LIMIT %s OFFSET %s"
)
PG_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM portal_article a "
    "WHERE a.search_vector @@ to_tsquery('simple', %s) AND a.state = 'published' AND a.published_at <= %s "
    "LIMIT %s) s"
)


class _Index:
    ranked_sql = ""
    count_sql = ""

    def expression(self, terms: list[str], any_term: bool) -> str:
        raise NotImplementedError

    def search(self, terms: list[str], *, any_term: bool, limit: int, offset: int) -> Hits:
        expression = self.expression(terms, any_term)
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(self.ranked_sql, [expression, now, limit, offset])
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


class _PgTermStats:
    """Document frequencies of the commonest words, from pg_stats (ANALYZE keeps the ~1,000 most common
    lexemes of search_vector with their share of rows), re-read every STATS_SECONDS."""

    STATS_SECONDS = 600.0
    SQL = (
        "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, c.reltuples "
        "FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename AND c.relkind = 'r' "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE s.tablename = 'portal_article' AND s.attname = 'search_vector' "
        "AND s.schemaname = current_schema()"
    )

    def __init__(self) -> None:
        self.freqs: dict[str, float] = {}
        self.floor = 0.0  # share assumed for a word not in the list (as the planner does: half the least)
        self.rows = 0.0
        self.loaded_at = -1e18

    def refresh(self, cursor) -> None:
        now = time.monotonic()
        if now - self.loaded_at < self.STATS_SECONDS:
            return
        cursor.execute(self.SQL)
        row = cursor.fetchone()
        freqs: dict[str, float] = {}
        if row and row[0] and row[1]:
            words, shares = row[0], row[1]
            freqs = {w: float(f) for w, f in zip(words, shares[: len(words)], strict=False)}
        self.freqs = freqs
        self.floor = min(freqs.values()) / 2 if freqs else 0.0
        self.rows = float(row[2]) if row and row[2] and row[2] > 0 else 0.0
        self.loaded_at = now

    def matches(self, terms: list[str], any_term: bool) -> float:
        """Estimated number of matching articles (terms taken as independent, like the planner does)."""
        shares = [self.freqs.get(t, self.floor) for t in terms]
        if any_term:
            miss = 1.0
            for f in shares:
                miss *= 1.0 - f
            share = 1.0 - miss
        else:
            share = 1.0
            for f in shares:
                share *= f
        return share * self.rows


_pg_term_stats = _PgTermStats()


class PostgresIndex(_Index):
    """A tsvector column `search_vector` on portal_article ('simple' configuration over the segmented
    text) with a GIN index, filled by a trigger (migration 0002); ranked by ts_rank_cd over the newest
    RANK_WINDOW matches, found by the cheaper of the two ways above; one query gives rows and total."""

    count_sql = PG_COUNT

    def expression(self, terms: list[str], any_term: bool) -> str:
        op = " | " if any_term else " & "
        return op.join("'" + t.replace("\\", "").replace("'", "''") + "'" for t in terms)

    @staticmethod
    def walk_newest_first(estimated_matches: float, rows: float) -> bool:
        """Walking newest-first tests ~RANK_WINDOW * rows / m rows, the GIN way visits m rows, at about
        the same cost per row (measured: 3-6 µs either way): walk when m > sqrt(RANK_WINDOW * rows)."""
        return rows > 0 and estimated_matches * estimated_matches > RANK_WINDOW * rows

    def search(self, terms: list[str], *, any_term: bool, limit: int, offset: int) -> Hits:
        expression = self.expression(terms, any_term)
        now = timezone.now()
        with connection.cursor() as cursor:
            stats = _pg_term_stats
            stats.refresh(cursor)
            walk = self.walk_newest_first(stats.matches(terms, any_term), stats.rows)
            sql = PG_RANKED.format(match=PG_MATCH_ORDERED if walk else PG_MATCH_GIN)
            cursor.execute(sql, [expression, now, expression, limit, offset])
            fetched = cursor.fetchall()
            rows = [(int(r[0]), float(r[1])) for r in fetched]
            if fetched:
                total = int(fetched[0][2])
            elif offset == 0:
                total = 0
            else:  # a page past the end: count on its own
                cursor.execute(self.count_sql, [expression, now, COUNT_CAP + 1])
                total = int(cursor.fetchone()[0])
        return Hits(rows, min(total, COUNT_CAP), capped=total > COUNT_CAP)


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
