"""The demand classifier: category (and deeper levels where labels exist) with calibrated probabilities.

Design (see docs/intel.md for the scores):
- A text is normalised and its first `CLASSIFY_CHARS` characters are read and segmented into words
  (title and the start of the details carry the category; the cap bounds prediction time, which
  segmentation dominates; a model keeps how far it segments as `Features.word_chars`, since older
  ones stopped at 400 or 600 characters). Area codes become their level (A5区 → 区) and digits become
  0, so that the model learns topics rather than places or numbers.
- Features: TF-IDF of jieba words (domain dictionary, stopwords dropped) next to TF-IDF of character
  1–2-grams (robust to segmentation errors and new words); sublinear tf. (Trigrams and jieba's search mode add nothing
  measurable in cross-validation and halve the prediction speed.)
- Model: one linear SVM per level, calibrated with Platt scaling on 3-fold cross-validated decisions
  (`CalibratedClassifierCV`), so that `probability` means what it says; the top three are suggestions.
  Deeper levels (二级/三级分类, up to hundreds of labels) read the word features only, so that the model
  file stays small; weights are kept as float32.
- Texts are analysed once into integer term counts; cross-validation folds reuse them, fitting the
  vocabulary and idf of each fold on its training rows only.
- A label needs at least `MIN_EXAMPLES` examples to be learnt; rarer ones are left out and listed.

Model files carry their metadata and a SHA-256 checksum of the pickled payload; `load` refuses a file
that is not a Lianxin classifier, is damaged, or comes from an incompatible version, with an
`IntelError` saying which. Model files are produced by Lianxin's own training: like any pickle, a file
from an untrusted source must not be loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import re
import struct
import sys
import time
import warnings
from collections import Counter
from collections.abc import Sequence, Sized
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from itertools import chain, repeat
from pathlib import Path
from typing import Any, BinaryIO

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from tqdm import tqdm

from lianxin.intel.errors import IntelError
from lianxin.intel.text import AREA_CODE_RE, char_ngrams, normalize, stopwords, tokens
from lianxin.intel.vectors import TermCounts, smooth_idf, tfidf

MODEL_FORMAT = "lianxin-demand-classifier"
FORMAT_VERSION = 1
MAGIC = b"LIANXIN-INTEL\x00"
CLASSIFY_CHARS = 1000
WORD_CHARS = CLASSIFY_CHARS  # models trained before 2026-11-26 segmented 400 or 600
DROP_STOPWORDS = True  # stopwords.txt: +0.002 macro-F1 on four fold seeds; older models kept them
MIN_EXAMPLES = 3
LEVELS = ("label", "label2", "label3")
PREDICT_BATCH = 2000
_DIGITS = re.compile(r"\d+")
_HAN = re.compile("[\u3400-\u9fff]")


def _lianxin_version() -> str:
    try:
        return metadata.version("lianxin")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "0"


# --- features ---------------------------------------------------------------------------------------


def analyze(text: str) -> tuple[list[str], list[str]]:
    """The word and character features of one text (see the module rules), as a model is trained."""
    prepared = _prepare(normalize(text))
    return tokens(prepared[:WORD_CHARS], drop_stopwords=DROP_STOPWORDS), char_ngrams(prepared, (1, 2))


def _prepare(body: str) -> str:
    """The part of a normalised text that is read, area codes as their level and digits as 0."""
    text = body[:CLASSIFY_CHARS]
    text = AREA_CODE_RE.sub(lambda m: m.group(0)[-1], text)
    return _DIGITS.sub("0", text)


# Prediction looks character n-grams up by integer key instead of building a string for each: a
# unigram's key is its code point, a bigram's ((first + 1) << 21) + second (code points are < 2**21, so
# the two never meet). `gram_key` and `char_keys` give the same keys as `char_ngrams(text, (1, 2))`.
_CODE_BITS = 21


def gram_key(gram: str) -> int:
    if len(gram) == 1:
        return ord(gram)
    if len(gram) != 2:
        raise ValueError(f"not a character unigram or bigram: {gram!r}")
    return ((ord(gram[0]) + 1) << _CODE_BITS) + ord(gram[1])


def char_keys(text: str) -> np.ndarray:
    points = np.frombuffer(text.replace(" ", "").encode("utf-32-le"), dtype="<u4").astype(np.int64)
    return np.concatenate([points, ((points[:-1] + 1) << _CODE_BITS) + points[1:]])


def model_file_bytes(bundle: dict[str, Any], info: Any) -> bytes:
    """A model file (the classifier's and the router's layout): magic, sizes, the metadata `info` (a
    dataclass, given the payload's checksum here), then the compressed payload."""
    buffer = io.BytesIO()
    joblib.dump(bundle, buffer, compress=("zlib", 3))
    payload = buffer.getvalue()
    info.checksum = hashlib.sha256(payload).hexdigest()
    header = json.dumps(asdict(info), ensure_ascii=False).encode("utf-8")
    return MAGIC + struct.pack(">II", len(header), len(payload)) + header + payload


def unpickle_error(name: str, trained_with: str, exc: Exception) -> IntelError:
    """The error for a model file whose payload cannot be unpickled, naming a scikit-learn mismatch."""
    hint = ""
    if trained_with != sklearn.__version__:
        hint = f"; it was trained with scikit-learn {trained_with}, this is {sklearn.__version__}: retrain"
    return IntelError(
        f"{name}: the model could not be loaded ({type(exc).__name__}){hint}",
        code="bad_model",
        problem="unpickle",
    )


def model_file_write(path: str | Path, data: bytes) -> None:
    """Write a model file atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


class Counts:
    """Term counts of analysed texts: words and character n-grams (see `vectors.TermCounts`).
    Cross-validation folds reuse one `Counts` instead of analysing the texts again."""

    def __init__(self) -> None:
        self.parts = (TermCounts(), TermCounts())

    @property
    def vocabularies(self) -> tuple[dict[str, int], dict[str, int]]:
        return self.parts[0].vocabulary, self.parts[1].vocabulary

    def add(self, analysed: tuple[list[str], list[str]]) -> None:
        self.parts[0].add(analysed[0])
        self.parts[1].add(analysed[1])

    def matrices(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        return self.parts[0].matrix(), self.parts[1].matrix()


def count_texts(texts: Sequence[str], *, progress: bool = False) -> Counts:
    counts = Counts()
    for text in tqdm(texts, desc="analyse", disable=not progress, file=sys.stderr):
        counts.add(analyze(text))
    return counts


class Features:
    """Word TF-IDF beside character n-gram TF-IDF (smooth idf, sublinear tf, l2 rows, as scikit-learn's
    TfidfVectorizer); a character n-gram needs two documents (`MIN_DF`)."""

    MIN_DF = (1, 2)

    def __init__(self) -> None:
        self.vocabularies: tuple[dict[str, int], dict[str, int]] = ({}, {})
        self.idf: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))
        self._keep: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        # a model analyses texts as it was trained, whatever the constants are now
        self.word_chars = WORD_CHARS
        self.stopwords = stopwords() if DROP_STOPWORDS else frozenset()  # the list as it was at training
        self._char_index: tuple[np.ndarray, np.ndarray] | None = None  # sorted gram keys, their columns

    @property
    def drop_stopwords(self) -> bool:
        return bool(self.stopwords)

    @classmethod
    def fit(cls, counts: Counts, rows: np.ndarray | None = None) -> tuple[Features, sp.csr_matrix]:
        """Learn the vocabularies and idf from the `rows` of `counts` (all when None); returns the
        features and the training matrix of those rows."""
        features = cls()
        parts = []
        vocabularies = []
        idfs = []
        keeps = []
        for k, matrix in enumerate(counts.matrices()):
            sub = matrix if rows is None else matrix[rows]
            df = np.bincount(sub.indices, minlength=matrix.shape[1])
            keep = np.flatnonzero(df >= cls.MIN_DF[k])
            idf = smooth_idf(df[keep], sub.shape[0])
            parts.append(tfidf(sub[:, keep], idf))
            position = np.full(matrix.shape[1], -1, dtype=np.int64)
            position[keep] = np.arange(keep.size)
            terms = counts.vocabularies[k]
            vocabularies.append({term: int(position[i]) for term, i in terms.items() if position[i] >= 0})
            idfs.append(idf)
            keeps.append(keep)
        features.vocabularies = (vocabularies[0], vocabularies[1])
        features.idf = (idfs[0], idfs[1])
        features._keep = (keeps[0], keeps[1])
        return features, sp.hstack(parts, format="csr")

    def transform_counts(self, counts: Counts, rows: np.ndarray) -> sp.csr_matrix:
        """The matrix of `rows` of the `counts` these features were fitted on (held-out rows of a fold)."""
        parts = [
            tfidf(matrix[rows][:, self._keep[k]], self.idf[k]) for k, matrix in enumerate(counts.matrices())
        ]
        return sp.hstack(parts, format="csr")

    def transform(self, bodies: Sequence[str]) -> sp.csr_matrix:
        """The feature matrix of normalised texts, as a model predicts them. All terms of the batch are
        looked up at once: words in the vocabulary (C loops), character n-grams by integer key with a
        binary search; a term's repeats in a row add up when the matrix is built."""
        prepared = [_prepare(body) for body in bodies]
        words = [
            tokens(text[: self.word_chars], drop_stopwords=self.drop_stopwords, stop=self.stopwords)
            for text in prepared
        ]
        keys = [char_keys(text) for text in prepared]
        return sp.hstack(
            [self._rows(0, self._word_columns(words), words), self._rows(1, self._char_columns(keys), keys)],
            format="csr",
        )

    def _word_columns(self, words: list[list[str]]) -> np.ndarray:
        flat = list(chain.from_iterable(words))
        lookup = self.vocabularies[0].get
        return np.fromiter(map(lookup, flat, repeat(-1)), dtype=np.int64, count=len(flat))

    def _char_columns(self, keys: list[np.ndarray]) -> np.ndarray:
        flat = np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)
        sorted_keys, columns = self._char_lookup()
        if sorted_keys.size == 0:
            return np.full(flat.size, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_keys, flat), sorted_keys.size - 1)
        return np.where(sorted_keys[at] == flat, columns[at], -1)

    def _rows(self, part: int, columns: np.ndarray, terms: Sequence[Sized]) -> sp.csr_matrix:
        """TF-IDF rows of one feature part from the column of every term (-1: not in the vocabulary),
        the terms of each row in order."""
        n = len(terms)
        rows = np.repeat(np.arange(n, dtype=np.int64), np.fromiter(map(len, terms), dtype=np.int64, count=n))
        known = columns >= 0
        size = len(self.vocabularies[part])
        counts = sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), (rows[known], columns[known])),
            shape=(n, max(1, size)),
        )
        return tfidf(counts, self.idf[part] if size else np.ones(1))

    def _char_lookup(self) -> tuple[np.ndarray, np.ndarray]:
        if self._char_index is None:
            vocabulary = self.vocabularies[1]
            keys = np.fromiter(map(gram_key, vocabulary), dtype=np.int64, count=len(vocabulary))
            columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
            order = np.argsort(keys)
            self._char_index = (keys[order], columns[order])  # computed twice at worst: same result
        return self._char_index

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("word_chars", 400)  # models saved before word_chars was kept read 400
        dropped = state.pop("drop_stopwords", False)  # saved beside the list by some 2026-11-26 models
        state.setdefault("stopwords", stopwords() if dropped else frozenset())  # older ones kept stopwords
        state["_char_index"] = None
        self.__dict__.update(state)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_keep"] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))  # only for folds
        state["_char_index"] = None  # rebuilt from the vocabulary when first needed
        return state


