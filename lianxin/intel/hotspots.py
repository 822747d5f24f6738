"""Hot issues: group the messages of a time window into issues — one problem at one place, or for one
group of people — and rank them by a heat index.

Grouping (see docs/intel.md):
- A message's *problem* is the TF-IDF vector of its words (title counted twice, the first
  `CONTENT_CHARS` characters of the details once) and of the character pairs of its title, without
  place names, area codes, stopwords or the loose characters of a place name; terms of a single message
  or of more than `max_df` of them are dropped. Its *places* are its named places (魅力之城小区,
  经济学院…; one name inside another agrees: 万科魅力之城 ~ 魅力之城), its named groups (XX公司职工) and
  its district (区/县 code). A name met in three or more districts is generic (物业公司, 人民医院) and is no
  place; so is, when most messages name no district, a frequent name always met beside other places.
- Similarity of two messages = cosine of problems + `place_bonus` when their places agree. Messages
  that both name places with none in common, or lie in different districts, are never alike; when
  either names no place, the cosine alone must reach `link_text`. Two messages of one policy group
  (代课教师, 退役士兵, 出借人…: `POLICY_GROUPS`) or one named group are alike wherever they live from a
  cosine of `POLICY_COSINE`.
- Link: each message is joined to its `neighbours` most similar ones with similarity ≥ `link` (above
  `place_bonus`, so a shared place alone links nothing). Candidates come from rare words and
  shared places only, in chunks of `chunk` messages, so memory stays bounded.
- Time window: each linked group is cut where `gap_days` pass without a message, and a piece longer
  than `max_span_days` at its widest gap; the parts found below are cut so again. So an issue's messages
  lie within `max_span_days`, none more than `gap_days` after the one before.
- Split: each piece is cut by average linkage at `split`, so that chains of weak links fall apart; a
  piece larger than `MAX_DENSE` is first cut into the groups of its stronger links.
- Re-split: a part where no third of the messages shares a place or group is a topic, not an issue: cut
  by text alone at `link_text` (near-copies stay). A part of `COHERENT_MIN` or more messages in which fewer
  than `coherence` of the pairs share problem words (cosine ≥ `COHERENT_COSINE`) is a place with many
  problems: cut again with the smaller `weak_place_bonus` (and by text alone if still mixed).
- An issue needs `min_messages` messages. Its `previous` is the latest earlier issue (one message is
  enough) of an alike problem (`RECUR_COSINE`) whose places agree: the occurrence it recurs.
- Label (`place_or_group`): a full place name (cleaned, put back together, never a cut-off one) or a
  named or policy group, never a bare group word; summary: the words most of its messages share.

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
import os
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from lianxin.intel.text import (
    AREA_CODE_RE,
    PLACE_SUFFIXES,
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
GENERIC_COMPANY_MIN = 10  # ... nor one met this often beside ever-different places (_generic_by_company)
PARALLEL_MIN = 20_000  # from this many messages, segmenting runs in `workers` processes
GAP_DAYS = 60  # a message this long after the last one of its issue starts a new issue (a recurrence)
MAX_SPAN_DAYS = 180  # no issue spans longer: a longer run is cut at its widest gaps
RECUR_COSINE = 0.3  # an earlier issue of the same linked group this alike is the one that recurred
POLICY_COSINE = 0.3  # two messages of one policy's group are alike across places from this cosine
COMMON_SHARE = 0.4  # a word in this share of an issue's messages (and in two) is part of its common problem
# Groups of people that name nobody without a name before them (XX小区业主, XX公司职工): never a label alone.
GENERIC_GROUPS = (
    "学生",
    "家长",
    "业主",
    "居民",
    "村民",
    "住户",
    "教师",
    "老师",
    "职工",
    "员工",
    "工人",
    "老人",
    "患者",
    "商户",
    "乘客",
    "司机",
    "租户",
    "医生",
    "护士",
    "购房者",
    "消费者",
    "会员",
    "客户",
    "用户",
    "家属",
)
# Groups that a policy or a case defines by themselves (a policy's applicants, a fraud's victims): a label,
# and an issue of theirs is found without a shared place.
POLICY_GROUPS = (
    "农民工",
    "退休人员",
    "退休职工",
    "退休教师",
    "退伍军人",
    "退役军人",
    "退役士兵",
    "退伍士兵",
    "残疾人",
    "代课教师",
    "民办教师",
    "特岗教师",
    "乡村教师",
    "投资人",
    "出借人",
    "受害人",
    "受害者",
    "集资参与人",
    "失地农民",
    "被征地农民",
    "拆迁户",
    "下岗职工",
    "买断工龄",
    "独生子女",
    "环卫工人",
    "外卖员",
    "快递员",
    "网约车司机",
    "出租车司机",
    "个体工商户",
    "灵活就业人员",
    "低保户",
    "考生",
    "新市民",
    "申请人",
)
GROUP_WORDS = tuple(sorted({*GENERIC_GROUPS, *POLICY_GROUPS}, key=len, reverse=True))
# What may stand between a group's name and its word: XX公司的全体职工.
_GROUP_FILLERS = ("的全体", "的部分", "的广大", "全体", "部分", "广大", "众多", "的")
# Names that end like an organisation, met before a group word (XX平台出借人, XX项目业主), beside the
# named places of lianxin.intel.text.
_ORG_RE = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{2,12}?(?:有限公司|公司|集团|平台|项目|楼盘|银行|工厂|厂|学校|医院|案|单位)$"
)
# Words that open a found "place" without being part of its name (关于小区…, 建议秋灵路学校).
_LABEL_NOISE = (
    "关于",
    "建议",
    "认为",
    "反映",
    "反应",
    "要求",
    "希望",
    "投诉",
    "举报",
    "咨询",
    "请求",
    "恳请",
    "强烈",
    "解决",
    "日益增多",
    "增多",
    "我们",
    "我家",
    "本人",
    "本",
    "该",
    "此",
    "对",
    "在",
    "请",
)
# A "place" that opens with these is a position, not a name (门口道路, 附近小区).
_NOT_A_NAME = (
    "门口",
    "附近",
    "周边",
    "周围",
    "对面",
    "楼下",
    "楼上",
    "旁边",
    "隔壁",
    "所在",
    "各个",
    "所有",
    "每个",
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
    # The earlier issue of the same problem at the same place or for the same group, before a gap of more
    # than GAP_DAYS: {"start", "end", "n_messages", "message_ids", "summary"} (None: no earlier one).
    previous: dict[str, object] | None = None

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
            "previous": self.previous,
        }


# --- places -----------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    problems: TermCounts  # problem terms: words and title bigrams, place names taken out
    names: list[list[str]]  # named places as written
    cores: list[frozenset[str]]  # named places without suffix
    areas: list[str]
    groups: list[list[str]]  # named groups (XX公司职工) and groups a policy or case defines (代课教师)
    messages: Sequence[HotMessage]
    _bodies: dict[int, str] = field(default_factory=dict)

    def body(self, i: int) -> str:
        """Title + the first CONTENT_CHARS characters, normalised (for labels and summaries: made only
        for the issues shown, not kept for every message)."""
        if i not in self._bodies:
            title = normalize(self.messages[i].title)
            content = normalize(self.messages[i].content)[:CONTENT_CHARS]
            self._bodies[i] = f"{title}。{content}" if title else content
        return self._bodies[i]


def _bigrams(text: str) -> list[str]:
    chars = [ch for ch in text if ch.isalnum()]
    return ["~" + chars[i] + chars[i + 1] for i in range(len(chars) - 1)]


def _segment(texts: tuple[str, str]) -> tuple[list[str], list[str], str, list[str]]:
    """One message's problem terms, named places, district and groups (see the module rules)."""
    title, content = normalize(texts[0]), normalize(texts[1])[:CONTENT_CHARS]
    body = f"{title}。{content}" if title else content
    names = list(dict.fromkeys(c for n in place_names(body) if (c := _clean_name(n))))  # not 关于小区
    area = primary_area(body)
    cores = {place_core(n) for n in names}
    bare_title = title
    for name in sorted({*names, *cores, area}, key=len, reverse=True):
        if name:
            bare_title = bare_title.replace(name, "。")
    bare_title = AREA_CODE_RE.sub("。", bare_title)
    words = without_places(tokens(bare_title) * 2 + tokens(content), names)
    # characters left of a place name the segmenter cut apart (泉|塘 of 泉塘街道) say where, not what
    loose = {ch for n in names for ch in n}
    words = [w for w in words if len(w) > 1 or w not in loose]
    return words + _bigrams(bare_title), names, area, named_groups(body, names)


