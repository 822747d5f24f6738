"""Hot issues on the check set tests/intel/data/hot_checks.csv (docs/intel.md, "Hot issues"), per city.

For each city (tipdm: 附件3, A市; shanghai: letters.csv) the miner runs over every message of the city and:
- purity of the top 20: for each of the 20 hottest issues holding judged messages (a member, a "recur" or
  an "other" row of the check set), the share of those judged messages that belong to its main check
  issue; the mean over those issues (and how many there were)
- recall of the top 20: for each check issue, the share of its members inside the one top-20 issue that
  holds most of them; the mean over check issues, and the share of check issues with half or more of their
  members in one top-20 issue ("found")
- recall over all issues (the same, ranking aside): whether grouping finds them at all
- recurrences: of the check issues with "recur" rows, the share whose mined issue links (`previous`)
  to an earlier issue holding a recur message
Speed: 100,000 messages (附件3, then copies moved to other places and times and reworded: the generator of
bench_intel) in a fresh process, with its peak memory. `--quick` runs 10,000.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections import defaultdict

from bench import bench_intel
from bench.common import ROOT, SHARED_DATA, emit, scaled

CHECKS = ROOT / "tests" / "intel" / "data" / "hot_checks.csv"
CITIES = {
    "tipdm": SHARED_DATA / "tipdm2020c" / "附件3.xlsx",
    "shanghai": SHARED_DATA / "shanghai_xfb" / "letters.csv",
}
TOP = 20


def load_checks(path=CHECKS) -> dict[str, dict[str, dict[str, set[str]]]]:
    """{city: {issue: {"member": ids, "recur": ids, "other": ids}}}"""
    out: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["city"]][row["issue"]][row["role"]].add(row["message_id"])
    return out


def score(issues, checks: dict[str, dict[str, set[str]]]) -> dict[str, float]:
    """Purity and recall of `issues` (HotIssue list, hottest first) against one city's check issues."""
    judged = {i for roles in checks.values() for ids in roles.values() for i in ids}
    member_of: dict[str, str] = {}
    for key, roles in checks.items():
        for i in roles["member"]:
            member_of[i] = key
    purities = []
    for issue in issues:
        seen = [i for i in issue.message_ids if i in judged]
        if not seen:
            continue
        counts: dict[str, int] = defaultdict(int)
        for i in seen:
            if i in member_of:
                counts[member_of[i]] += 1
        purities.append(max(counts.values(), default=0) / len(seen))
    recalls, found = [], 0
    for roles in checks.values():
        members = roles["member"]
        best = max((len(members & set(issue.message_ids)) for issue in issues), default=0)
        recalls.append(best / len(members))
        found += best * 2 >= len(members)
    return {
        "purity": sum(purities) / len(purities) if purities else 0.0,
        "purity_issues": len(purities),
        "recall": sum(recalls) / len(recalls) if recalls else 0.0,
        "found": found / len(checks) if checks else 0.0,
        "n_checks": len(checks),
    }


def recurrences(issues, checks: dict[str, dict[str, set[str]]]) -> tuple[int, int]:
    """(check issues with recur rows whose mined issue links to an earlier one holding a recur message, all
    check issues with recur rows)."""
    linked = total = 0
    for roles in checks.values():
        if not roles["recur"]:
            continue
        total += 1
        holder = max(issues, key=lambda issue: len(roles["member"] & set(issue.message_ids)), default=None)
        previous = holder.previous if holder is not None else None
        if previous and roles["recur"] & set(previous["message_ids"]):  # type: ignore[index, arg-type]
            linked += 1
    return linked, total


def bench_checks() -> None:
    from lianxin.intel.data import read_messages
    from lianxin.intel.hotspots import GENERIC_GROUPS, HotMessage, hotspots_find

    checks = load_checks()
    for city, path in CITIES.items():
        if not path.exists() or city not in checks:
            print(f"hot-issue check set: {city} skipped ({path} is absent)")
            continue
        messages = read_messages(path, need=("id", "text"))
        hot = [HotMessage(m.id, m.title, m.content, m.user, m.time, m.likes, m.dislikes) for m in messages]
        start = time.perf_counter()
        every = hotspots_find(hot, top=len(hot))
        seconds = time.perf_counter() - start
        top = every[:TOP]
        load = os.getloadavg()[0]
        emit(f"hotspots.{city}.seconds", seconds, "s", len(hot), load_1m=round(load, 2))
        ranked = score(top, checks[city])
        emit(f"hotspots.check.{city}.top20.purity", ranked["purity"], "ratio", ranked["purity_issues"])
        emit(f"hotspots.check.{city}.top20.recall", ranked["recall"], "ratio", ranked["n_checks"])
        emit(f"hotspots.check.{city}.top20.found", ranked["found"], "ratio", ranked["n_checks"])
        overall = score(every, checks[city])
        emit(f"hotspots.check.{city}.all.recall", overall["recall"], "ratio", overall["n_checks"])
        emit(f"hotspots.check.{city}.all.found", overall["found"], "ratio", overall["n_checks"])
        emit(f"hotspots.check.{city}.all.purity", overall["purity"], "ratio", overall["purity_issues"])
        linked, total = recurrences(every, checks[city])
        if total:
            emit(f"hotspots.check.{city}.recurrence_linked", linked / total, "ratio", total)
        bare = sum(1 for issue in top if issue.place_or_group in GENERIC_GROUPS)
        emit(f"hotspots.{city}.top20.bare_group_labels", bare, "issues", len(top))
        unlabelled = sum(1 for issue in top if not issue.place_or_group)
        emit(f"hotspots.{city}.top20.without_place_or_group", unlabelled, "issues", len(top))


def bench_speed() -> None:
    bench_intel.QUICK = bench_intel.QUICK or scaled(False, True)
    n = scaled(100_000, 10_000)
    load = os.getloadavg()[0]
    big = bench_intel._child("hot", str(n))
    emit("hotspots.scale.seconds", big["seconds"], "s", n, load_1m=round(load, 2))
    emit("hotspots.scale.peak_memory", big["peak_mb"], "MB", n, before_mb=big["baseline_mb"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the 100,000-message run at 10,000")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.quick:
        from bench import common

        common.quick_set(True)
    if not (SHARED_DATA / "tipdm2020c").exists():
        print(f"hot-issue benchmarks skipped: {SHARED_DATA} is absent")
        return
    bench_checks()
    bench_speed()


if __name__ == "__main__":
    main()