def _new_estimator(random_state: int = 0) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(
        LinearSVC(C=1.0, random_state=random_state), method="sigmoid", cv=3, ensemble=False
    )


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """Best label with its calibrated probability, the top three, and deeper levels where learnt."""

    label: str
    probability: float
    top: list[Suggestion]
    deeper: dict[str, Suggestion] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class ModelInfo:
    """What a model file says about itself."""

    format: str
    format_version: int
    version: str
    created: str
    n_train: int
    labels: list[str]
    levels: dict[str, list[str]]
    left_out: dict[str, list[str]]
    cv: dict[str, Any] | None
    sklearn_version: str
    python_version: str
    checksum: str = ""


@dataclass
class Evaluation:
    """Scores of predictions against true labels; `as_dict` gives the JSON of contract.md."""

    macro_f1: float
    accuracy: float
    per_class: dict[str, dict[str, float | int]]
    n_train: int
    n_test: int
    train_seconds: float
    predict_per_second: float
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = {
            "macro_f1": round(self.macro_f1, 4),
            "accuracy": round(self.accuracy, 4),
            "per_class": self.per_class,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "train_seconds": round(self.train_seconds, 3),
            "predict_per_second": round(self.predict_per_second, 1),
        }
        data.update(self.extra)
        return data


# --- the model --------------------------------------------------------------------------------------


