"""Unit routing (派单建议) learned from handled demands: which units should lead a text, best first.

Design (docs/intel.md has the scores):
- *Places.* A gazetteer of districts, towns/streets and communities — given by the caller (the area
  tree) and learned from the names of the units in the training data (上海市浦东新区三林镇人民政府 names
  the district 浦东新区 and the town 三林镇 in it). A place is found in a text by its name or its short
  form (浦东, 三林), longest first, in the first `ROUTE_CHARS` characters. Each unit has a district and
  a town: from the caller (`UnitInfo`) or read from its name.
- *Roles.* A unit without its places is its role: 上海市金山区教育局 → `D:教育局`, 三林镇人民政府 →
  `T:人民政府`. Roles are shared by every district, so that the text says *what* office and the places
  say *which one*, also for units with few examples.
- *Text.* One TF-IDF of words and character 1–2-grams (the classifier's `Features`: jieba with the
  domain dictionary, stopwords dropped; here words too need two documents) feeds three linear SVMs:
  the unit, its role, its district.
  Weights below `PRUNE` are dropped (sparse float32: about 11 MB for 400 units instead of 90).
- *Reranking.* For each text, candidates (the best units by text, the units at the places it names,
  the units whose district and role both score well, the units of handled demands naming the same
  estate or road) are scored by a conditional logit over `FEATURES`: the three text scores, whether
  the text (or the caller's area) names the unit's district or town — or another one —, how often
  handled demands naming the same place went to the unit (`place_share`), and the unit's share of
  the training data. Its probabilities sum to one over the candidates.
- *Out-of-fold.* The reranker learns on text scores of examples the SVMs did not see: `FOLDS` folds of
  consecutive time blocks when the examples have times (later letters are unlike earlier ones: a
  random split flatters the text scores), shuffled folds otherwise; place shares, too, count only the
  other folds' examples (counting the example's own fold let repeats of one case vouch for each other:
  the reranker trusted `place_share` more than later letters bear out).
- *Confidence.* The reranker is cross-validated on the same folds; `auto_threshold` is the lowest
  probability at which its out-of-fold first suggestions (each distinct text once) have a precision
  whose one-sided 95 % Wilson lower bound reaches `TARGET_PRECISION`, or None when no probability
  does; a suggestion at or above it is `confident` (may be dispatched without an operator).
- *Aliases.* `UnitAlias(old, new, since)`: a unit renamed or merged into another. Training labels
  are mapped to their successor as of the latest training example; at suggestion time, aliases that
  took effect later (by the suggestion's `time`) map a suggested unit on, and merged units add up.
- Units with fewer than `MIN_EXAMPLES` examples are left out of training and listed with their counts
  (`RouterInfo.left_out`, and a note): one example is no basis for learning where a unit's work lies.

Model files have the layout of the classifier's (magic, JSON metadata with a SHA-256 of the payload,
joblib payload) with their own format name; `UnitRouter.load` refuses foreign, damaged or newer files
with an `IntelError`. Like any pickle, a file from an untrusted source must not be loaded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import platform
import re
import struct
import sys
import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC
from tqdm import tqdm

from lianxin.intel import data as _data
from lianxin.intel.classifier import (
    MAGIC,
    Counts,
    Features,
    count_texts,
    model_file_bytes,
    model_file_write,
    unpickle_error,
)
from lianxin.intel.errors import IntelError
from lianxin.intel.text import normalize, place_core, place_names

MODEL_FORMAT = "lianxin-unit-router"
FORMAT_VERSION = 1
MIN_EXAMPLES = 2
ROUTE_CHARS = 1000  # places are looked for in the first characters (the text models read as many)
FOLDS = 4
CANDIDATES = 20  # best units by text taken as candidates, besides those the places bring
SVM_C = 0.5
PRUNE = 0.01  # SVM weights below this are dropped: accuracy unchanged, model ~10x smaller
RERANK_L2 = 0.01
TARGET_PRECISION = 0.95
MIN_AUTO_ROWS = 20
ROUTE_BATCH = 1000
LEVELS = ("district", "town", "community")
NO_DISTRICT = ""

# Suffixes of place names by level; a place's short form is its name without the suffix.
_SUFFIXES: dict[str, tuple[str, ...]] = {
    "district": ("新区", "区", "县", "旗", "市"),
    "town": ("新村街道", "镇街道", "街道", "新镇", "镇", "乡", "新区", "地区"),
    "community": ("居民委员会", "村民委员会", "居委会", "村委会", "社区", "村"),
}
_GENERIC_FORMS = {"中心", "开发", "工业", "经济", "新城", "城市", "高新", "社区", "人民"}
_HAN = re.compile("[\u3400-\u9fff]")

# Unit names: 上海市 | 浦东新区 | (人民政府) 花木街道 | 办事处. Districts need two characters (or an area code)
# before their suffix; towns too, unless the town's own government or office follows (唐镇人民政府).
_CITY_RE = re.compile(r"(?:^|中共|总局)([A-Z]\d{0,2}市|[\u4e00-\u9fff]{2,4}?市)")
_DISTRICT_RE = re.compile(r"([A-Z]\d{0,2}(?:区|县)|[\u4e00-\u9fff]{2,4}?(?:新区|区|县))")
_TOWN_RE = re.compile(r"(?:人民政府)?([\u4e00-\u9fff]{1,6}?(?:新村街道|镇街道|街道|新镇|镇|乡|新区))")
_TOWN_OFFICE = ("人民政府", "办事处", "党委", "管理委员会")

# The reranker's features, in the order of its weights (docs/intel.md explains them).
FEATURES = (
    "text_unit",
    "text_role",
    "text_district",
    "best_unit",
    "best_role",
    "best_district",
    "prior",
    "district_named",
    "district_first",
    "district_other",
    "town_of_district",
    "city_level_named",
    "town_named",
    "town_first",
    "town_other",
    "district_unit",
    "place_share",
    "place_keys",
    "area_match",
)
_F = {name: i for i, name in enumerate(FEATURES)}


def _lianxin_version() -> str:
    try:
        return metadata.version("lianxin")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "0"


# --- places -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A named area: `level` is district, town (街道/乡镇) or community (社区/村); `parent` names the
    enclosing place (a town's district), "" when unknown."""

    name: str
    level: str
    parent: str = ""


@dataclass(frozen=True)
class Mention:
    place: Place
    start: int
    exact: bool  # the full name was written, not only its short form


def short_forms(name: str, level: str) -> list[str]:
    """The name and the forms people write for it: 浦东新区 → [浦东新区, 浦东]; 康健新村街道 → [.., 康健新村,
    康健]. A short form keeps two or more characters, at least one of them Chinese."""
    forms = [name]
    for suffix in _SUFFIXES.get(level, ()):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            core = name[: -len(suffix)]
            cores = [core + "新村", core] if suffix == "新村街道" else [core]
            for form in cores:
                if _HAN.search(form) and form not in _GENERIC_FORMS:
                    forms.append(form)
            break
    return forms