def _may_fork() -> bool:
    """Whether worker processes may be forked: only from the main thread of a process with no other
    thread (tqdm's progress monitor aside; a fork copies the locks other threads hold; a threaded worker, such as Huey's, segments alone). Not spawn: a spawned
    process imports the caller's main module again, which a script without a main guard cannot bear."""
    import multiprocessing
    import threading

    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.name != "tqdm_monitor"  # tqdm's sleeps on an event
    ]
    return (
        threading.current_thread() is threading.main_thread()
        and not others
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _prepare(messages: Sequence[HotMessage], progress: bool, workers: int = 1) -> _Prepared:
    """Segment every message, in `workers` forked processes from PARALLEL_MIN messages on (segmenting is
    most of the time; results stream back in order, so memory stays that of the counts)."""
    prepared = _Prepared(TermCounts(), [], [], [], [], messages)
    texts = ((m.title, m.content) for m in messages)
    results: Iterable[tuple[list[str], list[str], str, list[str]]]
    pool = None
    if workers > 1 and len(messages) >= PARALLEL_MIN and _may_fork():
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(workers)
        results = pool.imap(_segment, texts, chunksize=256)
    else:
        results = map(_segment, texts)
    try:
        for terms, names, area, groups in tqdm(
            results, total=len(messages), desc="segment", disable=not progress, file=sys.stderr
        ):
            prepared.problems.add(terms)
            prepared.names.append(names)
            prepared.cores.append(frozenset(place_core(n) for n in names))
            prepared.areas.append(area)
            prepared.groups.append(groups)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return prepared


def named_groups(text: str, names: Sequence[str] = ()) -> list[str]:
    """The groups of people `text` names, without repeats: a group word after a name (魅力之城小区业主,
    XX公司的全体职工 → XX公司职工, XX平台出借人) or a group a policy or case defines by itself (代课教师).
    A generic group word without a name (业主, 村民, 职工) is no group."""
    found: dict[str, None] = {}
    for word in GROUP_WORDS:
        at = text.find(word)
        while at >= 0:
            head = text[:at]
            for filler in _GROUP_FILLERS:
                if head.endswith(filler):
                    head = head[: -len(filler)]
                    break
            owner = max((n for n in names if head.endswith(n)), key=len, default="")
            if not owner:
                match = _ORG_RE.search(head[-14:])
                owner = match.group(0) if match else ""
                owner = _clean_name(owner) if owner else ""
            if word in POLICY_GROUPS:  # the policy's group, wherever its people live
                found.setdefault(word, None)
            elif owner:
                found.setdefault(owner + word, None)
            at = text.find(word, at + len(word))
    # 退休职工 and 职工 from the same words: keep the longer (a policy's group stays)
    groups = list(found)
    return [g for g in groups if g in POLICY_GROUPS or not any(o != g and o.endswith(g) for o in groups)]


def _clean_name(name: str) -> str:
    """`name` without words that open it without being part of it (关于…, 建议…), or "" when what is left
    is no name: a position (门口道路), a bare suffix (小区), or under two characters before the suffix."""
    changed = True
    while changed:
        changed = False
        for noise in _LABEL_NOISE:
            if name.startswith(noise) and len(name) > len(noise):
                name, changed = name[len(noise) :], True
                break
    core = place_core(name)
    if (
        name.startswith(_NOT_A_NAME)
        or len(core) < 2
        or (core == name and len(name) < 3)
        or core in PLACE_SUFFIXES  # 公寓小区, 学校医院: kinds of place, not a name
        or core[0].isdigit()  # 024年入园: cut from a date
        or core[0] in "年号"  # 年入园 (2024年入园), 号楼: not 月亮岛路
    ):
        return ""
    return name


class _Places:
    """Place agreement as sparse products: two messages agree on place when a named place of one is
    (part of) a named place of the other; they conflict when both name places and none agrees, or
    when both name districts (区/县) and these differ. A name met in `GENERIC_DISTRICTS` or more
    districts is generic (物业公司, 人民医院, 公交) and says nothing about where."""

    def __init__(self, prepared: _Prepared) -> None:
        known = {core for cores in prepared.cores for core in cores}
        keys_of: list[set[str]] = []
        spread: dict[str, set[str]] = defaultdict(set)
        policy: dict[str, int] = {}
        policy_rows: list[int] = []
        policy_cols: list[int] = []
        for i, (cores, area) in enumerate(zip(prepared.cores, prepared.areas)):
            mine = set()
            for group in prepared.groups[i]:
                # a group lifts place conflicts (see _similarity); a named one (XX公司职工, XX平台出借人)
                # is also where its people are
                policy_rows.append(i)
                policy_cols.append(policy.setdefault(group, len(policy)))
                if group not in POLICY_GROUPS:
                    mine.add("@" + group)
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
        with_district = sum(1 for area in prepared.areas if area and area[-1] in "区县")
        if with_district * 2 < len(prepared.areas):  # districts cannot tell what is generic
            generic |= _generic_by_company(keys_of, generic)
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
        self.policy = sp.csr_matrix(
            (
                np.ones(len(policy_rows), dtype=np.float32),
                (np.asarray(policy_rows, dtype=np.int64), np.asarray(policy_cols, dtype=np.int64)),
            ),
            shape=(n, max(1, len(policy))),
        )
        districts: dict[str, int] = {}
        self.district = np.asarray(
            [districts.setdefault(a, len(districts)) if a and a[-1] in "区县" else -1 for a in prepared.areas]
        )


def _generic_by_company(keys_of: list[set[str]], generic: set[str]) -> set[str]:
    """Names that say nothing about where, told by the company they keep (used when most messages name
    no district code, so that GENERIC_DISTRICTS cannot tell): a name met in GENERIC_COMPANY_MIN messages or more, most
    of which name another place too, none of which places is named by a fifth of them (物业公司 beside
    every estate; 七浦路 beside 老兴旺市场 stays a place)."""
    seen: dict[str, int] = defaultdict(int)
    for mine in keys_of:
        for key in mine:
            seen[key] += 1
    frequent = {key for key, n in seen.items() if n >= GENERIC_COMPANY_MIN and key not in generic}
    if not frequent:
        return set()
    company: dict[str, Counter[str]] = defaultdict(Counter)
    accompanied: dict[str, int] = defaultdict(int)
    for mine in keys_of:
        chosen = mine & frequent
        if not chosen:
            continue
        for key in chosen:
            others = {o for o in mine if o not in key and key not in o}
            if others:
                accompanied[key] += 1
                company[key].update(others)
    out = set()
    for key in frequent:
        if accompanied[key] * 2 < seen[key]:
            continue
        top = company[key].most_common(1)[0][1] if company[key] else 0
        if top * 5 < seen[key]:
            out.add(key)
    return out


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
    if places.policy.nnz and (conflict.any() or weak_text.any()):
        # one policy's applicants or one case's victims: alike wherever they live (or if they do not
        # say), when the text agrees enough
        at = np.flatnonzero((conflict | weak_text) & (value >= POLICY_COSINE))  # named groups: + bonus
        if at.size:
            shared = np.asarray(
                places.policy[row_ids[at]].multiply(places.policy[other_ids[at]]).sum(axis=1)
            ).ravel()
            conflict[at[shared > 0]] = False
            weak_text[at[shared > 0]] = False
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


def _vectors(problems: TermCounts, max_df: float) -> tuple[sp.csr_matrix, np.ndarray]:
    """TF-IDF rows of the problem terms, and the vocabulary column of each of their columns; with 50
    messages or more, terms of one message or of more than `max_df` of them are dropped (they link
    nothing, or everything)."""
    counts = problems.matrix()
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = np.flatnonzero((df >= 2) & (df <= max_df * n)) if n >= 50 else np.flatnonzero(df >= 1)
    if keep.size == 0:  # nothing but stopwords everywhere
        return sp.csr_matrix((n, 1), dtype=np.float32), np.zeros(0, dtype=np.int64)
    return tfidf(counts[:, keep], smooth_idf(df[keep], n)), keep


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


def _placed(members: list[int], places: _Places) -> bool:
    """Whether a third of `members` or more share one place, named group or policy group."""
    if len(members) <= 2:
        return True
    need = len(members) / 3
    for matrix in (places.matrix, places.policy):
        rows = matrix[np.asarray(members)]
        if rows.nnz and np.bincount(rows.indices).max() >= need:
            return True
    return False


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


def _time_pieces(
    members: list[int], times: Sequence[datetime | None], gap_days: int, max_span_days: int
) -> list[list[int]]:
    """`members` cut in time: a new piece after a gap of more than `gap_days` between consecutive
    messages, and a piece spanning more than `max_span_days` cut again at its widest gap. Messages
    without a time are a piece of their own."""
    timed = sorted((i for i in members if times[i] is not None), key=lambda i: (times[i], i))
    untimed = [i for i in members if times[i] is None]
    gap, span = timedelta(days=gap_days), timedelta(days=max_span_days)
    pieces: list[list[int]] = []
    current: list[int] = []
    for i in timed:
        if current and times[i] - times[current[-1]] > gap:  # type: ignore[operator]
            pieces.append(current)
            current = []
        current.append(i)
    if current:
        pieces.append(current)
    out: list[list[int]] = []
    while pieces:
        piece = pieces.pop()
        if len(piece) < 2 or times[piece[-1]] - times[piece[0]] <= span:  # type: ignore[operator]
            out.append(piece)
            continue
        middle = len(piece) / 2
        widest = max(
            range(1, len(piece)),
            key=lambda k: (times[piece[k]] - times[piece[k - 1]], -abs(k - middle)),  # type: ignore[operator]
        )
        pieces.extend([piece[:widest], piece[widest:]])
    out.sort(key=lambda piece: (times[piece[0]] or datetime.min, piece[0]))
    if untimed:
        out.append(untimed)
    return out


def _full_name(name: str, bodies: list[str]) -> str:
    """`name` as the issue's messages write it in full, or "" when it is no name.

    Words that open it without being part of it are dropped (关于…, 建议…, and a verb of two characters
    before the name proper: 认为轻轨进出车站 → 车站 → no name); name characters that stand before it in
    most of the messages are put back (A7县恒|大翡翠华庭小区 → 恒大翡翠华庭小区; never across an area
    code or the end of another place: 劳动东路|魅力之城小区 stays); a name whose last character makes a
    word with the next one in most messages is cut wrong (长株潭城|铁) and no name."""
    from lianxin.intel.text import _get_tokenizer  # the segmenter the place names were cut with

    name = _strip_verbs(_clean_name(name))
    if not name:
        return ""
    cut = _get_tokenizer().lcut
    heads: Counter[str] = Counter()
    tails = seen = 0
    for body in bodies:
        at = body.find(name)
        if at < 0:
            continue
        seen += 1
        k = at
        while k > max(0, at - 3) and _name_char(body[k - 1]) and not _ends_place(body, k):
            k -= 1
        heads.update(body[j:at] for j in range(k, at))  # every ending of what stands before
        after = body[at + len(name) : at + len(name) + 1]
        if after and _name_char(after):
            word = next(
                (w for w in cut(name[-1] + after + body[at + len(name) + 1 : at + len(name) + 3], HMM=False)),
                "",
            )
            if len(word) >= 2 and word[1] not in "口边旁侧段头内外上下里附沿周两":
                tails += 1
    if seen and tails * 2 > seen:
        return ""
    common = [head for head, count in heads.items() if count * 2 > seen]
    if common:  # what was put back is cleaned again: 会公示|松江区泗泾镇 is not a name
        return _strip_verbs(_clean_name(max(common, key=len) + name)) or name
    return name


def _ends_place(text: str, at: int) -> bool:
    """Whether a place suffix or an area code ends at `at` in `text` (劳动东路|, A7县|)."""
    head = text[max(0, at - 3) : at]
    return bool(AREA_CODE_RE.search(head)) or any(head.endswith(s) for s in _LINKING_SUFFIXES)


_LINKING_SUFFIXES = ("路", "街", "大道", "巷", "镇", "乡", "村", "社区", "街道", "区", "县", "市", "省", "号")


_pos_tokenizer: Any = None


def _strip_verbs(name: str) -> str:
    """`name` after the last verb, preposition or adverb of two characters or more before its suffix
    (the words before a place that a too-greedy name took in); "" when no name is left."""
    if not name:
        return ""
    import jieba.posseg

    from lianxin.intel.text import _get_tokenizer

    global _pos_tokenizer
    if _pos_tokenizer is None:  # loading the word tags takes about a second: once a process
        _pos_tokenizer = jieba.posseg.POSTokenizer(_get_tokenizer())
    core = place_core(name)
    words = list(_pos_tokenizer.cut(core, HMM=False))
    pos, cut_at = 0, 0
    for w in words:
        pos += len(w.word)
        if (
            len(w.word) >= 2
            and w.flag[:1] in ("v", "p", "d", "c", "r")
            and pos < len(core)
            or len(w.word) >= 2
            and w.flag[:1] in ("v", "p", "d", "c", "r")
            and pos == len(core)
        ):
            cut_at = pos
    return _clean_name(name[cut_at:]) if cut_at else name


def _name_char(ch: str) -> bool:
    from lianxin.intel.text import _NAME_STOP

    return ("\u4e00" <= ch <= "\u9fff" or ch.isalnum()) and ch not in _NAME_STOP and ch not in "市区县省"


def _label(members: list[int], prepared: _Prepared) -> tuple[str, str]:
    """Where or whom the issue is about: the named place most members name (one named in titles counts
    double; written in full), after its district; else the named group most members name (XX公司职工;
    a group a policy defines, 代课教师, counts too); else the district. A bare group word (业主, 村民)
    is never a label. Returns the label and the place or group in it ("" for a district alone)."""
    scores: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for i in members:
        title = prepared.body(i).split("。", 1)[0]
        for name in set(prepared.names[i]):
            counts[name] += 1
            scores[name] += 2 if name in title else 1
    areas = Counter(prepared.areas[i] for i in members if prepared.areas[i])
    area = areas.most_common(1)[0][0] if areas else ""
    bodies = [prepared.body(i) for i in members]
    for name in sorted(scores, key=lambda n: (-scores[n], -len(n), n))[:5]:
        if counts[name] * 3 < len(members):
            break
        full = _full_name(name, bodies)
        if full:
            return (f"{area}{full}" if area and area not in full else full), full
    groups = Counter(g for i in members for g in set(prepared.groups[i]))
    if groups:
        group, count = max(groups.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))
        if count * 3 >= len(members):  # a district before it only when most of its people are there
            here = area and areas[area] * 2 > len(members) and area not in group
            return (f"{area}{group}" if here else group), group
    return area, ""


