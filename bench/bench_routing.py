"""Unit-routing benchmarks (lianxin.intel.routing) on the public letters of ../shared/data (skipped
when absent).

- Shanghai time split (shanghai_xfb/letters.csv): train on the earlier ~80 % of the letters by date
  (a day is never split), test on the later ones without the rows flagged `dup_title_content`; the
  model's accuracy@1/@3, macro-F1 and auto_share_at_95 beside the most-frequent and place-rule
  baselines, how much better than the better baseline it is, and the precision of the letters routed
  automatically (`route.shanghai.auto_precision`: the auto threshold is chosen on the training
  letters; this is how right it is on the later ones).
- Speed: suggestions per second on one core (CPU time, the process pinned to one core), training
  time, model size.
- tipdm2020c has no unit labels. As a check that places and the router hold on another city's text
  (A市, area codes such as A5区), the router is trained on its first-level categories as if they were
  units (messages_labeled_dev.csv, a seeded 80/20 split; the same four figures, baselines and auto
  precision as for Shanghai) and the place finder runs over 附件3 with the
  area codes as gazetteer: the share of messages in which it finds a district, and its speed.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import SHARED_DATA, emit

LETTERS = SHARED_DATA / "shanghai_xfb" / "letters.csv"
TIPDM = SHARED_DATA / "tipdm2020c"
KEYS = ("accuracy_at_1", "accuracy_at_3", "macro_f1", "auto_share_at_95")


def shanghai_time_split(path: Path = LETTERS) -> tuple[list[Any], list[Any]]:
    """(train, test) examples of the letters: the earlier ~80 % by date, the later rest less the rows
    whose title and content repeat another row's."""
    from lianxin.intel.routing import read_routing_file

    examples, _ = read_routing_file(path)
    with path.open(encoding="utf-8") as fh:
        duplicate = [row.get("dup_title_content") == "True" for row in csv.DictReader(fh)]
    if len(duplicate) != len(examples):
        raise RuntimeError(f"{path.name}: {len(examples)} letters read, {len(duplicate)} rows")
    pairs = sorted(zip(examples, duplicate), key=lambda p: p[0].time)
    per_day = Counter(e.time for e, _ in pairs)
    seen, cut = 0, None
    for day in sorted(per_day):
        seen += per_day[day]
        if seen >= 0.8 * len(pairs):
            cut = day
            break
    train = [e for e, _ in pairs if e.time <= cut]
    test = [e for e, dup in pairs if e.time > cut and not dup]
    return train, test


def bench_time_split() -> None:
    from lianxin.intel.routing import routing_evaluate

    train, test = shanghai_time_split()
    result = routing_evaluate(train, test)
    baselines = result["baselines"]
    for key in KEYS:
        emit(
            f"route.shanghai.{key}",
            result[key],
            "share",
            result["n_test"],
            n_train=result["n_train"],
            most_frequent=baselines["most_frequent"][key],
            place_rule=baselines["place_rule"][key],
        )
    better = max(baselines.values(), key=lambda b: b["accuracy_at_1"])
    emit(
        "route.shanghai.gain_at_1_over_better_baseline",
        result["accuracy_at_1"] - better["accuracy_at_1"],
        "share",
        result["n_test"],
        auto_threshold=result["auto_threshold"],
        auto_precision_on_test=result["auto_precision"],
        test_unknown_units=result["test_unknown_units"],
        left_out_units=result["left_out_units"],
    )
    emit(
        "route.shanghai.auto_precision",
        result["auto_precision"],
        "share",
        round(result["auto_share_at_95"] * result["n_test"]),
        auto_threshold=result["auto_threshold"],
        most_frequent=baselines["most_frequent"]["auto_precision"],
        place_rule=baselines["place_rule"]["auto_precision"],
        note="share of the test letters routed automatically that went to the suggested unit",
    )
    emit("route.train.seconds", result["train_seconds"], "s", result["n_train"])