class DemandClassifier:
    """A trained classifier. Build with `classifier_train`, or `DemandClassifier.load(path)`."""

    def __init__(
        self, features: Features, models: dict[str, CalibratedClassifierCV], info: ModelInfo
    ) -> None:
        self.features = features
        self.models = models
        self.info = info

    @property
    def word_columns(self) -> int:
        """The first columns of the feature matrix are the words (deeper levels read only those)."""
        return max(1, len(self.features.vocabularies[0]))

    @property
    def labels(self) -> list[str]:
        return list(self.info.labels)

    def predict(self, texts: Sequence[str], *, top: int = 3, progress: bool = False) -> list[Prediction]:
        """Predict every text (empty or odd texts too: they get low probabilities and a note).
        Texts are taken in batches of `PREDICT_BATCH`, so that memory does not grow with the input."""
        texts = list(texts)
        results: list[Prediction] = []
        bar = tqdm(total=len(texts), desc="predict", disable=not progress, file=sys.stderr)
        for start in range(0, len(texts), PREDICT_BATCH):
            batch = texts[start : start + PREDICT_BATCH]
            results.extend(self._predict_batch(batch, top))
            bar.update(len(batch))
        bar.close()
        return results

    def _predict_batch(self, texts: list[str], top: int) -> list[Prediction]:
        bodies = [normalize(t) for t in texts]
        matrix = self.features.transform(bodies)
        words = matrix[:, : self.word_columns]
        probas = {
            level: model.predict_proba(matrix if level == "label" else words)
            for level, model in self.models.items()
        }
        classes = self.models["label"].classes_
        results: list[Prediction] = []
        for i, body in enumerate(bodies):
            first = probas["label"][i]
            order = np.argsort(-first)[:top]
            suggestions = [Suggestion(str(classes[j]), round(float(first[j]), 4)) for j in order]
            deeper: dict[str, Suggestion] = {}
            for level, proba in probas.items():
                if level == "label":
                    continue
                j = int(np.argmax(proba[i]))
                deeper[level] = Suggestion(str(self.models[level].classes_[j]), round(float(proba[i][j]), 4))
            notes = []
            if not body.replace(" ", ""):
                notes.append("empty text: no basis for a category")
            elif not _HAN.search(body):
                notes.append("no Chinese text: the category is a guess")
            elif len(body) > CLASSIFY_CHARS:
                notes.append(f"the category is judged on the first {CLASSIFY_CHARS} characters")
            results.append(
                Prediction(
                    label=suggestions[0].label,
                    probability=suggestions[0].probability,
                    top=suggestions,
                    deeper=deeper,
                    notes=notes,
                )
            )
        return results

    def predict_one(self, text: str, *, top: int = 3) -> Prediction:
        return self.predict([text], top=top)[0]

    def evaluate(self, texts: Sequence[str], labels: Sequence[str], *, progress: bool = False) -> Evaluation:
        """Score this model on labelled texts (train_seconds is 0: the model is already trained)."""
        start = time.perf_counter()
        predictions = self.predict(texts, progress=progress)
        seconds = time.perf_counter() - start
        predicted = [p.label for p in predictions]
        result = _score(
            list(labels), predicted, n_train=self.info.n_train, train_seconds=0.0, predict_seconds=seconds
        )
        result.extra.update(
            confidence_metrics(
                list(labels),
                [[s.label for s in p.top] for p in predictions],
                [p.probability for p in predictions],
            )
        )
        return result

    # --- files ---

    def to_bytes(self) -> bytes:
        """The model file: magic, sizes, metadata (with the payload's checksum), payload."""
        return model_file_bytes({"features": self.features, "models": self.models}, self.info)

    def save(self, path: str | Path) -> ModelInfo:
        """Write the model with its metadata and checksum; returns the metadata written."""
        model_file_write(path, self.to_bytes())
        return self.info

    @classmethod
    def read_info(cls, path: str | Path) -> ModelInfo:
        """Only the metadata of a model file (checked, without unpickling anything)."""
        info, _ = _read_model_file(Path(path), with_payload=False)
        return info

    @classmethod
    def load(cls, path: str | Path) -> DemandClassifier:
        """Load a model file; IntelError when it is missing, foreign, damaged or incompatible."""
        path = Path(path)
        info, payload = _read_model_file(path, with_payload=True)
        return cls._unpack(info, payload, path.name)

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "model") -> DemandClassifier:
        """A model from the bytes of a model file (as stored in a database); errors name it `name`."""
        if not data:
            raise IntelError(f"{name}: the model file is empty", code="bad_model", problem="empty")
        info, payload = _parse_model(io.BytesIO(data), name, with_payload=True)
        return cls._unpack(info, payload, name)

    @classmethod
    def _unpack(cls, info: ModelInfo, payload: bytes, name: str) -> DemandClassifier:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bundle = joblib.load(io.BytesIO(payload))
            features, models = bundle["features"], bundle["models"]
        except Exception as exc:  # any unpickling failure means "cannot use this file"
            raise unpickle_error(name, info.sklearn_version, exc) from exc
        if not isinstance(features, Features) or "label" not in models:
            raise IntelError(
                f"{name}: the model file does not hold a demand classifier",
                code="bad_model",
                problem="not_classifier",
            )
        return cls(features, models, info)


