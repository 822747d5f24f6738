"""Intel benchmarks on the public messages of ../shared/data/tipdm2020c (skipped when absent).

- classifier: 5-fold cross-validated macro-F1 (and per class) on messages_labeled_dev.csv, beside a
  plain TF-IDF + linear-SVM baseline; training time and peak memory on 10,000 messages; prediction
  speed on one core; model file size
- similar demands: precision/recall on the check set (附件3 + tests/intel/data/similar_checks.csv);
  latency of one check against 100,000 open demands; incremental add
- hot issues: time on 附件3 and the ranks of the two worked examples; time and peak memory on 100,000
  messages (附件3 perturbed: places swapped, sentences shuffled and dropped, characters dropped)
- reply quality: how the score ranks the hand-labelled replies (Spearman, AUC good vs poor)
- urgency and personal data: share of 附件3 flagged critical; masking speed
- urgency check set (tests/intel/data/urgency_checks.csv): precision and recall per level, per city
  (tipdm, shanghai, written), for the rules before issue 17 and now; speed on both cities' messages
- personal-data check set (tests/intel/data/pii_checks.csv): recall and precision per kind, per city,
  and the share of official lines kept; masking speed on both cities' messages and replies

Heavy figures run in a child process so that its peak memory is its own. `--quick` scales the
synthetic sets down tenfold (for a smoke run).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import ROOT, SHARED_DATA, emit, percentile, wait_quiet

TIPDM = SHARED_DATA / "tipdm2020c"
CHECKS = ROOT / "tests" / "intel" / "data"
QUICK = False

if TYPE_CHECKING:
    from lianxin.intel.classifier import Counts


def _scale(n: int) -> int:
    return max(1000, n // 10) if QUICK else n


def _peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (VmHWM: not inherited from the parent,
    unlike ru_maxrss, which on Linux keeps the parent's size across fork and exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(name: str, *args: str) -> dict:
    """Run `--child name` in a fresh interpreter and return the JSON it prints last."""
    command = [sys.executable, "-m", "bench.bench_intel", "--child", name, *args]
    if QUICK:
        command.append("--quick")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child {name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- synthetic data ---------------------------------------------------------------------------------


def _perturb(text: str, rng: random.Random) -> str:
    parts = [p for p in re.split(r"(?<=[。!?！？，,；;])", text) if p]
    rng.shuffle(parts)
    kept = parts[: max(1, int(len(parts) * rng.uniform(0.6, 1.0)))]
    return "".join(ch for ch in "".join(kept) if rng.random() > 0.03)


def synthetic_labelled(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    from lianxin.intel.data import read_messages

    messages = read_messages(TIPDM / "messages_labeled_dev.csv", need=("text", "label"))
    rng = random.Random(seed)
    texts, labels = [], []
    for k in range(n):
        m = messages[k % len(messages)]
        texts.append(m.text if k < len(messages) else _perturb(m.text, rng))
        labels.append(m.label)
    return texts, labels


def synthetic_hot(n: int, seed: int = 0):
    """`n` messages from 附件3: the real ones, then copies moved to other places and times and reworded."""
    from lianxin.intel.data import read_messages
    from lianxin.intel.hotspots import HotMessage
    from lianxin.intel.text import AREA_CODE_RE, place_names

    real = read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))
    rng = random.Random(seed)
    names = sorted({p for m in real for p in place_names(m.title + m.content[:300])})
    codes = [f"{c}{d}{kind}" for c in "ABCDEFGHJK" for d in range(1, 10) for kind in "区县"]
    out = []
    for k in range(n):
        m = real[k % len(real)]
        if k < len(real):
            out.append(HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes))
            continue
        title, content = m.title, m.content
        if rng.random() < 0.8:
            for place in set(place_names(title + content[:300])):
                other = rng.choice(names)
                title, content = title.replace(place, other), content.replace(place, other)
            code = rng.choice(codes)
            title, content = AREA_CODE_RE.sub(code, title), AREA_CODE_RE.sub(code, content)
        when = m.time + timedelta(days=rng.uniform(-200, 200)) if m.time else None
        out.append(
            HotMessage(
                f"{m.id}-{k}",
                title,
                _perturb(content, rng),
                f"S{rng.randrange(10**6)}",
                when,
                rng.choice([0, 0, 0, 1, 2, 5]),
                0,
            )
        )
    return out


# --- children (fresh processes) ---------------------------------------------------------------------


def child_train(n: int) -> dict:
    from lianxin.intel.classifier import classifier_train

    texts, labels = synthetic_labelled(n)
    before = _peak_rss_mb()
    start = time.perf_counter()
    model = classifier_train(texts, labels)
    seconds = time.perf_counter() - start
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "lianxin-bench-model.bin"
    model.save(path)
    return {
        "seconds": seconds,
        "peak_mb": _peak_rss_mb(),
        "baseline_mb": before,
        "model_mb": path.stat().st_size / 1e6,
        "model": str(path),
    }


def child_predict(model_path: str) -> dict:
    from lianxin.intel.classifier import DemandClassifier
    from lianxin.intel.data import read_messages

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    model = DemandClassifier.load(model_path)
    texts = [m.text for m in read_messages(TIPDM / "messages_labeled_dev.csv", need=("text", "label"))]
    model.predict(texts[:50])  # warm up (segmenter dictionary)
    cpu, wall = time.process_time(), time.perf_counter()
    model.predict(texts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    start = time.perf_counter()
    DemandClassifier.load(model_path)
    return {
        "per_second_cpu": len(texts) / cpu,
        "per_second_wall": len(texts) / wall,
        "n": len(texts),
        "load_seconds": time.perf_counter() - start,
        "segmenter": _segmenter_name(),
    }


def _segmenter_name() -> str:
    from lianxin.intel import text

    return text._segmenter.__name__


def child_hot(n: int) -> dict:
    from lianxin.intel.hotspots import hotspots_find

    messages = synthetic_hot(n)
    before = _peak_rss_mb()
    start = time.perf_counter()
    issues = hotspots_find(messages, top=10)
    return {
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_rss_mb(),
        "baseline_mb": before,
        "issues": len(issues),
    }


def child_similar(n: int) -> dict:
    from lianxin.intel.data import read_messages
    from lianxin.intel.similar import OpenDemand, SimilarIndex

    real = read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))
    rng = random.Random(1)
    index = SimilarIndex(window_days=None)
    start = time.perf_counter()
    batch: list[OpenDemand] = []
    for k in range(n):
        m = real[k % len(real)]
        batch.append(OpenDemand(k, _perturb(m.text, rng)))
        if len(batch) == 5000:
            index.add_many(batch)
            batch = []
    index.add_many(batch)
    build = time.perf_counter() - start
    index.query(real[0].text)  # first query settles the norms
    latencies = []
    for m in rng.sample(real, 300):
        t0 = time.perf_counter()
        index.query(m.text, limit=5)
        latencies.append((time.perf_counter() - t0) * 1000)
    adds = []
    for k in range(200):
        t0 = time.perf_counter()
        index.add(OpenDemand(f"new-{k}", real[k].text))
        index.query(real[k].text, limit=5)
        adds.append((time.perf_counter() - t0) * 1000)
    return {
        "build_seconds": build,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "add_then_query_p95_ms": percentile(adds, 95),
        "peak_mb": _peak_rss_mb(),
        "n": n,
    }


# --- benchmarks -------------------------------------------------------------------------------------


def bench_classifier() -> None:
    from lianxin.intel.classifier import classifier_cross_validate, count_texts
    from lianxin.intel.data import read_messages

    messages = read_messages(TIPDM / "messages_labeled_dev.csv", need=("text", "label"))
    texts, labels = [m.text for m in messages], [m.label for m in messages]
    n = len(texts)
    result = classifier_cross_validate(texts, labels, folds=5)
    emit("classify.cv5.macro_f1", result.macro_f1, "F1", n, folds=result.extra["fold_macro_f1"])
    emit("classify.cv5.accuracy", result.accuracy, "ratio", n)
    for label, row in result.per_class.items():
        emit(f"classify.cv5.f1.{label}", row["f1"], "F1", int(row["support"]))

    counts = count_texts(texts)  # analysed once for the two comparisons below
    bench_classifier_against_baselines(texts, labels, counts)
    bench_learning_curve(texts, labels, counts)

    n_train = _scale(10_000)
    trained = _child("train", str(n_train))
    emit("classify.train.seconds", trained["seconds"], "s", n_train)
    emit(
        "classify.train.peak_memory",
        trained["peak_mb"],
        "MB",
        n_train,
        before_training_mb=trained["baseline_mb"],
    )
    emit("classify.model.size", trained["model_mb"], "MB", n_train)
    predicted = _child("predict", trained["model"])
    # CPU time of the one core it is pinned to: other load on a shared machine does not count
    emit(
        "classify.predict.one_core",
        predicted["per_second_cpu"],
        "messages/s",
        predicted["n"],
        wall_clock_per_second=round(predicted["per_second_wall"], 1),
        segmenter=predicted["segmenter"],
        target=">= 1000",
    )
    emit("classify.model.load", predicted["load_seconds"], "s", n_train)


PAIRED_SEEDS = range(5)


def bench_classifier_against_baselines(texts: list[str], labels: list[str], counts: Counts) -> None:
    """The product against the two plain baselines of the issue on the same folds of five fold seeds
    (25 fold pairs): jieba words, and character 1–2-grams of the raw text, each TF-IDF + LinearSVC with
    scikit-learn's defaults. A paired difference per fold, since fold-to-fold spread (sd ≈ 0.01) is larger
    than the gaps."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from lianxin.intel.classifier import fit_counts
    from lianxin.intel.text import normalize, tokens

    y = np.asarray(labels)
    baselines = {
        "tfidf_svm": (
            TfidfVectorizer(token_pattern=r"\S+"),
            [" ".join(tokens(normalize(t), drop_stopwords=False)) for t in texts],
        ),
        "char_svm": (TfidfVectorizer(analyzer="char", ngram_range=(1, 2)), texts),
    }
    scores: dict[str, list[float]] = {"product": [], **{name: [] for name in baselines}}
    for seed in PAIRED_SEEDS:
        for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, y):
            features, model = fit_counts(counts, train, list(y[train]))
            predicted = model.predict(features.transform_counts(counts, test))
            scores["product"].append(f1_score(y[test], predicted, average="macro"))
            for name, (vectorizer, docs) in baselines.items():
                svm = LinearSVC().fit(vectorizer.fit_transform([docs[i] for i in train]), y[train])
                predicted = svm.predict(vectorizer.transform([docs[i] for i in test]))
                scores[name].append(f1_score(y[test], predicted, average="macro"))
    product = np.asarray(scores["product"])
    emit("classify.cv5.seeds.macro_f1", float(product.mean()), "F1", len(texts), seeds=len(PAIRED_SEEDS))
    for name in baselines:
        baseline = np.asarray(scores[name])
        gain = product - baseline
        emit(f"classify.cv5.baseline_{name}.macro_f1", float(baseline[:5].mean()), "F1", len(texts), seed=0)
        emit(
            f"classify.cv5.gain_over_{name}",
            float(gain.mean()),
            "F1",
            len(texts),
            baseline_mean=round(float(baseline.mean()), 4),
            gain_sd=round(float(gain.std(ddof=1)), 4),
            folds_won=f"{int((gain > 0).sum())} of {gain.size}",
        )