def _common_terms(members: list[int], prepared: _Prepared, focus: str) -> list[str]:
    """The words of the issue's common problem: the title words (else the words of title and details)
    in at least COMMON_SHARE of its messages and in two, most shared first, then rarer among all
    messages; without its place or group, area codes, or words in over 5 % of all messages."""
    total = len(prepared.messages)
    everywhere = np.bincount(prepared.problems.matrix().indices) if total >= 200 else None
    vocabulary = prepared.problems.vocabulary
    need = max(2, math.ceil(COMMON_SHARE * len(members)))
    names = {n for i in members for n in prepared.names[i]} | {focus}
    for part in (0, None):
        shares: Counter[str] = Counter()
        for i in members:
            text = prepared.body(i).split("。", 1)[0] if part == 0 else prepared.body(i)
            shares.update(set(without_places(tokens(text), names)))
        terms = []
        for term, count in shares.most_common():
            if count < need:
                break
            column = vocabulary.get(term)
            if len(term) < 2 or AREA_CODE_RE.fullmatch(term) or term in _LABEL_NOISE:
                continue
            if everywhere is not None and column is not None and everywhere[column] > 0.05 * total:
                continue
            terms.append(term)
        if terms:
            rarity = {
                t: -(everywhere[vocabulary[t]] if everywhere is not None and t in vocabulary else 0)
                for t in terms
            }
            return sorted(terms, key=lambda t: (-shares[t], -rarity[t]))[:5]
    return []