def bench_speed() -> None:
    """Suggestions per second on one core: the Shanghai test letters through a model trained on the
    earlier ones (CPU time of this process pinned to one core; wall-clock beside it)."""
    from lianxin.intel.routing import UnitRouter, routing_train

    train, test = shanghai_time_split()
    model = routing_train(train)
    blob = model.to_bytes()
    start = time.perf_counter()
    model = UnitRouter.from_bytes(blob)
    load_seconds = time.perf_counter() - start
    texts = [e.text for e in test] * 3
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    try:
        if cores:
            os.sched_setaffinity(0, {sorted(cores)[0]})
        model.route_many(texts[:50])  # warm up (segmenter dictionary)
        cpu, wall = time.process_time(), time.perf_counter()
        model.route_many(texts)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        if cores:
            os.sched_setaffinity(0, cores)
    emit(
        "route.suggest.one_core",
        len(texts) / cpu,
        "suggestions/s",
        len(texts),
        wall_clock_per_second=round(len(texts) / wall, 1),
        target=">= 1000",
    )
    emit("route.model.bytes", len(blob), "bytes", model.info.n_train, units=len(model.units))
    emit("route.model.load", load_seconds, "s", model.info.n_train)


def bench_tipdm() -> None:
    """Another city's text: categories as pseudo-units; the place finder on 附件3 with area codes."""
    from lianxin.intel.data import read_messages
    from lianxin.intel.routing import Gazetteer, Place, RoutingExample, routing_evaluate
    from lianxin.intel.text import area_codes

    messages = [
        m for m in read_messages(TIPDM / "messages_labeled_dev.csv", need=("text", "label")) if m.label
    ]
    examples = [RoutingExample(text=m.text, unit=m.label) for m in messages]
    random.Random(0).shuffle(examples)
    cut = int(0.8 * len(examples))
    result = routing_evaluate(examples[:cut], examples[cut:])
    baselines = result["baselines"]
    for key in KEYS:
        emit(
            f"route.tipdm.categories_as_units.{key}",
            result[key],
            "share",
            result["n_test"],
            most_frequent=baselines["most_frequent"][key],
            place_rule=baselines["place_rule"][key],
            note="tipdm2020c has no unit labels: its 7 categories stand in for units",
        )
    emit(
        "route.tipdm.categories_as_units.auto_precision",
        result["auto_precision"],
        "share",
        round(result["auto_share_at_95"] * result["n_test"]),
        auto_threshold=result["auto_threshold"],
        most_frequent=baselines["most_frequent"]["auto_precision"],
        place_rule=baselines["place_rule"]["auto_precision"],
    )
    hot = read_messages(TIPDM / "附件3.xlsx", need=("text",))
    codes = Counter(code for m in hot for code in area_codes(m.text) if code[-1] in "区县")
    gazetteer = Gazetteer([Place(code, "district") for code in codes])
    start = time.perf_counter()
    found = [gazetteer.find(m.text) for m in hot]
    seconds = time.perf_counter() - start
    with_district = sum(1 for f in found if any(x.place.level == "district" for x in f))
    named = sum(1 for m in hot if any(code[-1] in "区县" for code in area_codes(m.text)))
    emit(
        "route.tipdm.places.district_found_share",
        with_district / max(1, named),
        "share",
        named,
        districts=len(codes),
        per_second=round(len(hot) / seconds, 1) if seconds else None,
        note="share of 附件3 messages naming an area code in which the gazetteer finds it",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("split", "speed", "tipdm"), help="one part only")
    args = parser.parse_args(argv if argv is not None else (sys.argv[1:] if __name__ == "__main__" else []))
    parts = {"split": bench_time_split, "speed": bench_speed, "tipdm": bench_tipdm}
    for name, part in parts.items():
        if args.only and name != args.only:
            continue
        needed = TIPDM / "messages_labeled_dev.csv" if name == "tipdm" else LETTERS
        if not needed.exists():
            print(f"# route.{name}: skipped, {needed} is absent", flush=True)
            continue
        part()


if __name__ == "__main__":
    main()