LEARNING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def bench_learning_curve(texts: list[str], labels: list[str], counts: Counts) -> None:
    """Macro-F1 on the same held-out folds (fold seed 0) when each training fold keeps only a share of its
    messages. The figure is the gain of the last doubling (half the training fold → all of it), and
    `n_train_for_0_93` how many training messages 0.93 would need if every further doubling gained as
    much: each doubling so far has gained less than the one before, so it is a lower bound."""
    import numpy as np
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    from lianxin.intel.classifier import fit_counts

    y = np.asarray(labels)
    rng = np.random.default_rng(0)
    points = []
    for fraction in LEARNING_FRACTIONS:
        fold_scores, sizes = [], []
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y):
            if fraction < 1:
                train = np.sort(rng.choice(train, int(len(train) * fraction), replace=False))
            features, model = fit_counts(counts, train, list(y[train]))
            predicted = model.predict(features.transform_counts(counts, test))
            fold_scores.append(f1_score(y[test], predicted, average="macro"))
            sizes.append(len(train))
        points.append((int(np.mean(sizes)), float(np.mean(fold_scores))))
    scores = dict(zip(LEARNING_FRACTIONS, points))
    (n_half, f_half), (n_all, f_all) = scores[0.5], scores[1.0]
    per_doubling = (f_all - f_half) / np.log2(n_all / n_half)
    emit(
        "classify.learning_curve",
        float(per_doubling),
        "F1 per doubling",
        len(texts),
        points=[{"n_train": n, "macro_f1": round(f, 4)} for n, f in points],
        n_train_for_0_93=int(n_all * 2 ** ((0.93 - f_all) / per_doubling)) if per_doubling > 0 else None,
    )


