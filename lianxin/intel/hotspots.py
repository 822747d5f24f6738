"""Hot issues: group the messages of a time window into issues — one problem at one place, or for one
group of people — and rank them by a heat index.

Grouping (see docs/intel.md):
- A message's *problem* is the TF-IDF vector of its words (title counted twice, the first
  `CONTENT_CHARS` characters of the details once) and of the character pairs of its title, without
  place names, area codes or stopwords; terms of a single message or of more than `max_df` of them
  are dropped. Its *places* are its named places (魅力之城小区, 经济学院…; one name inside another agrees:
  万科魅力之城 ~ 魅力之城) and its district (区/县 code). A name met in three or more districts is
  generic (物业公司, 人民医院) and is no place.
- Similarity of two messages = cosine of problems + `place_bonus` when their places agree. Messages
  that both name places with none in common, or lie in different districts, are never alike; when
  either names no place, the cosine alone must reach `link_text` (an issue of a group of people).
- Link: each message is joined to its `neighbours` most similar ones with similarity ≥ `link` (above
  `place_bonus`, so a shared place alone links nothing). Candidates come from rare words and
  shared places only, in chunks of `chunk` messages, so memory stays bounded.
- Split: each linked group is cut by average linkage at `split`, so that chains of weak links fall
  apart; a group larger than `MAX_DENSE` is first cut into the groups of its stronger links.
- Re-split: a group of `COHERENT_MIN` or more messages in which fewer than `coherence` of the pairs share
  problem words (cosine ≥ `COHERENT_COSINE`) is a place with many problems, not one problem: it is cut
  again with the smaller `weak_place_bonus`, so that each problem of that place stands alone.
- An issue needs `min_messages` messages.

Heat index, for an issue with n messages from u distinct users (a message without a user counts as its
own user), L likes and D dislikes, in a window ending at `now`:
    voices        V = u + 0.5 (n − u)                       people count fully, repeats by one person half
    support       S = 0.5 ln(1 + L + 0.5 D)                 agreement shown by others, with diminishing weight
    concentration C = largest share of the issue's messages within any 30 days        (0…1]
    recency       R = exp(−age / 60 days), age = days from the issue's last message to `now`
    heat          H = (V + S) × (0.5 + 0.25 C + 0.25 R)
so heat grows with people, then support; a burst and a recent issue weigh up to twice a scattered, old one.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from lianxin.intel.text import (
    AREA_CODE_RE,
    normalize,
    place_core,
    place_names,
    primary_area,
    tokens,
    without_places,
)
from lianxin.intel.vectors import TermCounts, smooth_idf, tfidf

CONTENT_CHARS = 300
COHERENT_MIN = 6  # groups this large are checked for sharing a problem (smaller ones are judged by linkage)
COHERENT_COSINE = 0.1  # two messages "share problem words" from this cosine of their problems
MAX_DENSE = 2000  # largest group compared pair by pair when splitting
GENERIC_DISTRICTS = 3  # a place name met in this many districts is not a place
GROUP_WORDS = (
    "学生",
    "家长",
    "业主",
    "居民",
    "村民",
    "教师",
    "老师",
    "职工",
    "员工",
    "农民工",
    "工人",
    "退休人员",
    "退休职工",
    "老人",
    "患者",
    "商户",
    "考生",
    "乘客",
    "司机",
    "租户",
    "残疾人",
    "退伍军人",
    "退役军人",
    "军人",
    "医生",
    "护士",
    "购房者",
    "消费者",
    "投资人",
    "出借人",
    "环卫工人",
    "代课教师",
    "特岗教师",
    "志愿者",
    "外卖员",
    "快递员",
)


@dataclass(frozen=True)
class HotMessage:
    """What hot-issue mining needs of a message (a `data.Message` has all of these)."""

    id: str
    title: str = ""
    content: str = ""
    user: str = ""
    time: datetime | None = None
    likes: int = 0
    dislikes: int = 0


@dataclass
class HotIssue:
    rank: int
    heat: float
    start: datetime | None
    end: datetime | None
    place_or_group: str
    summary: str
    message_ids: list[str]
    n_messages: int = 0
    n_users: int = 0
    likes: int = 0
    dislikes: int = 0
    components: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """The JSON of contract.md (plus counts and the heat components beside it)."""
        return {
            "rank": self.rank,
            "heat": round(self.heat, 3),
            "start": self.start.isoformat(sep=" ") if self.start else None,
            "end": self.end.isoformat(sep=" ") if self.end else None,
            "place_or_group": self.place_or_group,
            "summary": self.summary,
            "message_ids": self.message_ids,
            "n_messages": self.n_messages,
            "n_users": self.n_users,
            "likes": self.likes,
            "dislikes": self.dislikes,
            "components": {k: round(v, 4) for k, v in self.components.items()},
        }


# --- places -----------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    problems: TermCounts  # problem terms: words and title bigrams, place names taken out
    names: list[list[str]]  # named places as written
    cores: list[frozenset[str]]  # named places without suffix
    areas: list[str]
    groups: list[list[str]]


def _bigrams(text: str) -> list[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return ["~" + chars[i] + chars[i + 1] for i in range(len(chars) - 1)]


def _prepare(messages: Sequence[HotMessage], progress: bool) -> _Prepared:
    prepared = _Prepared(TermCounts(), [], [], [], [])
    for message in tqdm(messages, desc="segment", disable=not progress, file=sys.stderr):
        title = normalize(message.title)
        content = normalize(message.content)[:CONTENT_CHARS]
        body = f"{title}。{content}" if title else content
        names = place_names(body)
        area = primary_area(body)
        cores = frozenset(place_core(n) for n in names)
        bare_title = title
        for name in sorted({*names, *cores, area}, key=len, reverse=True):
            if name:
                bare_title = bare_title.replace(name, "。")
        bare_title = AREA_CODE_RE.sub("。", bare_title)
        words = without_places(tokens(bare_title) * 2 + tokens(content), names)
        prepared.problems.add(words + _bigrams(bare_title))
        prepared.names.append(names)
        prepared.cores.append(cores)
        prepared.areas.append(area)
        prepared.groups.append([g for g in GROUP_WORDS if g in body])
    return prepared


class _Places:
    """Place agreement as sparse products: two messages agree on place when a named place of one is
    (part of) a named place of the other; they conflict when both name places and none agrees, or
    when both name districts (区/县) and these differ. A name met in `GENERIC_DISTRICTS` or more
    districts is generic (物业公司, 人民医院, 公交) and says nothing about where."""

    def __init__(self, prepared: _Prepared) -> None:
        known = {core for cores in prepared.cores for core in cores}
        keys_of: list[set[str]] = []
        spread: dict[str, set[str]] = defaultdict(set)
        for cores, area in zip(prepared.cores, prepared.areas):
            mine = set()
            for core in cores:
                mine.add(core)
                mine.update(
                    core[a:b]
                    for a in range(len(core))
                    for b in range(a + 2, len(core) + 1)
                    if core[a:b] in known
                )
            keys_of.append(mine)
            if area and area[-1] in "区县":
                for key in mine:
                    if len(spread[key]) < GENERIC_DISTRICTS:
                        spread[key].add(area)
        generic = {key for key, areas in spread.items() if len(areas) >= GENERIC_DISTRICTS}
        keys: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, mine in enumerate(keys_of):
            for key in mine - generic:
                rows.append(i)
                cols.append(keys.setdefault(key, len(keys)))
        n = len(prepared.cores)
        self.matrix = sp.csr_matrix(
            (
                np.ones(len(rows), dtype=np.float32),
                (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)),
            ),
            shape=(n, max(1, len(keys))),
        )
        self.transposed = self.matrix.T.tocsr()
        self.has_place = np.diff(self.matrix.indptr) > 0
        districts: dict[str, int] = {}
        self.district = np.asarray(
            [districts.setdefault(a, len(districts)) if a and a[-1] in "区县" else -1 for a in prepared.areas]
        )


class _Problems:
    """Problem vectors split into rare and common words, so that the messages a message is compared
    with are only those sharing a rare word or a place with it (a few, not all), while the similarity of
    such a pair is still the cosine over all words."""

    def __init__(self, matrix: sp.csr_matrix, rare_df: int) -> None:
        df = np.bincount(matrix.indices, minlength=matrix.shape[1])
        rare = df <= rare_df
        self.matrix = matrix
        self.rare = matrix[:, np.flatnonzero(rare)].tocsr()
        self.rare_t = self.rare.T.tocsr()
        self.common = matrix[:, np.flatnonzero(~rare)].tocsr()


def _top_per_row(matrix: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and value of the `k` largest entries of each row (COO arrays)."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    values: list[np.ndarray] = []
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    for r in range(matrix.shape[0]):
        lo, hi = indptr[r], indptr[r + 1]
        if hi == lo:
            continue
        c, v = indices[lo:hi], data[lo:hi]
        if hi - lo > k:
            best = np.argpartition(-v, k)[:k]
            c, v = c[best], v[best]
        rows.append(np.full(c.size, r, dtype=np.int64))
        cols.append(c)
        values.append(v)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(cols).astype(np.int64), np.concatenate(values)


def _similarity(
    rows: np.ndarray,
    cols: np.ndarray | None,
    problems: _Problems,
    places: _Places,
    *,
    place_bonus: float,
    link_text: float,
    candidates: int = 60,
) -> sp.csr_matrix:
    """Similarity of messages `rows` to messages `cols` (all when None): cosine of problems, plus
    `place_bonus` when places agree; 0 where places conflict, and where either names no place and the
    cosine is under `link_text`. Against all messages, each row is compared with its `candidates` best
    by rare words and place (the rest are too unlike to be linked)."""
    if cols is None:
        col_ids = np.arange(problems.matrix.shape[0])
        shared = problems.rare[rows] @ problems.rare_t
        agree = places.matrix[rows] @ places.transposed
        agree.data[:] = _AGREED  # a flag far above any cosine, read back below
        i, j, value = _top_per_row((shared + agree).tocsr(), candidates)
        agreed = value >= _AGREED
        value = np.where(agreed, value - _AGREED, value)
        if problems.common.shape[1] and i.size:
            left = problems.common[rows[i]]
            right = problems.common[j]
            value = value + np.asarray(left.multiply(right).sum(axis=1)).ravel()
    else:
        col_ids = cols
        cosine = problems.matrix[rows] @ problems.matrix[cols].T
        agree = places.matrix[rows] @ places.matrix[cols].T
        agree.data[:] = _AGREED
        total = (cosine + agree).tocoo()
        i, j, value = total.row, total.col, total.data
        agreed = value >= _AGREED
        value = np.where(agreed, value - _AGREED, value)
    value = np.where(agreed, value + place_bonus, value)
    row_ids, other_ids = rows[i], col_ids[j]
    both_named = places.has_place[row_ids] & places.has_place[other_ids]
    d_i, d_j = places.district[row_ids], places.district[other_ids]
    conflict = (both_named & ~agreed) | ((d_i >= 0) & (d_j >= 0) & (d_i != d_j))
    weak_text = ~both_named & (value < link_text)
    keep = ~(conflict | weak_text) & (row_ids != other_ids)
    return sp.csr_matrix((value[keep], (i[keep], j[keep])), shape=(len(rows), len(col_ids)))


_AGREED = 16.0


# --- grouping ---------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, a: int) -> int:
        parent = self.parent
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return int(root)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _vectors(problems: TermCounts, max_df: float) -> sp.csr_matrix:
    """TF-IDF rows of the problem terms; with 50 messages or more, terms of one message or of more
    than `max_df` of them are dropped (they link nothing, or everything)."""
    counts = problems.matrix()
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = np.flatnonzero((df >= 2) & (df <= max_df * n)) if n >= 50 else np.flatnonzero(df >= 1)
    if keep.size == 0:  # nothing but stopwords everywhere
        return sp.csr_matrix((n, 1), dtype=np.float32)
    return tfidf(counts[:, keep], smooth_idf(df[keep], n))


def _link(
    problems: _Problems,
    places: _Places,
    *,
    threshold: float,
    place_bonus: float,
    link_text: float,
    neighbours: int,
    chunk: int,
    progress: bool,
) -> _UnionFind:
    n = problems.matrix.shape[0]
    groups = _UnionFind(n)
    for start in tqdm(range(0, n, chunk), desc="link", disable=not progress, file=sys.stderr):
        rows = np.arange(start, min(n, start + chunk))
        block = _similarity(rows, None, problems, places, place_bonus=place_bonus, link_text=link_text)
        block.data[block.data < threshold] = 0
        block.eliminate_zeros()
        for offset in range(block.shape[0]):
            lo, hi = block.indptr[offset], block.indptr[offset + 1]
            if hi == lo:
                continue
            cols, sims = block.indices[lo:hi], block.data[lo:hi]
            if cols.size > neighbours:
                cols = cols[np.argpartition(-sims, neighbours)[:neighbours]]
            i = start + offset
            for j in cols.tolist():
                groups.union(i, j)
    return groups


def _split(
    members: list[int],
    problems: _Problems,
    places: _Places,
    *,
    threshold: float,
    place_bonus: float,
    link_text: float,
    linked_at: float = 0.0,
) -> list[list[int]]:
    """Cut a linked group into issues by average linkage, so that a chain of weak links (each message
    like the next, the last like nothing of the first) falls apart. A group too big to compare all its
    pairs (`MAX_DENSE`) is first cut into the groups its stronger links make (+0.05 at a time)."""
    if len(members) <= 2:
        return [members]
    options = {"threshold": threshold, "place_bonus": place_bonus, "link_text": link_text}
    if len(members) > MAX_DENSE:
        stricter = max(linked_at, threshold) + 0.05
        if stricter >= 1.0:  # nothing left to tighten: cut in halves, keeping districts together
            order = sorted(members, key=lambda i: (int(places.district[i]), i))
            half = len(order) // 2
            return _split(order[:half], problems, places, linked_at=stricter, **options) + _split(
                order[half:], problems, places, linked_at=stricter, **options
            )
        pieces = _components(
            members, problems, places, stricter, place_bonus=place_bonus, link_text=link_text
        )
        return [
            part
            for piece in pieces
            for part in _split(piece, problems, places, linked_at=stricter, **options)
        ]
    from scipy.cluster.hierarchy import fcluster, linkage  # only when clustering: ~0.15 s to import

    rows = np.asarray(members)
    sims = _similarity(rows, rows, problems, places, place_bonus=place_bonus, link_text=link_text).toarray()
    sims = np.minimum(np.maximum(sims, sims.T), 1.0)
    distances = 1.0 - sims
    np.fill_diagonal(distances, 0.0)
    tree = linkage(distances[np.triu_indices(len(members), k=1)], method="average")
    labels = fcluster(tree, t=1.0 - threshold, criterion="distance")
    parts: dict[int, list[int]] = defaultdict(list)
    for member, label in zip(members, labels):
        parts[int(label)].append(member)
    return list(parts.values())


def _components(
    members: list[int],
    problems: _Problems,
    places: _Places,
    at: float,
    *,
    place_bonus: float,
    link_text: float,
) -> list[list[int]]:
    """The groups that links of similarity ≥ `at` make among `members`."""
    ids = np.asarray(members)
    groups = _UnionFind(len(members))
    for start in range(0, len(members), 500):
        rows = ids[start : start + 500]
        block = _similarity(rows, ids, problems, places, place_bonus=place_bonus, link_text=link_text).tocoo()
        strong = block.data >= at
        for i, j in zip((block.row[strong] + start).tolist(), block.col[strong].tolist()):
            groups.union(i, j)
    parts: dict[int, list[int]] = defaultdict(list)
    for k, member in enumerate(members):
        parts[groups.find(k)].append(member)
    return list(parts.values())


def _coherent(members: list[int], problems: _Problems, coherence: float) -> bool:
    """Whether at least `coherence` of the pairs of `members` share problem words (see the module rules)."""
    n = len(members)
    if n < COHERENT_MIN or n > MAX_DENSE:
        return True
    rows = problems.matrix[np.asarray(members)]
    close = int(((rows @ rows.T).toarray() >= COHERENT_COSINE).sum()) - n  # the diagonal is 1
    return close >= coherence * n * (n - 1)


# --- heat -------------------------------------------------------------------------------------------


def _concentration(times: list[datetime], days: int = 30) -> float:
    if len(times) <= 1:
        return 1.0
    ordered = sorted(times)
    span = timedelta(days=days)
    best, j = 1, 0
    for i, moment in enumerate(ordered):
        while moment - ordered[j] > span:
            j += 1
        best = max(best, i - j + 1)
    return best / len(times)


def heat_index(
    *, n_messages: int, n_users: int, likes: int, dislikes: int, times: list[datetime], now: datetime | None
) -> tuple[float, dict[str, float]]:
    """The heat of an issue and its components (see the module docstring for the definition)."""
    voices = n_users + 0.5 * max(0, n_messages - n_users)
    support = 0.5 * math.log1p(max(0, likes) + 0.5 * max(0, dislikes))
    concentration = _concentration(times) if times else 0.5
    if times and now is not None:
        age = max(0.0, (now - max(times)).total_seconds() / 86400.0)
        recency = math.exp(-age / 60.0)
    else:
        recency = 0.5
    heat = (voices + support) * (0.5 + 0.25 * concentration + 0.25 * recency)
    return heat, {
        "voices": voices,
        "support": support,
        "concentration": concentration,
        "recency": recency,
    }


def _label(members: list[int], messages: Sequence[HotMessage], prepared: _Prepared) -> tuple[str, str]:
    """Where or whom the issue is about: the named place most members name (one named in titles counts
    double), after its district; else the group of people most named; else the district. Returns the
    label and the place or group in it ("" for a district alone)."""
    scores: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for i in members:
        title = normalize(messages[i].title)
        for name in set(prepared.names[i]):
            counts[name] += 1
            scores[name] += 2 if name in title else 1
    areas = Counter(prepared.areas[i] for i in members if prepared.areas[i])
    area = areas.most_common(1)[0][0] if areas else ""
    if scores:
        name = max(scores, key=lambda n: (scores[n], len(n)))
        if counts[name] * 3 >= len(members):
            return (f"{area}{name}" if area and area not in name else name), name
    groups = Counter(g for i in members for g in set(prepared.groups[i]))
    if groups:
        group = groups.most_common(1)[0][0]
        return f"{area}{group}", group
    return area, ""


def _summary(
    members: list[int], messages: Sequence[HotMessage], matrix: sp.csr_matrix, focus: str = ""
) -> str:
    """The title of the member most like the others (its centroid's nearest), among those that name
    the issue's place or group `focus` when some do, so that the summary speaks of what the label names."""
    texts = {i: normalize(messages[i].title) or normalize(messages[i].content) for i in members}
    centroid = np.asarray(matrix[members].mean(axis=0)).ravel()
    candidates = [i for i in members if focus and focus in texts[i]] or members
    scores = matrix[candidates] @ centroid
    return texts[candidates[int(np.argmax(scores))]][:80]


def hotspots_find(
    messages: Sequence[HotMessage],
    *,
    top: int = 10,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    min_messages: int = 2,
    link: float = 0.3,
    split: float = 0.3,
    place_bonus: float = 0.25,
    link_text: float = 0.5,
    coherence: float = 0.3,
    weak_place_bonus: float = 0.1,
    max_df: float = 0.2,
    rare_df: float = 0.02,
    neighbours: int = 30,
    chunk: int = 250,
    progress: bool = False,
) -> list[HotIssue]:
    """The `top` hottest issues among `messages` whose time lies in [start, end] (messages without a
    time are kept unless a window is given). `now` (default: the latest message time) anchors recency.
    """
    chosen = [
        m
        for m in messages
        if (start is None or (m.time is not None and m.time >= start))
        and (end is None or (m.time is not None and m.time <= end))
    ]
    if not chosen:
        return []
    if now is None:
        known = [m.time for m in chosen if m.time is not None]
        now = end or (max(known) if known else None)
    prepared = _prepare(chosen, progress)
    matrix = _vectors(prepared.problems, max_df)
    problems = _Problems(matrix, rare_df=max(20, int(rare_df * len(chosen))))
    places = _Places(prepared)
    options = {"place_bonus": place_bonus, "link_text": link_text}
    groups = _link(
        problems, places, threshold=link, neighbours=neighbours, chunk=chunk, progress=progress, **options
    )
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(chosen)):
        components[groups.find(i)].append(i)
    clusters: list[list[int]] = []
    for members in components.values():
        for part in _split(members, problems, places, threshold=split, **options):
            if _coherent(part, problems, coherence):
                clusters.append(part)
            else:
                clusters.extend(
                    _split(
                        part,
                        problems,
                        places,
                        threshold=split,
                        place_bonus=weak_place_bonus,
                        link_text=link_text,
                    )
                )
    issues: list[HotIssue] = []
    for members in clusters:
        if len(members) < max(1, min_messages):
            continue
        group = [chosen[i] for i in members]
        users = {m.user or f"#{m.id}" for m in group}
        times = [m.time for m in group if m.time is not None]
        likes = sum(m.likes for m in group)
        dislikes = sum(m.dislikes for m in group)
        heat, parts = heat_index(
            n_messages=len(group), n_users=len(users), likes=likes, dislikes=dislikes, times=times, now=now
        )
        ordered = sorted(group, key=lambda m: (m.time or datetime.min, m.id))
        label, focus = _label(members, chosen, prepared)
        issues.append(
            HotIssue(
                rank=0,
                heat=heat,
                start=min(times) if times else None,
                end=max(times) if times else None,
                place_or_group=label,
                summary=_summary(members, chosen, matrix, focus),
                message_ids=[m.id for m in ordered],
                n_messages=len(group),
                n_users=len(users),
                likes=likes,
                dislikes=dislikes,
                components=parts,
            )
        )
    issues.sort(key=lambda issue: (-issue.heat, -issue.n_messages, issue.message_ids[0]))
    for rank, issue in enumerate(issues[: max(0, top)], start=1):
        issue.rank = rank
    return issues[: max(0, top)]
