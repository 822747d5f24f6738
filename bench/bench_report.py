"""Benchmarks of the personal contact-work report: one report (PDF + DOCX) and a batch of every cadre's.

Targets (issue "衡量干部的标准"): one report, PDF and DOCX, ≤ 2 s; 1,000 reports ≤ 10 min on 2 cores with
bounded memory. The batch is measured on LIANXIN_BENCH_REPORT_BATCH cadres (default 100) with two worker
processes running the batch code itself (`services.reports_zip_write`), and extrapolated to 1,000 from
the measured rate; both figures are printed, with each worker's peak RSS and its RSS growth over the
second half of its reports (a leak would show there).

The data go through the workflow services, as in production (so the judged steps, the rates and the
trend are real): per cadre a street with 2 contact points and 4 households, 3 visits in the period (one
problem raised each), 8 demands in the period and 2 in each of the 5 months before it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

from bench.common import ROOT, django_setup, emit, wait_quiet

CADRES = int(os.environ.get("LIANXIN_BENCH_REPORT_CADRES", "100"))
BATCH = int(os.environ.get("LIANXIN_BENCH_REPORT_BATCH", str(CADRES)))
TARGET = 1000
PERIOD = "2026-03"


def _rss_mb() -> float:
    """Resident set size now (Linux /proc), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _fill() -> dict[str, int]:
    """Cadres, their contact work and demands, through the services."""
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.contact.services import (
        ProblemInput,
        assignment_create,
        contact_point_create,
        household_create,
        visit_log,
    )
    from lianxin.demands import services as ds
    from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

    def at(day: date, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, dtime(hour, 0)))

    city = Area.objects.create(code="R", name="R市", level=AreaLevel.CITY)
    district = Area.objects.create(code="R01", name="R1区", level=AreaLevel.DISTRICT, parent=city)
    root = Category.objects.create(code="RC", name="城乡建设")
    cats = [Category.objects.create(code=f"RC{i}", name=f"子类{i}", parent=root) for i in range(4)]
    operator = User.objects.create(username="r_op", roles="operator", password="!")
    counts = {"cadres": 0, "demands": 0, "visits": 0}
    months = [(2025, 10), (2025, 11), (2025, 12), (2026, 1), (2026, 2)]
    for i in range(CADRES):
        street = Area.objects.create(
            code=f"R01{i:04d}", name=f"街道{i}", level=AreaLevel.STREET, parent=district
        )
        unit = Unit.objects.create(
            code=f"RU{i:04d}", name=f"街道{i}办事处", kind=UnitKind.STREET, area=street
        )
        handler = User.objects.create(username=f"r_h{i:04d}", roles="handler", unit=unit, password="!")
        cadre = User.objects.create(
            username=f"rc{i:04d}",
            display_name=f"干部{i}",
            roles="cadre",
            unit=unit,
            area_scope=street,
            post="主任",
            password="!",
        )
        points = [
            contact_point_create(name=f"联系点{i}-{k}", kind="community", area=street) for k in range(2)
        ]
        households = [
            household_create(
                head_name=f"户主{i}-{k}", area=street, contact_point=points[k % 2], tags=["dibao"]
            )
            for k in range(4)
        ]
        for p in points:
            assignment_create(cadre=cadre, contact_point=p, start=date(2025, 1, 1))
        for h in households:
            assignment_create(cadre=cadre, household=h, start=date(2025, 1, 1))
        for k in range(3):
            day = date(2026, 3, 3 + 5 * k)
            visit_log(
                cadre=cadre,
                date=day,
                kind="field",
                summary=f"第{k + 1}次走访，听取群众意见。",
                contact_point=points[k % 2],
                households=households[k : k + 2],
                problems=[ProblemInput(title=f"问题{k + 1}")],
                now=at(day, 18),
            )
            counts["visits"] += 1
        days = [date(2026, 3, 2 + 3 * k) for k in range(8)] + [
            date(y, m, d) for y, m in months for d in (5, 15)
        ]
        for k, day in enumerate(days):
            t0 = at(day, 9)
            demand, _ = ds.demand_submit(
                actor=operator,
                title=f"诉求{i}-{k}",
                content="路灯不亮，请处理。",
                type="complaint" if k % 5 == 0 else "help",
                area=street,
                category=cats[k % 4],
                now=t0,
            )
            demand = ds.demand_accept(demand=demand, actor=operator, now=t0 + timedelta(minutes=10))
            demand = ds.demand_dispatch(
                demand=demand, actor=operator, unit=unit, now=t0 + timedelta(minutes=30)
            )
            if k % 7 == 6:
                continue  # left open, unsigned: late now
            demand = ds.demand_sign(
                demand=demand, actor=handler, now=t0 + timedelta(hours=2 + 30 * (k % 4 == 3))
            )
            demand = ds.demand_reply(
                demand=demand,
                actor=handler,
                text="已处理完毕，已更换路灯并电话告知群众。",
                outcome="resolved",
                now=t0 + timedelta(days=2),
            )
            ds.demand_rate(
                demand=demand,
                actor=operator,
                satisfaction=("satisfied", "basically_satisfied", "dissatisfied")[k % 3],
                resolved=k % 3 != 2,
                now=t0 + timedelta(days=3),
            )
        counts["demands"] += len(days) + 3  # and one problem raised per visit
        counts["cadres"] += 1
    return counts