def bench_similar() -> None:
    from lianxin.intel.checks import similar_evaluate, similar_index_of, similar_queries
    from lianxin.intel.data import read_messages

    messages = read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))
    queries = similar_queries(messages, CHECKS / "similar_checks.csv")
    result = similar_evaluate(similar_index_of(messages), queries)
    emit("similar.check.precision_strict", result.precision, "ratio", len(queries), returned=result.returned)
    emit("similar.check.recall", result.recall, "ratio", len(queries), expected=result.expected)
    for kind, row in result.by_kind.items():
        if row["returned"]:
            emit(f"similar.check.{kind}.precision", row["correct"] / row["returned"], "ratio", row["queries"])
        if row["expected"]:
            emit(f"similar.check.{kind}.recall", row["correct"] / row["expected"], "ratio", row["queries"])
        if kind == "different":
            emit("similar.check.different.returned", row["returned"], "demands", row["queries"])
    n = _scale(100_000)
    timing = _child("similar", str(n))
    emit("similar.query.p50", timing["p50_ms"], "ms", n)
    emit("similar.query.p95", timing["p95_ms"], "ms", n)
    emit("similar.add_then_query.p95", timing["add_then_query_p95_ms"], "ms", n)
    emit("similar.build.seconds", timing["build_seconds"], "s", n)
    emit("similar.peak_memory", timing["peak_mb"], "MB", n)


