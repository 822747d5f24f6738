"""Shared helpers for benchmarks: every figure is one `BENCH {json}` line (see contract.md)."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def machine() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.system(),
    }


def emit(name: str, value: float, unit: str, n: int, **extra: object) -> None:
    """Print one figure as `BENCH {json}` with the machine it was measured on."""
    record = {"name": name, "value": round(float(value), 4), "unit": unit, "n": n, **extra}
    record["machine"] = machine()
    print("BENCH " + json.dumps(record, ensure_ascii=False), flush=True)


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


QUIET_LOAD = float(os.environ.get("LIANXIN_BENCH_QUIET_LOAD", "1.5"))


def wait_quiet(max_seconds: int = 300) -> float:
    """Wait (bounded) until the 1-minute load average is below QUIET_LOAD — other work on a shared 2-core
    machine halves the figures; returns the load average when measuring starts."""
    deadline = time.time() + max_seconds
    while os.getloadavg()[0] >= QUIET_LOAD and time.time() < deadline:
        time.sleep(5)
    load = os.getloadavg()[0]
    if load >= QUIET_LOAD:
        print(f"# machine not quiet after {max_seconds} s (load {load:.2f}); measuring anyway", flush=True)
    return load


def django_setup(env: dict[str, str]) -> None:
    """Set up Django in this process with `env` (a database, a var folder) and quiet logs."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    os.environ.setdefault("LIANXIN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