def _read_model_file(path: Path, *, with_payload: bool) -> tuple[ModelInfo, bytes]:
    if not path.is_file():
        raise IntelError(f"{path}: no such model file", code="bad_model", problem="missing")
    try:
        with path.open("rb") as fh:
            return _parse_model(fh, path.name, with_payload=with_payload)
    except OSError as exc:
        raise IntelError(
            f"{path.name}: the model file cannot be read ({exc})", code="bad_model", problem="unreadable"
        ) from exc


def _parse_model(fh: BinaryIO, name: str, *, with_payload: bool) -> tuple[ModelInfo, bytes]:
    """Metadata (checked) and payload (size and checksum checked) of a model file's stream."""
    if fh.read(len(MAGIC)) != MAGIC:
        raise IntelError(f"{name}: not a Lianxin model file", code="bad_model", problem="foreign")
    sizes = fh.read(8)
    if len(sizes) != 8:
        raise IntelError(f"{name}: the model file is truncated", code="bad_model", problem="truncated")
    header_len, payload_len = struct.unpack(">II", sizes)
    header = fh.read(header_len)
    payload = fh.read(payload_len + 1) if with_payload else b""
    try:
        meta = json.loads(header.decode("utf-8"))
        info = ModelInfo(**meta)
    except (UnicodeDecodeError, json.JSONDecodeError, TypeError) as exc:
        raise IntelError(
            f"{name}: the model file's metadata is damaged", code="bad_model", problem="metadata"
        ) from exc
    if info.format != MODEL_FORMAT:
        raise IntelError(
            f"{name}: a {info.format!r} file, not a demand classifier",
            code="bad_model",
            problem="not_classifier",
        )
    if info.format_version > FORMAT_VERSION:
        raise IntelError(
            f"{name}: model format {info.format_version} is newer than this Lianxin reads ({FORMAT_VERSION})",
            code="bad_model",
            problem="newer",
        )
    if with_payload:
        if len(payload) != payload_len:
            raise IntelError(
                f"{name}: the model file is truncated or has extra bytes",
                code="bad_model",
                problem="truncated",
            )
        if hashlib.sha256(payload).hexdigest() != info.checksum:
            raise IntelError(
                f"{name}: checksum mismatch, the model file is damaged", code="bad_model", problem="checksum"
            )
    return info, payload