def bench_hotspots() -> None:
    from lianxin.intel.data import read_messages
    from lianxin.intel.hotspots import HotMessage, hotspots_find

    messages = read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))
    hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
    start = time.perf_counter()
    issues = hotspots_find(hot, top=len(hot))
    emit("hotspots.attachment3.seconds", time.perf_counter() - start, "s", len(hot))
    for name, first, last in (("example1", 360100, 360109), ("example2", 360110, 360114)):
        ids = {str(i) for i in range(first, last + 1)}
        holders = [i for i in issues if ids & set(i.message_ids)]
        together = len(holders) == 1 and ids <= set(holders[0].message_ids)
        emit(f"hotspots.attachment3.{name}.rank", holders[0].rank, "rank", len(hot), one_issue=together)
    n = _scale(100_000)
    big = _child("hot", str(n))
    emit("hotspots.synthetic.seconds", big["seconds"], "s", n)
    emit("hotspots.synthetic.peak_memory", big["peak_mb"], "MB", n, before_mb=big["baseline_mb"])


def bench_reply_quality() -> None:
    """Spearman between the score and the hand labels (1–5, docs/reply-labelling.md) of the check set
    tests/intel/data/reply_checks.csv, per city and split (dev: the rules were checked on it; test:
    held out), the older 1–3 labels of 附件4, and the speed over every reply of both data sets."""
    from scipy.stats import spearmanr

    from lianxin.intel.checks import rank_quality
    from lianxin.intel.data import read_messages
    from lianxin.intel.reply_checks import load_messages, load_reply_checks
    from lianxin.intel.reply_quality import reply_score

    def score(m):
        return reply_score(
            m.content or m.text, m.reply, title=m.title, asked_at=m.time, replied_at=m.reply_time
        ).score

    messages = {m.id: m for m in read_messages(TIPDM / "附件4.xlsx", need=("id", "text", "reply"))}
    for name, file in (("labelled", "reply_labels.csv"), ("holdout", "reply_labels_holdout.csv")):
        with (CHECKS / file).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        quality = rank_quality([score(messages[r["id"]]) for r in rows], [int(r["label"]) for r in rows])
        emit(f"reply_quality.{name}.spearman", quality.spearman, "rho", quality.n)
        emit(f"reply_quality.{name}.auc_good_vs_poor", quality.auc_good_vs_poor, "AUC", quality.n)
    cities = ["tipdm"] + (["shanghai"] if (SHANGHAI / "letters.csv").exists() else [])
    checks = load_reply_checks(CHECKS / "reply_checks.csv", SHARED_DATA, cities=cities)
    for city in cities:
        for split in ("dev", "test", "all"):
            chosen = [c for c in checks if c.city == city and (split == "all" or c.split == split)]
            if len(chosen) < 3:
                continue
            rho = spearmanr([score(c.message) for c in chosen], [c.final for c in chosen]).statistic
            emit(f"reply_quality.check.{city}.{split}.spearman", float(rho), "rho", len(chosen))
        both = [c for c in checks if c.city == city and c.score_pass2 is not None]
        if len(both) >= 3:
            agree = spearmanr([c.score_pass1 for c in both], [c.score_pass2 for c in both]).statistic
            emit(f"reply_quality.check.{city}.pass_agreement", float(agree), "rho", len(both))
    every = [m for city in cities for m in load_messages(SHARED_DATA, city).values()]
    start = time.perf_counter()
    for m in every:
        score(m)
    emit("reply_quality.speed", len(every) / (time.perf_counter() - start), "replies/s", len(every))