class Gazetteer:
    """Places by name, and the forms that name them in a text (a form may name several places)."""

    def __init__(self, places: Iterable[Place] = ()) -> None:
        self.places: dict[str, Place] = {}
        for place in places:
            name = normalize(place.name)
            if len(name) < 2 or place.level not in LEVELS or name in self.places:
                continue
            self.places[name] = Place(name, place.level, normalize(place.parent))
        full: dict[str, tuple[str, ...]] = {name: (name,) for name in self.places}
        short: dict[str, set[str]] = defaultdict(set)
        for name, place in self.places.items():
            for form in short_forms(name, place.level)[1:]:
                if form not in full:
                    short[form].add(name)
        self.forms: dict[str, tuple[str, ...]] = {**{f: tuple(sorted(n)) for f, n in short.items()}, **full}
        self._heads = frozenset(f[:2] for f in self.forms)  # a text position is tried only after these
        self._sizes = sorted({len(f) for f in self.forms}, reverse=True)

    def __len__(self) -> int:
        return len(self.places)

    def find(self, text: str, *, limit: int = ROUTE_CHARS) -> list[Mention]:
        """Places named in `text` (its first `limit` characters), in order; the longest form wins."""
        text = text[:limit]
        found: list[Mention] = []
        i, n, heads, forms = 0, len(text), self._heads, self.forms
        while i < n - 1:
            if text[i : i + 2] in heads:
                for size in self._sizes:
                    form = text[i : i + size]
                    names = forms.get(form) if len(form) == size else None
                    if names is not None:
                        exact = len(names) == 1 and names[0] == form
                        found.extend(Mention(self.places[name], i, exact) for name in names)
                        i += size - 1
                        break
            i += 1
        return found

    def district_of(self, name: str) -> str:
        """The district a place lies in (itself for a district), "" when unknown."""
        for _ in range(8):
            place = self.places.get(name)
            if place is None:
                return ""
            if place.level == "district":
                return place.name
            name = place.parent
        return ""

    def town_of(self, name: str) -> str:
        """The town a place lies in (itself for a town), "" for districts and unknown places."""
        for _ in range(8):
            place = self.places.get(name)
            if place is None or place.level == "district":
                return ""
            if place.level == "town":
                return place.name
            name = place.parent
        return ""


def parse_unit_name(name: str) -> tuple[str, str, str]:
    """(city, district, town) written in a unit's name, "" where none: 上海市浦东新区人民政府花木街道办事处
    → (上海市, 浦东新区, 花木街道). A heuristic on the way Chinese offices are named."""
    city_match = _CITY_RE.search(name)
    city, pos = (city_match.group(1), city_match.end()) if city_match else ("", 0)
    district_match = _DISTRICT_RE.match(name, pos)
    if district_match is None or "市" in district_match.group(1):
        return city, "", ""
    district = district_match.group(1)
    town_match = _TOWN_RE.match(name, district_match.end())
    town = ""
    if town_match is not None:
        candidate = town_match.group(1)
        head = len(candidate) - max(len(s) for s in _SUFFIXES["town"] if candidate.endswith(s))
        words = candidate.endswith("城乡") or any(ch in candidate for ch in "和与及")  # 住房和城乡建设局
        if not words and (head >= 2 or name.startswith(_TOWN_OFFICE, town_match.end())):
            town = candidate
    return city, district, town


def places_from_unit_names(names: Iterable[str]) -> list[Place]:
    """Districts and towns written in unit names. A district counts when two or more units name it
    (one name alone may be a zone, 嘉定工业区); a town when one does."""
    districts: Counter[str] = Counter()
    towns: dict[str, str] = {}
    for name in set(names):
        _, district, town = parse_unit_name(name)
        if district:
            districts[district] += 1
            if town:
                towns.setdefault(town, district)
    places = [Place(d, "district") for d, n in sorted(districts.items()) if n >= 2]
    known = {p.name for p in places}
    places += [Place(t, "town", d if d in known else "") for t, d in sorted(towns.items())]
    return places


@dataclass(frozen=True)
class UnitInfo:
    """What the caller knows of a unit: `unit` is its label in the examples (an id or a name), `name`
    its name, `district`/`town` the places of its area ("" for a city-level unit)."""

    unit: str
    name: str = ""
    district: str = ""
    town: str = ""


def unit_places(name: str, gazetteer: Gazetteer) -> tuple[str, str]:
    """(district, town) of a unit from its name: as written (上海市闵行区七宝镇人民政府), else the first known
    district or town whose name or short form the name contains (上海市公安局闵行分局 → 闵行区)."""
    _, district, town = parse_unit_name(name)
    places = gazetteer.places
    if town and town in places:
        district = district or gazetteer.district_of(town)
    else:
        town = ""
    if district not in places:
        district = ""
    if not district:
        for mention in gazetteer.find(name, limit=len(name)):
            if mention.place.level == "district":
                district = mention.place.name
                break
            if not town and mention.exact and mention.place.level == "town":
                town = mention.place.name
                district = gazetteer.district_of(town)
                break
    return district, town


def unit_role(name: str, district: str, town: str, gazetteer: Gazetteer) -> str:
    """The unit without its places, tagged by level: T: town/street office, D: district office, C: city
    or other: 上海市金山区教育局 → D:教育局; 上海市浦东新区三林镇人民政府 → T:人民政府."""
    cut = -1
    for place, level in ((town, "town"), (district, "district")):
        if not place:
            continue
        for form in short_forms(place, level):
            at = name.find(form)
            if at >= 0:
                cut = max(cut, at + len(form))
        if cut >= 0:
            break
    if cut >= 0:
        rest = name[cut:]
        if town and rest.startswith("人民政府") and len(rest) > 4:
            rest = rest[4:]
    else:
        city = _CITY_RE.match(name)
        rest = name[city.end() :] if city else name
    tag = "T" if town else "D" if district else "C"
    return f"{tag}:{rest or name}"


# --- examples, aliases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingExample:
    """One handled demand: its text, the unit that handled it, its area's name and its time."""

    text: str
    unit: str
    area: str = ""
    time: datetime | None = None


@dataclass(frozen=True)
class UnitAlias:
    """`old` was renamed to, or merged into, `new` on `since` (None: no date known)."""

    old: str
    new: str
    since: datetime | None = None