# --- training and evaluation ------------------------------------------------------------------------


def _learnable(labels: Sequence[str]) -> tuple[list[str], list[str]]:
    counts = Counter(label for label in labels if label)
    kept = sorted(label for label, n in counts.items() if n >= MIN_EXAMPLES)
    left_out = sorted(label for label, n in counts.items() if n < MIN_EXAMPLES)
    return kept, left_out


def _fit_level(
    matrix: sp.csr_matrix, labels: Sequence[str], keep: list[str], random_state: int
) -> CalibratedClassifierCV:
    kept = set(keep)
    rows = np.array([i for i, label in enumerate(labels) if label in kept])
    model = _new_estimator(random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(matrix[rows], np.array([labels[i] for i in rows]))
    for calibrated in model.calibrated_classifiers_:
        # float32 weights halve the model file and change no prediction that matters
        estimator = calibrated.estimator
        estimator.coef_ = estimator.coef_.astype(np.float32)
        estimator.intercept_ = estimator.intercept_.astype(np.float32)
    return model


def fit_counts(
    counts: Counts, rows: np.ndarray, labels: Sequence[str], *, random_state: int = 0
) -> tuple[Features, CalibratedClassifierCV]:
    """The features and first-level model fitted on the `rows` of analysed `counts` (`labels` are
    those rows'): one fold of a cross-validation; held-out rows go through
    `features.transform_counts`."""
    features, matrix = Features.fit(counts, rows)
    return features, _fit_level(matrix, labels, sorted(set(labels)), random_state)


def classifier_train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    deeper: dict[str, Sequence[str]] | None = None,
    cv_folds: int = 0,
    progress: bool = False,
    random_state: int = 0,
) -> DemandClassifier:
    """Train on texts with first-level labels (and optional deeper levels: {"label2": [...], ...}).

    Empty labels are ignored. Raises IntelError when fewer than two labels have `MIN_EXAMPLES`
    examples. With `cv_folds` ≥ 2, a cross-validation on the same data (sharing the text analysis) is
    stored in the model's metadata (`info.cv`): macro-F1, accuracy and per-class F1.
    """
    texts = list(texts)
    labels = [normalize(label) for label in labels]
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    keep, left_out = _learnable(labels)
    if len(keep) < 2:
        raise IntelError(
            f"need at least two categories with {MIN_EXAMPLES}+ labelled messages each; found {len(keep)}",
            code="not_enough_data",
            problem="few_categories",
        )
    start = time.perf_counter()
    counts = count_texts(texts, progress=progress)
    analyse_per_message = (time.perf_counter() - start) / max(1, len(texts))
    cv: dict[str, Any] | None = None
    if cv_folds >= 2:
        per_label = Counter(labels)
        rows = [
            i for i, label in enumerate(labels) if label and per_label[label] >= max(cv_folds, MIN_EXAMPLES)
        ]
        if len({labels[i] for i in rows}) >= 2:
            evaluation = _cross_validate_counts(
                counts,
                np.asarray(rows),
                [labels[i] for i in rows],
                folds=cv_folds,
                analyse_per_message=analyse_per_message,
                progress=progress,
                random_state=random_state,
            )
            cv = {
                "folds": cv_folds,
                "macro_f1": round(evaluation.macro_f1, 4),
                "accuracy": round(evaluation.accuracy, 4),
                "per_class_f1": {label: v["f1"] for label, v in evaluation.per_class.items()},
            }
    features, matrix = Features.fit(counts)
    del counts
    word_columns = max(1, len(features.vocabularies[0]))
    models = {"label": _fit_level(matrix, labels, keep, random_state)}
    levels = {"label": keep}
    dropped = {"label": left_out} if left_out else {}
    for level, values in (deeper or {}).items():
        values = [normalize(v) for v in values]
        if level not in LEVELS[1:] or len(values) != len(texts):
            continue
        level_keep, level_out = _learnable(values)
        if len(level_keep) < 2:
            continue
        # deeper levels have up to hundreds of labels: words alone keep their weights small
        models[level] = _fit_level(matrix[:, :word_columns], values, level_keep, random_state)
        levels[level] = level_keep
        if level_out:
            dropped[level] = level_out
    info = ModelInfo(
        format=MODEL_FORMAT,
        format_version=FORMAT_VERSION,
        version=_lianxin_version(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        n_train=sum(1 for label in labels if label in set(keep)),
        labels=keep,
        levels=levels,
        left_out=dropped,
        cv=cv,
        sklearn_version=sklearn.__version__,
        python_version=platform.python_version(),
    )
    return DemandClassifier(features, models, info)


def _score(
    truth: list[str], predicted: list[str], *, n_train: int, train_seconds: float, predict_seconds: float
) -> Evaluation:
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
        if s > 0 or label in set(truth)
    }
    present = sorted(set(truth))
    return Evaluation(
        macro_f1=float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(truth, predicted)),
        per_class=per_class,
        n_train=n_train,
        n_test=len(truth),
        train_seconds=train_seconds,
        predict_per_second=len(truth) / predict_seconds if predict_seconds > 0 else 0.0,
    )