def bench_urgency_pii() -> None:
    from lianxin.intel.data import read_messages
    from lianxin.intel.pii import mask_pii
    from lianxin.intel.urgency import detect_urgency

    messages = read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))
    levels = [detect_urgency(m.text).level for m in messages]
    emit("urgency.attachment3.critical_share", levels.count("critical") / len(levels), "ratio", len(levels))
    emit("urgency.attachment3.urgent_share", levels.count("urgent") / len(levels), "ratio", len(levels))
    start = time.perf_counter()
    for m in messages:
        mask_pii(m.text)
    emit("pii.mask.speed", len(messages) / (time.perf_counter() - start), "messages/s", len(messages))


SHANGHAI = SHARED_DATA / "shanghai_xfb"


def _city_texts() -> dict[str, list[str]]:
    from lianxin.intel.data import read_messages

    return {
        "tipdm": [m.text for m in read_messages(TIPDM / "附件3.xlsx", need=("id", "text"))],
        "shanghai": [m.text for m in read_messages(SHANGHAI / "letters.csv", need=("id", "text"))],
    }


def bench_urgency_checks() -> None:
    """Precision and recall of the urgency levels on the hand-labelled check set, per city and split
    (dev: drawn first, the rules were written against it; holdout: drawn and labelled after), and the
    speed of detect_urgency on every message of both cities."""
    from lianxin.intel.screening_checks import load_urgency_checks, urgency_scores
    from lianxin.intel.urgency import detect_urgency

    checks = load_urgency_checks(CHECKS / "urgency_checks.csv", SHARED_DATA)
    for split in ("all", "holdout"):
        chosen = [c for c in checks if split == "all" or c.split == split]
        scores = urgency_scores(chosen, lambda c: detect_urgency(c.text, asked_at=c.asked_at).level)
        for group, row in scores.items():
            for level in ("critical", "urgent", "flagged"):
                for measure in ("precision", "recall"):
                    value = row[level][measure]
                    if value is not None:
                        emit(
                            f"urgency.check.{split}.{group}.{level}.{measure}",
                            float(value),
                            "ratio",
                            int(row["accuracy"]["n"] or 0),
                            true=row[level]["n_true"],
                            predicted=row[level]["n_predicted"],
                        )
            emit(
                f"urgency.check.{split}.{group}.accuracy",
                float(row["accuracy"]["value"] or 0),
                "ratio",
                int(row["accuracy"]["n"] or 0),
            )
    detect_urgency("有人落水了")  # load the segmenter before timing
    wait_quiet()
    for city, texts in _city_texts().items():
        start = time.perf_counter()
        levels = [detect_urgency(t).level for t in texts]
        emit(f"urgency.{city}.speed", len(texts) / (time.perf_counter() - start), "messages/s", len(texts))
        emit(f"urgency.{city}.critical_share", levels.count("critical") / len(levels), "ratio", len(levels))
        emit(f"urgency.{city}.urgent_share", levels.count("urgent") / len(levels), "ratio", len(levels))