def _summary(
    members: list[int], prepared: _Prepared, matrix: sp.csr_matrix, terms: list[str], label: str
) -> str:
    """What the issue's messages have in common, not one letter: the common words (`terms`) in the order
    the most typical title (the member title holding most of them, then nearest the centroid) writes them,
    words that stand together there kept together (油烟直排扰民), the others after, behind the label.
    Without common words, the most typical title."""
    titles = {i: prepared.body(i).split("。", 1)[0] or prepared.body(i) for i in members}
    centroid = np.asarray(matrix[members].mean(axis=0)).ravel()
    closeness = matrix[members] @ centroid
    best = max(
        range(len(members)),
        key=lambda k: (sum(t in titles[members[k]] for t in terms), float(closeness[k]), -k),
    )
    title = titles[members[best]]
    if not terms:
        return title[:80]
    spans = sorted((title.find(t), title.find(t) + len(t)) for t in terms if t in title)
    phrases: list[str] = []
    last = -10
    for a, b in spans:
        if a < last:  # inside the previous word
            continue
        if phrases and a - last <= 1:
            phrases[-1] += title[last:b]
        else:
            phrases.append(title[a:b])
        last = b
    phrases.extend(t for t in terms if t not in title and not any(t in p for p in phrases))
    problem = "、".join(phrases[:5])
    return (f"{label}：{problem}" if label else problem)[:80]


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
    gap_days: int = GAP_DAYS,
    max_span_days: int = MAX_SPAN_DAYS,
    workers: int | None = None,
    progress: bool = False,
) -> list[HotIssue]:
    """The `top` hottest issues among `messages` whose time lies in [start, end] (messages without a
    time are kept unless a window is given). `now` (default: the latest message time) anchors recency.
    An issue's messages lie within `max_span_days`, with no gap over `gap_days`; the same problem at
    the same place or for the same group after such a gap is a new issue whose `previous` is the
    earlier one. From PARALLEL_MIN messages, segmenting runs in `workers` processes (default: two, or
    one on a single core).
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
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    prepared = _prepare(chosen, progress, workers)
    matrix, columns = _vectors(prepared.problems, max_df)
    problems = _Problems(matrix, rare_df=max(20, int(rare_df * len(chosen))))
    places = _Places(prepared)
    options = {"place_bonus": place_bonus, "link_text": link_text}
    groups = _link(
        problems, places, threshold=link, neighbours=neighbours, chunk=chunk, progress=progress, **options
    )
    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(chosen)):
        components[groups.find(i)].append(i)
    times = [m.time for m in chosen]
    clusters = _clusters(
        components,
        times,
        problems,
        places,
        min_messages=min_messages,
        split=split,
        link_text=link_text,
        coherence=coherence,
        weak_place_bonus=weak_place_bonus,
        gap_days=gap_days,
        max_span_days=max_span_days,
        options=options,
    )
    issues: list[HotIssue] = []
    built: list[tuple[int, list[int], HotIssue]] = []
    for root, members in clusters:
        group = [chosen[i] for i in members]
        users = {m.user or f"#{m.id}" for m in group}
        moments = [m.time for m in group if m.time is not None]
        likes = sum(m.likes for m in group)
        dislikes = sum(m.dislikes for m in group)
        heat, parts = heat_index(
            n_messages=len(group), n_users=len(users), likes=likes, dislikes=dislikes, times=moments, now=now
        )
        ordered = sorted(group, key=lambda m: (m.time or datetime.min, m.id))
        issue = HotIssue(
            rank=0,
            heat=heat,
            start=min(moments) if moments else None,
            end=max(moments) if moments else None,
            place_or_group="",
            summary="",
            message_ids=[m.id for m in ordered],
            n_messages=len(group),
            n_users=len(users),
            likes=likes,
            dislikes=dislikes,
            components=parts,
        )
        built.append((root, members, issue))
        if len(members) >= max(1, min_messages):
            issues.append(issue)
    issues.sort(key=lambda issue: (-issue.heat, -issue.n_messages, issue.message_ids[0]))
    shown = issues[: max(0, top)]
    _describe(shown, [(members, issue) for _, members, issue in built], prepared, matrix, places)
    for rank, issue in enumerate(shown, start=1):
        issue.rank = rank
    return shown


def _clusters(
    components: dict[int, list[int]],
    times: list[datetime | None],
    problems: _Problems,
    places: _Places,
    *,
    min_messages: int,
    split: float,
    link_text: float,
    coherence: float,
    weak_place_bonus: float,
    gap_days: int,
    max_span_days: int,
    options: dict[str, float],
) -> list[tuple[int, list[int]]]:
    """The issues' members (with their linked group): each linked group cut in time, then split by
    problem (see the module rules), then cut in time again."""
    clusters: list[tuple[int, list[int]]] = []  # (linked group, members)
    for root, linked in components.items():
        if len(linked) < max(1, min_messages):
            continue
        for piece in _time_pieces(linked, times, gap_days, max_span_days):
            for part in _split(piece, problems, places, threshold=split, **options):
                if not _placed(part, places):  # a topic without a shared place or group: near-copies only
                    again = _split(
                        part, problems, places, threshold=link_text, place_bonus=0.0, link_text=link_text
                    )
                elif _coherent(part, problems, coherence):
                    again = [part]
                else:  # a place with many problems: each problem alone (by text alone if still mixed)
                    again = []
                    for one in _split(
                        part,
                        problems,
                        places,
                        threshold=split,
                        place_bonus=weak_place_bonus,
                        link_text=link_text,
                    ):
                        if _coherent(one, problems, coherence):
                            again.append(one)
                        else:
                            again.extend(
                                _split(
                                    one,
                                    problems,
                                    places,
                                    threshold=split,
                                    place_bonus=0.0,
                                    link_text=link_text,
                                )
                            )
                # a part may leave gaps where the messages of other problems were: cut it in time again
                clusters.extend(
                    (root, final)
                    for one in again
                    for final in _time_pieces(one, times, gap_days, max_span_days)
                )
    return clusters


def _describe(
    shown: list[HotIssue],
    built: list[tuple[list[int], HotIssue]],
    prepared: _Prepared,
    matrix: sp.csr_matrix,
    places: _Places,
) -> None:
    """Label and sum up the `shown` issues, and link each to the issue it recurs (`_previous_of`)."""
    done: set[int] = set()

    def describe(members: list[int], issue: HotIssue) -> None:
        if id(issue) in done:
            return
        label, focus = _label(members, prepared)
        issue.place_or_group = label
        issue.summary = _summary(members, prepared, matrix, _common_terms(members, prepared, focus), label)
        done.add(id(issue))

    position = {id(issue): k for k, (_, issue) in enumerate(built)}
    wanted = [position[id(issue)] for issue in shown]
    earlier = _previous_of(wanted, built, matrix, places)
    for k in wanted:
        members, issue = built[k]
        describe(members, issue)
        if k in earlier:
            before_members, before = built[earlier[k]]
            describe(before_members, before)
            issue.previous = {
                "start": before.start.isoformat(sep=" ") if before.start else None,
                "end": before.end.isoformat(sep=" ") if before.end else None,
                "n_messages": before.n_messages,
                "message_ids": before.message_ids,
                "summary": before.summary,
            }


def _previous_of(
    wanted: list[int], built: list[tuple[list[int], HotIssue]], matrix: sp.csr_matrix, places: _Places
) -> dict[int, int]:
    """For each wanted issue (an index into `built`), the latest issue that ended before it began, whose
    problem is alike (cosine of the two issues' mean problem vectors ≥ RECUR_COSINE) and whose places
    agree (one shared place or named group, or either names none): the one that recurred. It may be a
    single message (an earlier letter is still the problem's history). One sparse product, so that
    looking is cheap however many issues there are."""
    if not wanted or not built:
        return {}
    rows = [i for k, (members, _) in enumerate(built) for i in [k] * len(members)]
    cols = [m for members, _ in built for m in members]
    weight = [1.0 / len(members) for members, _ in built for _ in members]
    owner = sp.csr_matrix((weight, (rows, cols)), shape=(len(built), matrix.shape[0]), dtype=np.float32)
    centroids = _unit(owner @ matrix)
    where = (owner @ places.matrix).tocsr()
    where.data[:] = 1.0
    has_place = np.diff(where.indptr) > 0
    alike = (centroids[wanted] @ centroids.T).tocsr()
    agree = (where[wanted] @ where.T).tocsr()
    out: dict[int, int] = {}
    for r, k in enumerate(wanted):
        issue = built[k][1]
        if issue.start is None:
            continue
        lo, hi = alike.indptr[r], alike.indptr[r + 1]
        shared = set(agree.indices[agree.indptr[r] : agree.indptr[r + 1]].tolist())
        best, best_end = -1, None
        for j, value in zip(alike.indices[lo:hi].tolist(), alike.data[lo:hi].tolist()):
            other = built[j][1]
            if j == k or value < RECUR_COSINE or other.end is None or other.end >= issue.start:
                continue
            if has_place[k] and has_place[j] and j not in shared:
                continue
            if best_end is None or other.end > best_end:
                best, best_end = j, other.end
        if best >= 0:
            out[k] = best
    return out


def _unit(matrix: sp.csr_matrix) -> sp.csr_matrix:
    matrix = matrix.tocsr().astype(np.float32)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms).astype(np.float32) @ matrix
