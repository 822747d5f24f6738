"""Shared helpers for benchmarks: every figure is one `BENCH {json}` line (see contract.md).

Sizes: `QUICK` is true under `python -m bench --quick` (and in every child process of it: the flag travels
as `LIANXIN_BENCH_QUICK=1`); a module picks its smoke size with `scaled(full, quick)`.

Where the benchmarks run (nothing hard-coded, every value from the environment):
- `LIANXIN_BENCH_DATABASE_URL` — the PostgreSQL database of the demands benchmark (default
  postgres://postgres@127.0.0.1:5432/lianxin_bench); the other modules use databases beside it on the
  same server, named `<that name>_<module>` (`database_url("eval")` → …/lianxin_bench_eval), unless
  `LIANXIN_BENCH_<MODULE>_DATABASE_URL` names one of their own.
- `LIANXIN_BENCH_REDIS_URL` — the Redis the HTTP benchmarks use (default redis://127.0.0.1:6379/1).
- `LIANXIN_BENCH_REUSE=1` — keep a filled database between runs (seeding is skipped when it is whole).
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
QUICK = os.environ.get("LIANXIN_BENCH_QUICK") == "1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/lianxin_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


def quick_set(value: bool) -> None:
    """Switch the smoke size on for this process and the processes it starts."""
    global QUICK
    QUICK = value
    if value:
        os.environ["LIANXIN_BENCH_QUICK"] = "1"
    else:
        os.environ.pop("LIANXIN_BENCH_QUICK", None)


def scaled(full: int, quick: int) -> int:
    """`full` normally, `quick` under --quick."""
    return quick if QUICK else full


def database_url(module: str = "") -> str:
    """The PostgreSQL database of a benchmark module (see the module docstring)."""
    own = os.environ.get(f"LIANXIN_BENCH_{module.upper()}_DATABASE_URL") if module else None
    if own:
        return own
    base = os.environ.get("LIANXIN_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    if not module:
        return base
    parts = urllib.parse.urlsplit(base)
    name = parts.path.lstrip("/") or "lianxin_bench"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}_{module}"))


def admin_url(url: str) -> str:
    """The maintenance database (`postgres`) on the server of `url`, to create and drop from."""
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))


def database_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.lstrip("/")


def redis_url() -> str:
    return os.environ.get("LIANXIN_BENCH_REDIS_URL", DEFAULT_REDIS_URL)


def reachable(url: str) -> bool:
    """Whether the host:port of a database or Redis URL accepts connections (0.5 s)."""
    parts = urllib.parse.urlsplit(url)
    default = {"redis": 6379}.get(parts.scheme, 5432)
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((parts.hostname or "127.0.0.1", parts.port or default)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def defaults_missing(model: type, columns: list[str]) -> tuple[str, str]:
    """For a set-based INSERT into `model`'s table that lists `columns`: (", col, …", ", literal, …") of
    every other NOT NULL column with its model default as a literal — appended to the column and SELECT
    lists, so that a field another change adds to the model later does not break the seeding ("", ""
    when none is missing). A NOT NULL field without a default must be listed. Needs Django set up."""
    from django.db.models import NOT_PROVIDED

    cols, vals = [], []
    for f in model._meta.concrete_fields:  # type: ignore[attr-defined]
        if f.column in columns or f.primary_key or f.null:
            continue
        if f.default is NOT_PROVIDED:
            raise ValueError(f"{model.__name__}.{f.name} is NOT NULL without a default: list it")
        cols.append(f.column)
        vals.append(_literal(f.get_default()))
    if not cols:
        return "", ""
    return ", " + ", ".join(cols), ", " + ", ".join(vals)


def insert_columns(sql: str) -> list[str]:
    """The column names of the first `INSERT INTO table (…)` of `sql`."""
    inside = re.sub(r"/\*.*?\*/", "", sql).split("(", 1)[1].split(")", 1)[0]
    return [c.strip() for c in inside.split(",") if c.strip()]


def _literal(value: object) -> str:
    """A model default as an SQL literal (the kinds of default Lianxin's models use)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(int(value))  # an IntegerChoices member's repr is its name (WarningLevel.NONE)
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return "'" + text.replace("'", "''") + "'"


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


# --- CPU accounting: what a run cost, by process, whatever else the shared machine was doing --------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def processes_matching(text: str) -> list[int]:
    """The processes whose command line contains `text` (e.g. a PostgreSQL backend's database name)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def children_of(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds spent by groups of processes between `start()` and `stop()`. Each group is a function
    giving its pids (asked again at the end: a process started during the run counts from zero)."""

    def __init__(self, **groups: Callable[[], list[int]]) -> None:
        self.groups = groups
        self.before: dict[str, dict[int, float]] = {}

    def start(self) -> None:
        self.before = {
            name: {p: process_cpu_seconds(p) for p in pids()} for name, pids in self.groups.items()
        }
        self._machine0 = _machine_ticks()

    def stop(self) -> dict[str, float]:
        out = {}
        for name, pids in self.groups.items():
            seen = set(pids()) | set(self.before[name])
            # a process gone by the end counts nothing (its last readings are lost with it)
            out[name] = sum(max(0.0, process_cpu_seconds(p) - self.before[name].get(p, 0.0)) for p in seen)
        busy1, total1 = _machine_ticks()
        busy0, total0 = self._machine0
        out["machine_busy_share"] = (busy1 - busy0) / max(total1 - total0, 1)
        return out


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def wait_idle(pids: Callable[[], list[int]], *, share: float = 0.1, max_seconds: float = 180) -> float:
    """Wait (bounded) until the processes `pids()` (e.g. freshly started web workers loading their
    dictionaries) use less than `share` of a core each over half a second; returns the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < max_seconds:
        current = pids()
        before = {p: process_cpu_seconds(p) for p in current}
        time.sleep(0.5)
        if current and all(process_cpu_seconds(p) - before[p] < share * 0.5 for p in current):
            break
    return time.perf_counter() - start