class Aliases:
    """Successors of renamed and merged units, in effect from their dates."""

    def __init__(self, aliases: Iterable[UnitAlias] = ()) -> None:
        self.by_old: dict[str, list[UnitAlias]] = defaultdict(list)
        for alias in aliases:
            old, new = normalize(alias.old), normalize(alias.new)
            if old and new and old != new:
                self.by_old[old].append(UnitAlias(old, new, alias.since))
        for entries in self.by_old.values():
            entries.sort(key=lambda a: (a.since is not None, a.since or datetime.min))

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_old.values())

    def resolve(self, unit: str, at: datetime | None = None) -> tuple[str, list[str]]:
        """The unit that does `unit`'s work at `at` (None: the latest known state), and the names it
        went through. An alias counts when it has no date or took effect by `at`."""
        seen = [unit]
        for _ in range(16):
            step = None
            for alias in self.by_old.get(unit, ()):
                if alias.since is None or at is None or alias.since <= at:
                    step = alias.new
            if step is None or step in seen:
                break
            unit = step
            seen.append(unit)
        return unit, seen[:-1]

    def as_list(self) -> list[UnitAlias]:
        return [a for entries in self.by_old.values() for a in entries]


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a unit is suggested. `kind`: district | town | area (the text or the demand's area names the
    unit's place), place (handled demands naming `detail` went to it, `value` of them), text (its
    handled demands read alike, `value` = text score), role (`detail`, the kind of office the text
    asks for), alias (suggested as successor of `detail`), prior (`value` = its share of the work)."""

    kind: str
    detail: str = ""
    value: float = 0.0


@dataclass(frozen=True)
class UnitSuggestion:
    unit: str
    score: float
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class RouteResult:
    """Suggested units best first; `confident`: the first one's score reaches the model's auto
    threshold (it may be dispatched without an operator); `notes`: what was odd about the text."""

    units: list[UnitSuggestion]
    confident: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class RouterInfo:
    """What a router file says about itself."""

    format: str
    format_version: int
    version: str
    created: str
    n_train: int
    units: list[str]
    left_out: dict[str, int]
    notes: list[str]
    n_places: int
    n_aliases: int
    as_of: str | None
    auto_threshold: float | None
    cv: dict[str, Any] | None
    weights: dict[str, float]
    sklearn_version: str
    python_version: str
    checksum: str = ""


# --- the model --------------------------------------------------------------------------------------


class RouteFeatures(Features):
    """The classifier's features with words, too, needing two documents: a word of one handled demand
    teaches no unit anything, and the SVMs fit a quarter faster."""

    MIN_DF = (2, 2)


class _Linear:
    """A one-vs-rest linear model: decision = X @ W.T + b. Final models keep their weights of at least
    `PRUNE` as a sparse float32 matrix; the fold models of training keep them dense (never saved)."""

    def __init__(self, classes: np.ndarray, coef: np.ndarray, intercept: np.ndarray, *, prune: bool) -> None:
        self.classes = classes
        self.intercept = intercept.astype(np.float32)
        self.weights: sp.csr_matrix | np.ndarray
        if prune:
            rows, cols = np.nonzero(np.abs(coef) >= PRUNE)
            values = coef[rows, cols].astype(np.float32)
            self.weights = sp.csr_matrix((values, (rows, cols)), shape=coef.shape)
        else:
            self.weights = coef

    def decision(self, matrix: sp.csr_matrix) -> np.ndarray:
        product = matrix @ self.weights.T
        dense = product.toarray() if sp.issparse(product) else np.asarray(product)
        return dense + self.intercept


def _fit_linear(
    matrix: sp.csr_matrix, labels: Sequence[str], random_state: int, *, prune: bool = True
) -> _Linear | None:
    """A linear SVM on `labels`; None when they hold fewer than two classes."""
    classes = np.array(sorted(set(labels)), dtype=object)
    if classes.size < 2:
        return None
    model = LinearSVC(C=SVM_C, random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(matrix, np.asarray(labels, dtype=object))
    coef, intercept = model.coef_, model.intercept_
    if classes.size == 2:  # binary: one decision, for the second class
        coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
    return _Linear(np.asarray(model.classes_, dtype=object), coef, intercept, prune=prune)


def _scores(model: _Linear | None, matrix: sp.csr_matrix, classes: np.ndarray) -> np.ndarray:
    """Decisions of `model` in the columns of `classes` (classes it does not know: -2, a clear no)."""
    out = np.full((matrix.shape[0], classes.size), -2.0, dtype=np.float64)
    if model is None:
        return out
    columns = np.searchsorted(classes, model.classes)
    out[:, columns] = model.decision(matrix)
    return out


@dataclass
class _Rerank:
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray


@dataclass
class _Tables:
    """What the router knows of its units, as arrays over `classes` (the units learnt)."""

    classes: np.ndarray
    roles: np.ndarray
    districts: np.ndarray
    unit_role: np.ndarray  # index into roles
    unit_district: np.ndarray  # index into districts ("" = none)
    unit_town: list[str]
    prior: np.ndarray  # log share of the training examples
    share: np.ndarray
    by_place: dict[str, list[int]]  # a town → its units; a district → its units without a town
    by_district: dict[str, np.ndarray]
    district_index: dict[str, int]
    place_units: dict[str, dict[int, int]]  # a place key → {unit index: examples}
    place_totals: dict[str, int]

    def index(self) -> dict[str, int]:
        return {str(c): i for i, c in enumerate(self.classes)}


def _keys(text: str, area: str, mentions: list[Mention]) -> set[str]:
    """The place keys of a text: places of the gazetteer, the cores of named places, the area."""
    keys = {f"G:{m.place.name}" for m in mentions}
    keys.update(f"P:{place_core(name)}" for name in place_names(text[:ROUTE_CHARS]))
    if area:
        keys.add(f"A:{area}")
    return keys


@dataclass
class _Row:
    """One text prepared for reranking: its places and keys."""

    districts: list[str]  # districts named, in order (a town or community names its district too)
    towns: list[str]
    keys: set[str]
    area_district: str
    area_town: str


class UnitRouter:
    """A trained router. Build with `routing_train`, or `UnitRouter.load(path)` / `from_bytes`."""

    def __init__(
        self,
        features: Features,
        models: tuple[_Linear | None, _Linear | None, _Linear | None],
        tables: _Tables,
        rerank: _Rerank,
        gazetteer: Gazetteer,
        aliases: Aliases,
        info: RouterInfo,
    ) -> None:
        self.features = features
        self.models = models
        self.tables = tables
        self.rerank = rerank
        self.gazetteer = gazetteer
        self.aliases = aliases
        self.info = info

    @property
    def units(self) -> list[str]:
        return [str(c) for c in self.tables.classes]

    # --- suggesting ---

    def route(
        self, text: str, *, area: str = "", time: datetime | None = None, limit: int = 3
    ) -> RouteResult:
        return self.route_many([text], areas=[area], times=[time], limit=limit)[0]

    def route_many(
        self,
        texts: Sequence[str],
        *,
        areas: Sequence[str] | None = None,
        times: Sequence[datetime | None] | None = None,
        limit: int = 3,
        progress: bool = False,
    ) -> list[RouteResult]:
        """Suggestions for every text (empty ones get the busiest units and a note), in batches."""
        texts = list(texts)
        areas = list(areas) if areas is not None else [""] * len(texts)
        times = list(times) if times is not None else [None] * len(texts)
        results: list[RouteResult] = []
        bar = tqdm(total=len(texts), desc="route", disable=not progress, file=sys.stderr)
        for start in range(0, len(texts), ROUTE_BATCH):
            end = start + ROUTE_BATCH
            results.extend(self._route_batch(texts[start:end], areas[start:end], times[start:end], limit))
            bar.update(min(end, len(texts)) - start)
        bar.close()
        return results

    def _route_batch(
        self, texts: list[str], areas: list[str], times: list[datetime | None], limit: int
    ) -> list[RouteResult]:
        bodies = [normalize(t) for t in texts]
        matrix = self.features.transform(bodies)
        t = self.tables
        su = _scores(self.models[0], matrix, t.classes)
        sr = _scores(self.models[1], matrix, t.roles)
        sd = _scores(self.models[2], matrix, t.districts)
        as_of = _parse_iso(self.info.as_of)
        has_aliases = len(self.aliases) > 0
        results = []
        for i, body in enumerate(bodies):
            row = _prepare_row(body, normalize(areas[i]), self.gazetteer)
            candidates, features, support = _candidates(t, row, su[i], sr[i], sd[i], loo=None)
            probabilities = _softmax(_standard(features, self.rerank) @ self.rerank.weights)
            at = times[i]
            at = max(at, as_of) if at is not None and as_of is not None else at
            merged: dict[str, float] = defaultdict(float)
            first: dict[str, tuple[int, list[str]]] = {}  # successor → its best candidate, the names it had
            for k in np.argsort(-probabilities, kind="stable"):
                unit = str(t.classes[candidates[k]])
                successor, chain = self.aliases.resolve(unit, at) if has_aliases else (unit, [])
                merged[successor] += float(probabilities[k])
                first.setdefault(successor, (int(k), chain))
            ranked = sorted(merged.items(), key=lambda kv: -kv[1])[: max(1, limit)]
            units = []
            for unit, p in ranked:
                k, chain = first[unit]
                j = int(candidates[k])
                found = _reasons(t, row, j, features[k], support.get(j))
                units.append(
                    UnitSuggestion(unit, round(p, 4), tuple(Reason("alias", o) for o in chain) + found)
                )
            results.append(self._result(body, units))
        return results

    def _result(self, body: str, units: list[UnitSuggestion]) -> RouteResult:
        notes = []
        readable = bool(_HAN.search(body))
        if not body.replace(" ", ""):
            notes.append("empty text: the busiest units are suggested")
        elif not readable:
            notes.append("no Chinese text: the units are a guess")
        elif len(body) > ROUTE_CHARS:
            notes.append(f"the units are judged on the first {ROUTE_CHARS} characters")
        threshold = self.info.auto_threshold
        confident = readable and threshold is not None and bool(units) and units[0].score >= threshold
        return RouteResult(units, confident, notes)

    # --- files ---

    def to_bytes(self) -> bytes:
        bundle = {
            "features": self.features,
            "models": self.models,
            "tables": self.tables,
            "rerank": self.rerank,
            "places": list(self.gazetteer.places.values()),
            "aliases": self.aliases.as_list(),
        }
        return model_file_bytes(bundle, self.info)

    def save(self, path: str | Path) -> RouterInfo:
        model_file_write(path, self.to_bytes())
        return self.info

    @classmethod
    def load(cls, path: str | Path) -> UnitRouter:
        path = Path(path)
        if not path.is_file():
            raise IntelError(f"{path}: no such model file", code="bad_model", problem="missing")
        try:
            with path.open("rb") as fh:
                info, payload = _parse_router(fh, path.name)
        except OSError as exc:
            raise IntelError(
                f"{path.name}: the model file cannot be read ({exc})", code="bad_model", problem="unreadable"
            ) from exc
        return cls._unpack(info, payload, path.name)

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "model") -> UnitRouter:
        if not data:
            raise IntelError(f"{name}: the model file is empty", code="bad_model", problem="empty")
        info, payload = _parse_router(io.BytesIO(data), name)
        return cls._unpack(info, payload, name)

    @classmethod
    def _unpack(cls, info: RouterInfo, payload: bytes, name: str) -> UnitRouter:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bundle = joblib.load(io.BytesIO(payload))
            router = cls(
                bundle["features"],
                bundle["models"],
                bundle["tables"],
                bundle["rerank"],
                Gazetteer(bundle["places"]),
                Aliases(bundle["aliases"]),
                info,
            )
        except Exception as exc:  # any unpickling failure means "cannot use this file"
            raise unpickle_error(name, info.sklearn_version, exc) from exc
        if not isinstance(router.features, Features) or not isinstance(router.tables, _Tables):
            raise IntelError(
                f"{name}: the model file does not hold a unit router", code="bad_model", problem="not_router"
            )
        return router


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _parse_router(fh: BinaryIO, name: str) -> tuple[RouterInfo, bytes]:
    if fh.read(len(MAGIC)) != MAGIC:
        raise IntelError(f"{name}: not a Lianxin model file", code="bad_model", problem="foreign")
    sizes = fh.read(8)
    if len(sizes) != 8:
        raise IntelError(f"{name}: the model file is truncated", code="bad_model", problem="truncated")
    header_len, payload_len = struct.unpack(">II", sizes)
    header = fh.read(header_len)
    payload = fh.read(payload_len + 1)
    try:
        meta = json.loads(header.decode("utf-8"))
        fmt = meta.get("format")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
        raise IntelError(
            f"{name}: the model file's metadata is damaged", code="bad_model", problem="metadata"
        ) from exc
    if fmt != MODEL_FORMAT:
        raise IntelError(f"{name}: a {fmt!r} file, not a unit router", code="bad_model", problem="not_router")
    try:
        info = RouterInfo(**meta)
    except TypeError as exc:
        raise IntelError(
            f"{name}: the model file's metadata is damaged", code="bad_model", problem="metadata"
        ) from exc
    if info.format_version > FORMAT_VERSION:
        raise IntelError(
            f"{name}: model format {info.format_version} is newer than this Lianxin reads ({FORMAT_VERSION})",
            code="bad_model",
            problem="newer",
        )
    if len(payload) != payload_len:
        raise IntelError(
            f"{name}: the model file is truncated or has extra bytes", code="bad_model", problem="truncated"
        )
    if hashlib.sha256(payload).hexdigest() != info.checksum:
        raise IntelError(
            f"{name}: checksum mismatch, the model file is damaged", code="bad_model", problem="checksum"
        )
    return info, payload


# --- reranking --------------------------------------------------------------------------------------


def _prepare_row(body: str, area: str, gazetteer: Gazetteer) -> _Row:
    mentions = gazetteer.find(body)
    districts: list[str] = []
    towns: list[str] = []
    for m in mentions:
        district = gazetteer.district_of(m.place.name)
        town = gazetteer.town_of(m.place.name)
        if district and district not in districts:
            districts.append(district)
        if town and town not in towns:
            towns.append(town)
    area_district = gazetteer.district_of(area) if area else ""
    area_town = gazetteer.town_of(area) if area else ""
    return _Row(districts, towns, _keys(body, area, mentions), area_district, area_town)


def _candidates(
    t: _Tables,
    row: _Row,
    su: np.ndarray,
    sr: np.ndarray,
    sd: np.ndarray,
    *,
    loo: int | None,
) -> tuple[np.ndarray, np.ndarray, dict[int, tuple[str, float]]]:
    """Candidate units of one text, their reranking features and their best place key. `loo`: the
    unit of the training example itself, left out of the place counts (None when suggesting)."""
    chosen = set(np.argpartition(-su, min(CANDIDATES, su.size - 1))[:CANDIDATES].tolist())
    named = row.districts[:2] + row.towns[:2] + [p for p in (row.area_district, row.area_town) if p]
    for place in named:
        chosen.update(t.by_place.get(place, ()))
    best_roles = np.argsort(-sr)[:3]
    districts = {int(j) for j in np.argsort(-sd)[:2]}
    districts.update(t.district_index[d] for d in named if d in t.district_index)
    for d in districts:
        units = t.by_district.get(str(t.districts[d]))
        if units is not None:
            chosen.update(units[np.isin(t.unit_role[units], best_roles)].tolist())
    share, keys_for = _place_support(t, row, loo)
    chosen.update(share)
    cs = np.array(sorted(chosen), dtype=np.int64)
    f = np.zeros((cs.size, len(FEATURES)))
    roles, dists = t.unit_role[cs], t.unit_district[cs]
    f[:, _F["text_unit"]] = su[cs]
    f[:, _F["text_role"]] = sr[roles]
    f[:, _F["text_district"]] = sd[dists]
    f[:, _F["best_unit"]] = cs == int(np.argmax(su))
    f[:, _F["best_role"]] = roles == int(np.argmax(sr))
    f[:, _F["best_district"]] = dists == int(np.argmax(sd))
    f[:, _F["prior"]] = t.prior[cs]
    for k, j in enumerate(cs.tolist()):
        _place_features(f[k], row, str(t.districts[dists[k]]), t.unit_town[j], t)
        if j in share:
            f[k, _F["place_share"]] = share[j][1]
            f[k, _F["place_keys"]] = math.log1p(keys_for[j])
    return cs, f, share


def _place_support(
    t: _Tables, row: _Row, loo: int | None
) -> tuple[dict[int, tuple[str, float]], dict[int, int]]:
    """For the units of handled examples that named the text's place keys: the best key and its share
    n(key, unit) / (n(key) + 1), and how many keys support the unit (`loo` left out of the counts)."""
    share: dict[int, tuple[str, float]] = {}
    keys_for: dict[int, int] = defaultdict(int)
    for key in sorted(row.keys):
        counts = t.place_units.get(key)
        if not counts:
            continue
        total = t.place_totals[key] - (1 if loo is not None else 0)
        if total <= 0:
            continue
        for unit, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
            n -= 1 if loo == unit else 0
            if n <= 0:
                continue
            keys_for[unit] += 1
            value = n / (total + 1)
            if value > share.get(unit, ("", 0.0))[1]:
                share[unit] = (key[2:], value)
    return share, keys_for


def _place_features(f: np.ndarray, row: _Row, district: str, town: str, t: _Tables) -> None:
    """The place features of one candidate unit (of `district` and `town`) for one text, in `f`."""
    if district:
        f[_F["district_named"]] = district in row.districts
        f[_F["district_first"]] = bool(row.districts) and row.districts[0] == district
        f[_F["district_other"]] = bool(row.districts) and district not in row.districts
        f[_F["district_unit"]] = not town
        if not town:
            f[_F["town_of_district"]] = any(_town_in(t, named, district) for named in row.towns)
    else:
        f[_F["city_level_named"]] = bool(row.districts or row.towns)
    if town:
        f[_F["town_named"]] = town in row.towns
        f[_F["town_first"]] = bool(row.towns) and row.towns[0] == town
        f[_F["town_other"]] = bool(row.towns) and town not in row.towns
    if row.area_town and town:
        f[_F["area_match"]] = 1.0 if town == row.area_town else -1.0
    elif row.area_district and district:
        f[_F["area_match"]] = 1.0 if district == row.area_district else -1.0


def _town_in(t: _Tables, town: str, district: str) -> bool:
    """Whether the units of `town` lie in `district`."""
    units = t.by_place.get(town, [])
    return any(str(t.districts[t.unit_district[j]]) == district for j in units)


def _standard(features: np.ndarray, rerank: _Rerank) -> np.ndarray:
    return (features - rerank.mean) / rerank.scale


def _softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max())
    return e / e.sum()


def _reasons(
    t: _Tables, row: _Row, j: int, features: np.ndarray, share: tuple[str, float] | None
) -> tuple[Reason, ...]:
    """Why unit `j` is a candidate, strongest kind of evidence first."""
    out: list[Reason] = []
    district, town = str(t.districts[t.unit_district[j]]), t.unit_town[j]
    if features[_F["area_match"]] > 0:
        out.append(Reason("area", row.area_town or row.area_district))
    if features[_F["town_named"]]:
        out.append(Reason("town", town))
    elif features[_F["district_named"]]:
        out.append(Reason("district", district))
    if share is not None:
        out.append(Reason("place", share[0], round(share[1], 3)))
    if features[_F["best_unit"]] or features[_F["text_unit"]] > -0.5:
        out.append(Reason("text", "", round(float(features[_F["text_unit"]]), 3)))
    if features[_F["best_role"]]:
        out.append(Reason("role", str(t.roles[t.unit_role[j]]).split(":", 1)[-1]))
    if not out:
        out.append(Reason("prior", "", round(float(t.share[j]), 4)))
    return tuple(out)


def _clogit_fit(groups: list[np.ndarray], truths: list[int]) -> _Rerank:
    """A conditional logit (softmax over each text's candidates) with an L2 penalty, on standardised
    features; groups without their true unit among the candidates teach nothing and are skipped."""
    kept = [(g, y) for g, y in zip(groups, truths) if y >= 0]
    if not kept:
        weights = np.zeros(len(FEATURES))
        weights[_F["text_unit"]] = 1.0
        return _Rerank(weights, np.zeros(len(FEATURES)), np.ones(len(FEATURES)))
    stacked = np.vstack([g for g, _ in kept])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale == 0] = 1.0
    z = (stacked - mean) / scale
    sizes = np.array([len(g) for g, _ in kept])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    true_rows = starts + np.array([y for _, y in kept])
    group_of = np.repeat(np.arange(len(kept)), sizes)
    n = len(kept)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ w
        top = np.maximum.reduceat(s, starts)
        e = np.exp(s - top[group_of])
        total = np.add.reduceat(e, starts)
        p = e / total[group_of]
        value = -np.sum(s[true_rows] - top - np.log(total)) / n + RERANK_L2 * w @ w
        grad = -(z[true_rows].sum(axis=0) - (p[:, None] * z).sum(axis=0)) / n + 2 * RERANK_L2 * w
        return float(value), grad

    result = minimize(loss, np.zeros(len(FEATURES)), jac=True, method="L-BFGS-B")
    return _Rerank(np.asarray(result.x), mean, scale)


def wilson_lower(correct: float, n: int, z: float = 1.645) -> float:
    """One-sided lower confidence bound (95 % at z = 1.645) of a proportion."""
    if n <= 0:
        return 0.0
    p = correct / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def auto_threshold(
    confidences: Sequence[float], correct: Sequence[bool], *, target: float = TARGET_PRECISION
) -> float | None:
    """The lowest confidence t such that the suggestions at or above t are right with a Wilson lower
    bound ≥ `target` (at least `MIN_AUTO_ROWS` of them); None when no t does."""
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.size == 0:
        return None
    order = np.argsort(-conf, kind="stable")
    conf, ok = conf[order], ok[order]
    hits = np.cumsum(ok)
    best = None
    for i in range(conf.size):
        if i + 1 < conf.size and conf[i + 1] == conf[i]:
            continue  # a threshold takes in every tie
        if i + 1 >= MIN_AUTO_ROWS and wilson_lower(hits[i], i + 1) >= target:
            best = float(conf[i])
    return best


# --- training ---------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    texts: list[str]
    units: list[str]
    areas: list[str]
    times: list[datetime | None]
    left_out: dict[str, int]
    notes: list[str]
    as_of: datetime | None


def _prepare_examples(examples: Sequence[RoutingExample], aliases: Aliases) -> _Prepared:
    notes: list[str] = []
    rows = []
    empty = no_unit = 0
    for e in examples:
        text, unit = normalize(e.text), normalize(e.unit)
        if not text.replace(" ", ""):
            empty += 1
            continue
        if not unit:
            no_unit += 1
            continue
        rows.append((text, unit, normalize(e.area), e.time))
    if empty:
        notes.append(f"{empty} examples with an empty text left out")
    if no_unit:
        notes.append(f"{no_unit} examples without a unit left out")
    times = [r[3] for r in rows if r[3] is not None]
    as_of = max(times) if times else None
    resolved = [(text, aliases.resolve(unit, as_of)[0], area, at) for text, unit, area, at in rows]
    renamed = sum(1 for a, b in zip(rows, resolved) if a[1] != b[1])
    if renamed:
        notes.append(f"{renamed} examples of renamed or merged units counted for their successor")
    counts = Counter(r[1] for r in resolved)
    left_out = {u: n for u, n in sorted(counts.items()) if n < MIN_EXAMPLES}
    if left_out:
        shown = "、".join(list(left_out)[:10]) + ("…" if len(left_out) > 10 else "")
        notes.append(
            f"{len(left_out)} units with fewer than {MIN_EXAMPLES} examples left out of training "
            f"({sum(left_out.values())} examples): {shown}"
        )
    kept = [r for r in resolved if r[1] not in left_out]
    # time order (stable): the folds are consecutive time blocks
    if kept and all(r[3] is not None for r in kept):
        kept.sort(key=lambda r: r[3] or datetime.min)
    return _Prepared(
        texts=[r[0] for r in kept],
        units=[r[1] for r in kept],
        areas=[r[2] for r in kept],
        times=[r[3] for r in kept],
        left_out=left_out,
        notes=notes,
        as_of=as_of,
    )


def _folds(n: int, folds: int, timed: bool, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    folds = max(2, min(folds, n))
    if timed:
        edges = np.linspace(0, n, folds + 1).astype(int)
        every = np.arange(n)
        return [(np.setdiff1d(every, every[a:b]), every[a:b]) for a, b in zip(edges[:-1], edges[1:])]
    splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
    return [(a, b) for a, b in splitter.split(np.zeros(n))]


def _tables(
    prepared: _Prepared, gazetteer: Gazetteer, infos: dict[str, UnitInfo], keys: list[set[str]]
) -> _Tables:
    counts = Counter(prepared.units)
    classes = np.array(sorted(counts), dtype=object)
    place_of: dict[str, tuple[str, str]] = {}
    role_of: dict[str, str] = {}
    for unit in classes:
        info = infos.get(unit)
        name = normalize(info.name) if info and info.name else unit
        if info and (info.district or info.town):
            town = normalize(info.town)
            district = normalize(info.district) or gazetteer.district_of(town)
        else:
            district, town = unit_places(name, gazetteer)
        place_of[unit] = (district, town)
        role_of[unit] = unit_role(name, district, town, gazetteer)
    roles = np.array(sorted(set(role_of.values())), dtype=object)
    districts = np.array(sorted({d for d, _ in place_of.values()} | {NO_DISTRICT}), dtype=object)
    role_index = {str(r): i for i, r in enumerate(roles)}
    district_index = {str(d): i for i, d in enumerate(districts)}
    unit_role_ = np.array([role_index[role_of[u]] for u in classes], dtype=np.int64)
    unit_district = np.array([district_index[place_of[u][0]] for u in classes], dtype=np.int64)
    by_place: dict[str, list[int]] = defaultdict(list)
    by_district: dict[str, list[int]] = defaultdict(list)
    for j, unit in enumerate(classes):
        district, town = place_of[unit]
        if town:
            by_place[town].append(j)
        elif district:
            by_place[district].append(j)
        by_district[district].append(j)
    index = {str(u): j for j, u in enumerate(classes)}
    place_units: dict[str, dict[int, int]] = defaultdict(dict)
    for unit, row_keys in zip(prepared.units, keys):
        j = index[unit]
        for key in row_keys:
            place_units[key][j] = place_units[key].get(j, 0) + 1
    total = sum(counts.values())
    share = np.array([counts[u] / total for u in classes])
    return _Tables(
        classes=classes,
        roles=roles,
        districts=districts,
        unit_role=unit_role_,
        unit_district=unit_district,
        unit_town=[place_of[u][1] for u in classes],
        prior=np.log(share),
        share=share,
        by_place=dict(by_place),
        by_district={d: np.array(v, dtype=np.int64) for d, v in by_district.items()},
        district_index=district_index,
        place_units=dict(place_units),
        place_totals={k: sum(v.values()) for k, v in place_units.items()},
    )


def _fold_places(t: _Tables, rows: list[_Row], units: list[int], train_idx: np.ndarray) -> _Tables:
    """`t` with its place counts taken from the rows of `train_idx` only."""
    place_units: dict[str, dict[int, int]] = defaultdict(dict)
    for i in train_idx.tolist():
        j = units[i]
        for key in rows[i].keys:
            place_units[key][j] = place_units[key].get(j, 0) + 1
    totals = {k: sum(v.values()) for k, v in place_units.items()}
    return dataclasses.replace(t, place_units=dict(place_units), place_totals=totals)


def _label_columns(t: _Tables, units: list[str]) -> tuple[list[str], list[str]]:
    index = t.index()
    roles = [str(t.roles[t.unit_role[index[u]]]) for u in units]
    districts = [str(t.districts[t.unit_district[index[u]]]) for u in units]
    return roles, districts


def _fit_models(
    matrix: sp.csr_matrix,
    units: list[str],
    roles: list[str],
    districts: list[str],
    random_state: int,
    *,
    prune: bool = True,
) -> tuple[_Linear | None, _Linear | None, _Linear | None]:
    return (
        _fit_linear(matrix, units, random_state, prune=prune),
        _fit_linear(matrix, roles, random_state, prune=prune),
        _fit_linear(matrix, districts, random_state, prune=prune),
    )


def _out_of_fold(
    counts: Counts,
    prepared: _Prepared,
    t: _Tables,
    splits: list[tuple[np.ndarray, np.ndarray]],
    *,
    random_state: int,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Text scores of every example from models trained without its fold."""
    n = len(prepared.units)
    roles, districts = _label_columns(t, prepared.units)
    su = np.full((n, t.classes.size), -2.0)
    sr = np.full((n, t.roles.size), -2.0)
    sd = np.full((n, t.districts.size), -2.0)
    for train_idx, test_idx in tqdm(splits, desc="folds", disable=not progress, file=sys.stderr):
        features, matrix = RouteFeatures.fit(counts, train_idx)
        pick = train_idx.tolist()
        models = _fit_models(
            matrix,
            [prepared.units[i] for i in pick],
            [roles[i] for i in pick],
            [districts[i] for i in pick],
            random_state,
            prune=False,
        )
        held = features.transform_counts(counts, test_idx)
        su[test_idx] = _scores(models[0], held, t.classes)
        sr[test_idx] = _scores(models[1], held, t.roles)
        sd[test_idx] = _scores(models[2], held, t.districts)
    return su, sr, sd


def _by_confidence(confidences: np.ndarray, correct: np.ndarray) -> dict[str, dict[str, float]]:
    """Share of suggestions at or above each confidence, and how many of them are right."""
    out = {}
    for level in (0.5, 0.7, 0.8, 0.9, 0.95, 0.98):
        chosen = confidences >= level
        out[f"{level:g}"] = {
            "share": round(float(chosen.mean()), 4) if chosen.size else 0.0,
            "precision": round(float(correct[chosen].mean()), 4) if chosen.any() else 0.0,
        }
    return out


def routing_train(
    examples: Sequence[RoutingExample],
    *,
    gazetteer: Iterable[Place] = (),
    units: Iterable[UnitInfo] = (),
    aliases: Iterable[UnitAlias] = (),
    folds: int = FOLDS,
    progress: bool = False,
    random_state: int = 0,
) -> UnitRouter:
    """Train a router on handled examples. `gazetteer`: the caller's places (the area tree); `units`:
    the caller's knowledge of the units' places; `aliases`: renamed and merged units.

    Raises IntelError when fewer than two units have `MIN_EXAMPLES` examples.
    """
    alias_table = Aliases(aliases)
    prepared = _prepare_examples(examples, alias_table)
    if len(set(prepared.units)) < 2:
        raise IntelError(
            f"need at least two units with {MIN_EXAMPLES}+ handled examples each; found {len(set(prepared.units))}",
            code="not_enough_data",
            problem="few_units",
        )
    infos = {normalize(u.unit): u for u in units}
    unit_names = [
        normalize(infos[u].name) if u in infos and infos[u].name else u for u in set(prepared.units)
    ]
    unit_names += list(prepared.left_out)
    places = Gazetteer([*gazetteer, *places_from_unit_names(unit_names)])
    rows = [_prepare_row(text, area, places) for text, area in zip(prepared.texts, prepared.areas)]
    tables = _tables(prepared, places, infos, [r.keys for r in rows])
    counts = count_texts(prepared.texts, progress=progress)
    timed = all(t is not None for t in prepared.times)
    splits = _folds(len(prepared.units), folds, timed, random_state)
    su, sr, sd = _out_of_fold(counts, prepared, tables, splits, random_state=random_state, progress=progress)
    index = tables.index()
    own_units = [index[u] for u in prepared.units]
    groups: list[np.ndarray] = [np.zeros((0, len(FEATURES)))] * len(rows)
    truths = [-1] * len(rows)
    for train_idx, test_idx in splits:
        # place shares from the other folds only, as the text scores: a letter's place counts must not
        # hold its own fold's letters (repeats of one case), which later letters never have
        fold_tables = _fold_places(tables, rows, own_units, train_idx)
        for i in test_idx.tolist():
            own = own_units[i]
            cs, f, _ = _candidates(fold_tables, rows[i], su[i], sr[i], sd[i], loo=None)
            hit = np.flatnonzero(cs == own)
            groups[i] = f
            truths[i] = int(hit[0]) if hit.size else -1
    rerank = _clogit_fit(groups, truths)
    # the reranker's own out-of-fold confidences choose the auto threshold and give the cv scores
    first = np.zeros(len(rows), dtype=np.float64)
    right1 = np.zeros(len(rows), dtype=bool)
    right3 = np.zeros(len(rows), dtype=bool)
    for train_idx, test_idx in splits:
        fold = _clogit_fit([groups[i] for i in train_idx], [truths[i] for i in train_idx])
        for i in test_idx:
            p = _softmax(_standard(groups[i], fold) @ fold.weights)
            order = np.argsort(-p, kind="stable")
            first[i] = p[order[0]]
            right1[i] = truths[i] == order[0]
            right3[i] = truths[i] in order[:3]
    seen: set[str] = set()
    distinct = []
    for text in prepared.texts:
        distinct.append(text not in seen)
        seen.add(text)
    mask = np.array(distinct)
    threshold = auto_threshold(first[mask].tolist(), right1[mask].tolist())
    features, matrix = RouteFeatures.fit(counts)
    del counts
    roles, districts = _label_columns(tables, prepared.units)
    models = _fit_models(matrix, prepared.units, roles, districts, random_state)
    cv = {
        "folds": len(splits),
        "split": "time blocks" if timed else "shuffled",
        "accuracy_at_1": round(float(right1.mean()), 4),
        "accuracy_at_3": round(float(right3.mean()), 4),
        "candidate_recall": round(float(np.mean([y >= 0 for y in truths])), 4),
        "auto_share": round(float(np.mean(first[mask] >= threshold)), 4) if threshold is not None else 0.0,
        "by_confidence": _by_confidence(first[mask], right1[mask]),
    }
    info = RouterInfo(
        format=MODEL_FORMAT,
        format_version=FORMAT_VERSION,
        version=_lianxin_version(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        n_train=len(prepared.units),
        units=[str(u) for u in tables.classes],
        left_out=prepared.left_out,
        notes=prepared.notes,
        n_places=len(places),
        n_aliases=len(alias_table),
        as_of=prepared.as_of.isoformat() if prepared.as_of else None,
        auto_threshold=round(threshold, 6) if threshold is not None else None,
        cv=cv,
        weights={name: round(float(w), 4) for name, w in zip(FEATURES, rerank.weights)},
        sklearn_version=sklearn.__version__,
        python_version=platform.python_version(),
    )
    return UnitRouter(features, models, tables, rerank, places, alias_table, info)


# --- baselines and evaluation -----------------------------------------------------------------------


class MostFrequent:
    """Baseline: the units with the most training examples, whatever the text."""

    def __init__(self, units: Sequence[str]) -> None:
        counts = Counter(units)
        total = max(1, sum(counts.values()))
        self.ranked = [(u, n / total) for u, n in counts.most_common()]

    def rank(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        return self.ranked[:limit]


class PlaceRule:
    """Baseline: the first district or town named in the text → the unit of that place (whose name
    contains it, or whose area it is) with the most training examples; else the busiest unit. Its
    confidence is the Wilson lower bound of how often the rule was right for that place in training."""

    def __init__(
        self, units: Sequence[str], texts: Sequence[str], gazetteer: Gazetteer, infos: dict[str, UnitInfo]
    ):
        self.gazetteer = gazetteer
        self.fallback = MostFrequent(units)
        counts = Counter(units)
        at_place: dict[str, Counter[str]] = defaultdict(Counter)
        for unit, n in counts.items():
            info = infos.get(unit)
            name = info.name if info and info.name else unit
            district, town = (info.district, info.town) if info and (info.district or info.town) else ("", "")
            for known in gazetteer.places.values():
                if known.level in ("district", "town") and (
                    known.name in name or known.name in (district, town)
                ):
                    at_place[known.name][unit] = n
        self.at_place = {p: [u for u, _ in c.most_common()] for p, c in at_place.items()}
        hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for unit, text in zip(units, texts):
            place = self._place(normalize(text))
            if place:
                hits[place][0] += unit == self.at_place[place][0]
                hits[place][1] += 1
        # how sure the rule is of a place: the lower bound of its precision on the training rows
        self.precision = {p: wilson_lower(h, n) for p, (h, n) in hits.items()}

    def _place(self, body: str) -> str:
        for m in self.gazetteer.find(body):
            if m.place.level in ("district", "town") and m.place.name in self.at_place:
                return m.place.name
        return ""

    def rank(self, text: str, limit: int = 3) -> list[tuple[str, float]]:
        place = self._place(normalize(text))
        if not place:
            return self.fallback.rank(text, limit)
        confidence = max(0.0, self.precision.get(place, 0.0))
        ranked = [(u, confidence if k == 0 else 0.0) for k, u in enumerate(self.at_place[place][:limit])]
        taken = {u for u, _ in ranked}
        ranked += [(u, 0.0) for u, _ in self.fallback.ranked if u not in taken][: limit - len(ranked)]
        return ranked


def _train_confidences(
    baseline: MostFrequent | PlaceRule, texts: Sequence[str], units: Sequence[str]
) -> float | None:
    ranked = [baseline.rank(t, 1)[0] for t in texts]
    return auto_threshold([s for _, s in ranked], [u == p for (p, _), u in zip(ranked, units)])


def _metrics(
    truth: list[str], ranked: list[list[str]], confidences: list[float], threshold: float | None
) -> dict[str, Any]:
    n = len(truth)
    first = [r[0] if r else "" for r in ranked]
    present = sorted(set(truth))
    auto = [c >= threshold for c in confidences] if threshold is not None else [False] * n
    auto_n = sum(auto)
    return {
        "accuracy_at_1": round(sum(p == t for p, t in zip(first, truth)) / n, 4),
        "accuracy_at_3": round(sum(t in r[:3] for r, t in zip(ranked, truth)) / n, 4),
        "macro_f1": round(float(f1_score(truth, first, labels=present, average="macro", zero_division=0)), 4),
        "auto_share_at_95": round(auto_n / n, 4),
        "auto_threshold": None if threshold is None else round(threshold, 4),
        "auto_precision": round(sum(a and p == t for a, p, t in zip(auto, first, truth)) / auto_n, 4)
        if auto_n
        else None,
    }


def routing_evaluate(
    train: Sequence[RoutingExample],
    test: Sequence[RoutingExample],
    *,
    gazetteer: Iterable[Place] = (),
    units: Iterable[UnitInfo] = (),
    aliases: Iterable[UnitAlias] = (),
    progress: bool = False,
) -> dict[str, Any]:
    """Train on one set, score on the other, beside the two baselines: the JSON of contract.md
    (`accuracy_at_1`, `accuracy_at_3`, `macro_f1`, `auto_share_at_95`, `n_train`, `n_test`,
    `baselines`), plus the auto threshold and precision, timings and notes.

    Test units are mapped through the aliases as of each test example's time; units the model never
    learnt (new, or left out for having one example) count as misses.
    """
    gazetteer, units, aliases = list(gazetteer), list(units), list(aliases)
    start = time.perf_counter()
    router = routing_train(train, gazetteer=gazetteer, units=units, aliases=aliases, progress=progress)
    train_seconds = time.perf_counter() - start
    alias_table = Aliases(aliases)
    as_of = _parse_iso(router.info.as_of)
    rows = []
    empty = 0
    for e in test:
        text, unit = normalize(e.text), normalize(e.unit)
        if not text.replace(" ", "") or not unit:
            empty += 1
            continue
        at = max(e.time, as_of) if e.time is not None and as_of is not None else (e.time or as_of)
        rows.append((text, alias_table.resolve(unit, at)[0], normalize(e.area), e.time))
    if not rows:
        raise IntelError("the test data has no example with a text and a unit", code="not_enough_data")
    truth = [r[1] for r in rows]
    start = time.perf_counter()
    routed = router.route_many([r[0] for r in rows], areas=[r[2] for r in rows], times=[r[3] for r in rows])
    route_seconds = time.perf_counter() - start
    threshold = router.info.auto_threshold
    result: dict[str, Any] = _metrics(
        truth, [[u.unit for u in r.units] for r in routed], [r.units[0].score for r in routed], threshold
    )
    known = set(router.units)
    prepared = _prepare_examples(train, alias_table)
    places = router.gazetteer
    infos = {normalize(u.unit): u for u in units}
    baselines: dict[str, Any] = {}
    for name, baseline in (
        ("most_frequent", MostFrequent(prepared.units)),
        ("place_rule", PlaceRule(prepared.units, prepared.texts, places, infos)),
    ):
        b_threshold = _train_confidences(baseline, prepared.texts, prepared.units)
        ranked = [baseline.rank(r[0], 3) for r in rows]
        baselines[name] = _metrics(
            truth, [[u for u, _ in r] for r in ranked], [r[0][1] for r in ranked], b_threshold
        )
    notes = list(router.info.notes)
    if empty:
        notes.append(f"{empty} test examples without a text or a unit left out")
    unknown = sum(1 for u in truth if u not in known)
    if unknown:
        notes.append(f"{unknown} test examples went to units the model did not learn (counted as misses)")
    result.update(
        {
            "n_train": router.info.n_train,
            "n_test": len(rows),
            "baselines": baselines,
            "n_units": len(known),
            "left_out_units": len(router.info.left_out),
            "test_unknown_units": unknown,
            "cv": router.info.cv,
            "train_seconds": round(train_seconds, 2),
            "suggest_per_second": round(len(rows) / route_seconds, 1) if route_seconds > 0 else 0.0,
            "notes": notes,
        }
    )
    return result


# --- files ------------------------------------------------------------------------------------------

UNIT_COLUMNS = ("unit", "reply_unit", "回复单位", "承办单位", "主办单位", "答复单位", "办理单位")
AREA_COLUMNS = ("area", "区域", "所属区域")


def _extra_columns(path: Path) -> tuple[dict[int, str], dict[int, str], bool]:
    """The unit and area cells of each data row (by the row numbers `read_messages` gives), and
    whether the file has a unit column; the header is found as `read_messages` finds it."""
    rows = _data._rows(path)
    header: Sequence[object] | None = None
    for _ in range(10):
        header = next(rows, None)
        if header is None or _data._map_header(header):
            break
    keys = [_data._header_key(c) for c in header or ()]

    def column(names: Sequence[str]) -> int | None:
        return next((keys.index(n.lower()) for n in names if n.lower() in keys), None)

    unit_at, area_at = column(UNIT_COLUMNS), column(AREA_COLUMNS)
    units: dict[int, str] = {}
    areas: dict[int, str] = {}
    for number, row in enumerate(rows, start=2):
        if unit_at is not None and unit_at < len(row):
            units[number] = normalize(row[unit_at])
        if area_at is not None and area_at < len(row):
            areas[number] = normalize(row[area_at])
    return units, areas, unit_at is not None


def read_routing_file(path: str | Path) -> tuple[list[RoutingExample], list[str]]:
    """Handled messages of a .csv/.xlsx file (title/content or text, a unit column — unit, reply_unit,
    回复单位, 承办单位 or 主办单位 —, optional time and area), and notes on the rows left out or cut.
    Raises IntelError naming a missing column or an unreadable file."""
    path = Path(path)
    messages = _data.read_messages(path, need=("text",))
    try:
        units, areas, has_unit = _extra_columns(path)
    except (OSError, ValueError) as exc:
        raise IntelError(f"{path.name}: could not be read ({exc})", code="bad_file") from exc
    if not has_unit:
        raise IntelError(
            f"{path.name}: missing column unit ({'/'.join(UNIT_COLUMNS[1:])}): the unit that handled each message",
            code="missing_column",
        )
    examples: list[RoutingExample] = []
    notes: list[str] = []
    for m in messages:
        where = f"{path.name} row {m.row} (id {m.id})"
        notes.extend(f"{where}: {note}" for note in m.notes)
        unit = units.get(m.row, "")
        if not m.text.replace(" ", ""):
            notes.append(f"{where}: empty text, left out")
            continue
        if not unit:
            notes.append(f"{where}: no unit, left out")
            continue
        examples.append(RoutingExample(text=m.text, unit=unit, area=areas.get(m.row, ""), time=m.time))
    return examples, notes


def routing_evaluate_run(
    train: str | Path, test: str | Path, *, progress: bool = False
) -> tuple[dict[str, Any], list[str]]:
    """`lianxin route evaluate`: read both files, train, score; the JSON and the notes for stderr."""
    train_examples, train_notes = read_routing_file(train)
    test_examples, test_notes = read_routing_file(test)
    if not train_examples:
        raise IntelError(f"{Path(train).name}: no message with a text and a unit", code="not_enough_data")
    result = routing_evaluate(train_examples, test_examples, progress=progress)
    return result, train_notes + test_notes