def _batch_worker(args: tuple[str, list[str], str]) -> dict[str, float]:
    """Pool worker: configure Django on the shared SQLite file; write these cadres' reports into one zip
    with the batch's own code, noting RSS half-way and at the end."""
    var_dir, usernames, out = args
    django_setup({"LIANXIN_VAR_DIR": var_dir})
    from lianxin.evaluation.selectors import Period
    from lianxin.evaluation.services import cadre_get, reports_zip_write

    cadres = [cadre_get(username=u) for u in usernames]
    marks: dict[str, float] = {}
    seen = 0

    def progress(_cadre, ok: bool) -> None:
        nonlocal seen
        seen += 1
        if not ok:
            marks["failed"] = marks.get("failed", 0) + 1
        if seen == max(1, len(cadres) // 2):
            marks["rss_half_mb"] = _rss_mb()

    started, cpu = time.perf_counter(), time.process_time()
    with open(out, "wb") as fh:
        reports_zip_write(cadres=cadres, period=Period.parse(PERIOD), fmt="pdf", out=fh, progress=progress)
    return {
        "n": len(cadres),
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        "rss_half_mb": marks.get("rss_half_mb", float("nan")),
        "rss_end_mb": _rss_mb(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "failed": marks.get("failed", 0),
    }


def run() -> None:
    var_dir = tempfile.mkdtemp(prefix="lianxin-report-bench-")
    django_setup({"LIANXIN_VAR_DIR": var_dir})
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    data = _fill()
    print(
        f"# filled {data['cadres']} cadres, {data['demands']} demands, {data['visits']} visits through the "
        f"services in {time.perf_counter() - t0:.1f}s",
        flush=True,
    )
    from lianxin.evaluation.selectors import Period
    from lianxin.evaluation.services import cadre_get, report_render

    period = Period.parse(PERIOD)
    usernames = [f"rc{i:04d}" for i in range(data["cadres"])]
    report_render(cadre=cadre_get(username=usernames[0]), period=period, fmt="pdf")  # warm: font, imports
    load = wait_quiet()
    samples: dict[str, list[float]] = {"pdf": [], "docx": [], "both": []}
    sizes = {"pdf": 0, "docx": 0}
    for username in usernames[1:6]:
        cadre = cadre_get(username=username)
        both = 0.0
        for fmt in ("pdf", "docx"):
            start = time.perf_counter()
            blob = report_render(cadre=cadre, period=period, fmt=fmt)
            took = time.perf_counter() - start
            samples[fmt].append(took)
            sizes[fmt] = len(blob)
            both += took
        samples["both"].append(both)
    size = {"cadres": data["cadres"], "demands": data["demands"], "visits": data["visits"]}
    for fmt in ("pdf", "docx"):
        emit(
            f"report.one_{fmt}",
            sum(samples[fmt]) / 5,
            "s",
            1,
            bytes=sizes[fmt],
            **size,
            note="mean of 5 cadres",
        )
    emit(
        "report.one_pdf_and_docx",
        sum(samples["both"]) / 5,
        "s",
        1,
        limit_s=2.0,
        worst_s=round(max(samples["both"]), 3),
        **size,
        load_avg_1m=round(load, 2),
        note="mean of 5 cadres, both files rendered from fresh data",
    )
    connections.close_all()
    batch = usernames[:BATCH]
    out_dir = tempfile.mkdtemp(prefix="lianxin-report-batch-")
    chunks = [batch[i::2] for i in range(2)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                _batch_worker,
                [(var_dir, chunk, str(Path(out_dir, f"w{i}.zip"))) for i, chunk in enumerate(chunks)],
            )
        )
    elapsed = time.perf_counter() - t0
    done = sum(int(r["n"]) for r in results)
    emit(
        f"report.batch_{done}_pdf",
        elapsed,
        "s",
        done,
        workers=2,
        failed=sum(int(r["failed"]) for r in results),
        worker_cpu_s=[round(r["cpu"], 1) for r in results],
        load_avg_1m=round(os.getloadavg()[0], 2),
        **size,
    )
    emit(
        f"report.batch_{TARGET}_pdf_extrapolated",
        elapsed * TARGET / done,
        "s",
        TARGET,
        limit_s=600,
        measured_n=done,
        measured_s=round(elapsed, 1),
        note=f"{done} reports measured on 2 worker processes, scaled linearly to {TARGET} (each report reads only its cadre's data)",
    )
    emit(
        "report.batch_worker_peak_rss",
        max(r["peak_rss_mb"] for r in results),
        "MiB",
        done,
        rss_half_mb=[round(r["rss_half_mb"], 1) for r in results],
        rss_end_mb=[round(r["rss_end_mb"], 1) for r in results],
        note="per worker: RSS half-way through its reports and at the end (bounded: no growth per report)",
    )


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.bench_report", "run"], cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"bench_report failed ({result.returncode})")


if __name__ == "__main__":
    if sys.argv[1:] == ["run"]:
        run()
    else:
        main()