def confidence_metrics(
    truth: Sequence[str], ranked: Sequence[Sequence[str]], confidences: Sequence[float], *, bins: int = 10
) -> dict[str, Any]:
    """How far the classifier's confidence can be trusted, beside macro-F1:

    - `top3_accuracy`: the share whose true category is among the first three suggestions;
    - `ece`: expected calibration error of the first suggestion's probability — the mean, over `bins`
      equal-width probability bins weighted by their size, of |accuracy − mean probability|;
    - `auto_share_at_95`: the share of messages at or above the lowest probability t whose first
      suggestions are right at ≥ 95 % (at least 20 of them), with `auto_threshold` = t
      (0 and None when no t reaches 95 %). t is read off the same predictions it is measured on, so the
      share is an upper estimate; in `cv` they are out-of-fold predictions.
    """
    n = len(truth)
    if n == 0:
        return {"top3_accuracy": None, "ece": None, "auto_share_at_95": 0.0, "auto_threshold": None}
    conf = np.asarray(confidences, dtype=np.float64)
    right = np.asarray([bool(r) and r[0] == t for r, t in zip(ranked, truth)], dtype=np.float64)
    top3 = float(np.mean([t in list(r)[:3] for r, t in zip(ranked, truth)]))
    edges = np.minimum((conf * bins).astype(int), bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = edges == b
        if mask.any():
            ece += mask.sum() / n * abs(float(right[mask].mean()) - float(conf[mask].mean()))
    order = np.argsort(-conf, kind="stable")
    c_sorted, hits = conf[order], np.cumsum(right[order])
    threshold: float | None = None
    share = 0.0
    for i in range(n):
        if i + 1 < n and c_sorted[i + 1] == c_sorted[i]:
            continue  # a threshold takes in every tie
        if i + 1 >= 20 and hits[i] / (i + 1) >= 0.95:
            threshold, share = float(c_sorted[i]), (i + 1) / n
    return {
        "top3_accuracy": round(top3, 4),
        "ece": round(ece, 4),
        "auto_share_at_95": round(share, 4),
        "auto_threshold": None if threshold is None else round(threshold, 4),
    }


def classifier_evaluate(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
    *,
    progress: bool = False,
) -> Evaluation:
    """Train on one set, score on the other (messages without a label in the test set are skipped)."""
    start = time.perf_counter()
    model = classifier_train(train_texts, train_labels, progress=progress)
    train_seconds = time.perf_counter() - start
    pairs = [(t, normalize(label)) for t, label in zip(test_texts, test_labels) if normalize(label)]
    if not pairs:
        raise IntelError("the test data has no labelled messages", code="not_enough_data")
    result = model.evaluate([t for t, _ in pairs], [label for _, label in pairs], progress=progress)
    result.train_seconds = train_seconds
    return result


def classifier_cross_validate(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    folds: int = 5,
    progress: bool = False,
    random_state: int = 0,
) -> Evaluation:
    """Stratified K-fold cross-validation.

    `macro_f1` and `accuracy` are the means over folds (`fold_macro_f1` lists them); `per_class` is
    computed on the pooled out-of-fold predictions; `n_train`/`train_seconds` are per fold (mean),
    `n_test` is the number of messages predicted in all, `predict_per_second` over all predictions,
    each fold's held-out texts taken through the path `predict` takes (analysis, features, model).
    Labels with fewer than `folds` messages are left out.
    """
    pairs = [(t, normalize(label)) for t, label in zip(texts, labels) if normalize(label)]
    per_label = Counter(label for _, label in pairs)
    pairs = [(t, label) for t, label in pairs if per_label[label] >= max(folds, MIN_EXAMPLES)]
    if folds < 2:
        raise IntelError("cross-validation needs at least 2 folds", code="bad_argument")
    if len({label for _, label in pairs}) < 2:
        raise IntelError(
            f"{folds}-fold cross-validation needs two or more categories with at least {folds} messages each",
            code="not_enough_data",
        )
    start = time.perf_counter()
    counts = count_texts([t for t, _ in pairs], progress=progress)
    analyse_per_message = (time.perf_counter() - start) / len(pairs)
    return _cross_validate_counts(
        counts,
        np.arange(len(pairs)),
        [label for _, label in pairs],
        folds=folds,
        analyse_per_message=analyse_per_message,
        progress=progress,
        random_state=random_state,
        texts=[t for t, _ in pairs],
    )


def _cross_validate_counts(
    counts: Counts,
    rows: np.ndarray,
    labels: Sequence[str],
    *,
    folds: int,
    analyse_per_message: float,
    progress: bool,
    random_state: int,
    texts: Sequence[str] | None = None,
) -> Evaluation:
    """Cross-validation over analysed `counts`. With `texts` (those of `rows`), held-out messages are
    predicted from their text as `DemandClassifier.predict` does, so the speed is the real one; without,
    from the counts, with the time of analysing them added."""
    y = np.asarray(labels, dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    predicted = np.empty(len(y), dtype=object)
    ranked: list[list[str]] = [[] for _ in range(len(y))]
    confidence = np.zeros(len(y))
    fold_f1: list[float] = []
    fold_acc: list[float] = []
    train_seconds: list[float] = []
    train_sizes: list[int] = []
    predict_seconds = 0.0
    splits = list(splitter.split(np.zeros(len(y)), y.astype(str)))
    for train_idx, test_idx in tqdm(splits, desc="folds", disable=not progress, file=sys.stderr):
        start = time.perf_counter()
        features, model = fit_counts(
            counts, rows[train_idx], [str(v) for v in y[train_idx]], random_state=random_state
        )
        train_seconds.append(time.perf_counter() - start + analyse_per_message * len(train_idx))
        train_sizes.append(len(train_idx))
        start = time.perf_counter()
        if texts is not None:
            matrix = features.transform([normalize(texts[i]) for i in test_idx])
            fold_pred = model.predict(matrix)
            predict_seconds += time.perf_counter() - start
        else:
            matrix = features.transform_counts(counts, rows[test_idx])
            fold_pred = model.predict(matrix)
            predict_seconds += time.perf_counter() - start + analyse_per_message * len(test_idx)
        proba = model.predict_proba(matrix)
        for k, i in enumerate(test_idx):
            order = np.argsort(-proba[k])[:3]
            ranked[i] = [str(model.classes_[j]) for j in order]
            confidence[i] = float(proba[k][order[0]])
        predicted[test_idx] = fold_pred
        truth = [str(v) for v in y[test_idx]]
        fold_f1.append(float(f1_score(truth, fold_pred, average="macro", zero_division=0)))
        fold_acc.append(float(accuracy_score(truth, fold_pred)))
    truth_all = [str(v) for v in y]
    predicted_all = [str(p) for p in predicted]
    result = _score(
        truth_all,
        predicted_all,
        n_train=int(np.mean(train_sizes)),
        train_seconds=float(np.mean(train_seconds)),
        predict_seconds=predict_seconds,
    )
    result.macro_f1 = float(np.mean(fold_f1))
    result.accuracy = float(np.mean(fold_acc))
    result.extra = {
        "folds": folds,
        "fold_macro_f1": [round(f, 4) for f in fold_f1],
        "macro_f1_std": round(float(np.std(fold_f1)), 4),
        "macro_f1_pooled": round(
            float(f1_score(truth_all, predicted_all, average="macro", zero_division=0)), 4
        ),
        **confidence_metrics(truth_all, ranked, confidence.tolist()),
    }
    return result