def bench_pii_checks() -> None:
    """Recall and precision per kind of personal data on the hand-labelled check set, per city; the share
    of official lines kept readable; masking speed on both cities' messages and the Shanghai replies."""
    from lianxin.intel.data import read_messages
    from lianxin.intel.pii import detect_pii, mask_pii, official_line
    from lianxin.intel.screening_checks import load_pii_checks, pii_scores

    checks = load_pii_checks(CHECKS / "pii_checks.csv", SHARED_DATA)

    def found(c):
        return [
            (f.kind, f.start, f.end)
            for f in detect_pii(c.text)
            if not (c.official and official_line(c.text, f))
        ]

    scores = pii_scores(checks, found, lambda c: mask_pii(c.text, official=c.official))
    for group, kinds in scores.items():
        for kind, row in kinds.items():
            if kind == "kept":
                if row["share"] is not None:
                    emit(f"pii.check.{group}.kept", float(row["share"]), "ratio", int(row["n"] or 0))
                continue
            for measure in ("recall", "precision"):
                if row[measure] is not None:
                    emit(
                        f"pii.check.{group}.{kind}.{measure}",
                        float(row[measure]),
                        "ratio",
                        int(row["expected"] if measure == "recall" else row["returned"] or 0),
                    )
    texts = _city_texts()
    texts["shanghai_replies"] = [
        m.reply for m in read_messages(SHANGHAI / "letters.csv", need=("id", "text")) if m.reply
    ]
    wait_quiet()
    for city, batch in texts.items():
        official = city.endswith("replies")
        start = time.perf_counter()
        for t in batch:
            mask_pii(t, official=official)
        emit(f"pii.mask.{city}.speed", len(batch) / (time.perf_counter() - start), "messages/s", len(batch))


def main(argv: list[str] | None = None) -> None:
    global QUICK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="synthetic sets a tenth of their size")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    # run as `python -m bench.bench_intel` it reads its own arguments; from `python -m bench` none
    args = parser.parse_args(argv if argv is not None else (sys.argv[1:] if __name__ == "__main__" else []))
    QUICK = args.quick
    if args.child:
        name, *rest = args.child
        children = {
            "train": child_train,
            "predict": child_predict,
            "hot": child_hot,
            "similar": child_similar,
        }
        value = rest[0] if name == "predict" else int(rest[0])
        print(json.dumps(children[name](value)))  # type: ignore[operator]
        return
    if not TIPDM.exists():
        print(f"intel benchmarks skipped: {TIPDM} is absent (they need the ../shared data folder)")
        return
    bench_classifier()
    bench_similar()
    bench_hotspots()
    bench_reply_quality()
    bench_urgency_pii()
    if SHANGHAI.exists():
        bench_urgency_checks()
        bench_pii_checks()
    else:
        print(f"urgency and personal-data check sets skipped: {SHANGHAI} is absent")


if __name__ == "__main__":
    main()
