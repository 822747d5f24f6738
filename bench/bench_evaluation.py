"""Benchmarks of evaluation: one report, all monthly reports of 1,000 cadres, a scorecard over 1M demands.

Each phase runs in a child process with its own database, so Django is configured exactly once per
phase whatever other benchmarks did in the parent:
- `sqlite`: a fresh SQLite file with 1,000 cadres (each with a street, 2 contact points, 6 households,
  4 visits and 20 demands in the month); times one PDF report and then every cadre's PDF report with a
  process pool of 2.
- `postgres`: the database `lianxin_eval_bench` on postgres://postgres@127.0.0.1:5432, filled once by
  set-based SQL (INSERT … SELECT generate_series) with 1,000,000 demands over 12 months; times the
  unit league table, one unit's scorecard and the cadre league for one month.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.common import ROOT, django_setup, emit

CADRES = int(os.environ.get("LIANXIN_BENCH_CADRES", "1000"))
DEMANDS = int(os.environ.get("LIANXIN_BENCH_DEMANDS", "1000000"))
PG_URL = os.environ.get("LIANXIN_BENCH_PG", "postgres://postgres@127.0.0.1:5432/lianxin_eval_bench")
PERIOD = "2026-03"


# --- SQLite phase ------------------------------------------------------------------------------------


def _fill_sqlite() -> list[str]:
    from django.db import transaction
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.contact.models import Assignment, ContactPoint, Household, Visit
    from lianxin.demands.models import Demand
    from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

    rng_day = [date(2026, 3, d) for d in range(2, 28)]
    with transaction.atomic():
        city = Area.objects.create(code="B", name="B市", level=AreaLevel.CITY)
        district = Area.objects.create(code="B01", name="B1区", level=AreaLevel.DISTRICT, parent=city)
        root_cat = Category.objects.create(code="C1", name="城乡建设")
        cats = [Category.objects.create(code=f"C1{i}", name=f"子类{i}", parent=root_cat) for i in range(5)]
        users, streets, units = [], [], []
        for i in range(CADRES):
            street = Area.objects.create(
                code=f"B01{i:04d}",
                name=f"街道{i}",
                level=AreaLevel.STREET,
                parent=district,
                lat=28 + i / 5000,
                lng=112 + i / 5000,
            )
            unit = Unit.objects.create(
                code=f"BU{i:04d}", name=f"街道{i}办事处", kind=UnitKind.STREET, area=street
            )
            streets.append(street)
            units.append(unit)
            users.append(
                User(
                    username=f"bc{i:04d}",
                    display_name=f"干部{i}",
                    roles="cadre",
                    unit=unit,
                    area_scope=street,
                    post="主任",
                    password="!",
                )
            )
        User.objects.bulk_create(users)
        users = list(User.objects.filter(username__startswith="bc").order_by("username"))
        points = ContactPoint.objects.bulk_create(
            [
                ContactPoint(name=f"联系点{i}-{k}", kind="community", area=streets[i])
                for i in range(CADRES)
                for k in range(2)
            ]
        )
        households = Household.objects.bulk_create(
            [
                Household(
                    head_name=f"户主{i}-{k}",
                    area=streets[i],
                    contact_point=points[2 * i + k % 2],
                    tags="dibao",
                )
                for i in range(CADRES)
                for k in range(6)
            ]
        )
        start = date(2026, 1, 1)
        Assignment.objects.bulk_create(
            [
                Assignment(cadre=users[i], contact_point=points[2 * i + k], start=start)
                for i in range(CADRES)
                for k in range(2)
            ]
            + [
                Assignment(cadre=users[i], household=households[6 * i + k], start=start)
                for i in range(CADRES)
                for k in range(6)
            ]
        )
        visits = Visit.objects.bulk_create(
            [
                Visit(
                    cadre=users[i],
                    date=rng_day[(i + k) % len(rng_day)],
                    kind="field",
                    summary="走访了解情况",
                    contact_point=points[2 * i + k % 2],
                )
                for i in range(CADRES)
                for k in range(4)
            ]
        )
        through = Visit.households.through
        through.objects.bulk_create(
            [
                through(visit_id=visits[4 * i + k].pk, household_id=households[6 * i + k].pk)
                for i in range(CADRES)
                for k in range(4)
            ]
        )
        demands = []
        for i in range(CADRES):
            for k in range(20):
                created = timezone.make_aware(
                    datetime.combine(rng_day[(i + k) % len(rng_day)], datetime.min.time())
                ) + timedelta(hours=9)
                rated = k % 4 != 0
                demands.append(
                    Demand(
                        query_code="x",
                        title=f"诉求{i}-{k}",
                        content="内容",
                        area=streets[i],
                        category=cats[k % 5],
                        lead_unit=units[i],
                        status="closed" if rated else "replied",
                        created_at=created,
                        dispatched_at=created + timedelta(hours=1),
                        sign_due_at=created + timedelta(days=1),
                        signed_at=created + timedelta(hours=2 + 30 * (k % 5 == 0)),
                        replied_at=created + timedelta(days=2),
                        reply_due_at=created + timedelta(days=5 + (k % 7 == 0) * -4),
                        rated_at=created + timedelta(days=3) if rated else None,
                        satisfaction=("satisfied", "basically_satisfied", "dissatisfied")[k % 3]
                        if rated
                        else "",
                        resolved=(k % 3 != 2) if rated else None,
                        closure=("resolved" if k % 3 != 2 else "not_resolved") if rated else "",
                        closed_at=created + timedelta(days=3) if rated else None,
                        type="complaint" if k % 6 == 0 else "help",
                    )
                )
        Demand.objects.bulk_create(demands, batch_size=2000)
    return [u.username for u in users]


def _render_many(args: tuple[str, list[str], str]) -> tuple[int, float, float]:
    """Pool worker: configure Django on the shared SQLite file and render each cadre's PDF."""
    var_dir, usernames, out_dir = args
    django_setup({"LIANXIN_VAR_DIR": var_dir})
    from lianxin.contact.periods import Period
    from lianxin.evaluation.services import cadre_get, report_render

    period = Period.parse(PERIOD)
    started, cpu = time.perf_counter(), time.process_time()
    for username in usernames:
        data = report_render(cadre=cadre_get(username=username), period=period, fmt="pdf")
        Path(out_dir, f"{username}.pdf").write_bytes(data)
    return len(usernames), time.perf_counter() - started, time.process_time() - cpu


def phase_sqlite() -> None:
    var_dir = tempfile.mkdtemp(prefix="lianxin-eval-bench-")
    django_setup({"LIANXIN_VAR_DIR": var_dir})
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    usernames = _fill_sqlite()
    print(
        f"# filled {CADRES} cadres and {CADRES * 20} demands in {time.perf_counter() - t0:.1f}s", flush=True
    )
    from django.db import connections

    from lianxin.contact.periods import Period
    from lianxin.evaluation.services import cadre_get, report_render

    period = Period.parse(PERIOD)
    cadre = cadre_get(username=usernames[0])
    report_render(cadre=cadre, period=period, fmt="pdf")  # warm caches (fonts, imports)
    times = {}
    for fmt in ("pdf", "docx"):
        t0 = time.perf_counter()
        for username in usernames[1:6]:
            report_render(cadre=cadre_get(username=username), period=period, fmt=fmt)
        times[fmt] = (time.perf_counter() - t0) / 5
    emit("evaluation.report_one_pdf", times["pdf"], "s", 1, demands=CADRES * 20, note="mean of 5 cadres")
    emit("evaluation.report_one_docx", times["docx"], "s", 1, demands=CADRES * 20, note="mean of 5 cadres")
    connections.close_all()
    out_dir = tempfile.mkdtemp(prefix="lianxin-eval-reports-")
    chunks = [usernames[i::2] for i in range(2)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(_render_many, [(var_dir, c, out_dir) for c in chunks]))
    elapsed = time.perf_counter() - t0
    done = sum(r[0] for r in results)
    # The machine may be shared: report the load and the workers' own CPU time as well as the wall time.
    emit(
        "evaluation.reports_all_cadres_pdf",
        elapsed,
        "s",
        done,
        workers=2,
        limit_s=600,
        files=len(list(Path(out_dir).glob("*.pdf"))),
        worker_cpu_s=[round(r[2], 1) for r in results],
        load_avg_1m=round(os.getloadavg()[0], 2),
    )


# --- PostgreSQL phase ---------------------------------------------------------------------------------


def _ensure_database() -> bool:
    import psycopg

    name = PG_URL.rsplit("/", 1)[1]
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"# PostgreSQL unreachable at {admin}: {exc}; scorecard benchmark skipped", flush=True)
        return False
    return True


FILL_SQL = """
INSERT INTO demands_demand (
  ticket_no, query_code, type, urgency, title, content, category_id, area_id, address, channel,
  contact_name, contact_phone, contact_phone_hash, external_id, status, closure, lead_unit_id,
  returned_from, reply_text, outcome, satisfaction, resolved, created_at, dispatched_at, signed_at,
  replied_at, rated_at, closed_at, updated_at, sign_due_at, reply_due_at, stage, warning_level,
  was_overdue, handling_seconds, extension_count, reopen_count, return_count, urge_count, supervised, version)
SELECT
  'B' || g, 'q', (ARRAY['help','complaint','consultation','suggestion'])[1 + g %% 4], 'normal', '诉求' || g, '内容',
  (%(cats)s::bigint[])[1 + g %% %(ncat)s], (%(areas)s::bigint[])[1 + g %% %(narea)s], '', 'web', '', '', '', '',
  CASE WHEN g %% 5 = 0 THEN 'in_progress' ELSE 'closed' END,
  CASE WHEN g %% 5 = 0 THEN '' WHEN g %% 7 = 0 THEN 'not_resolved' ELSE 'resolved' END,
  (%(units)s::bigint[])[1 + g %% %(nunit)s], '', '', '', CASE WHEN g %% 5 = 0 THEN '' ELSE (ARRAY['satisfied','basically_satisfied','dissatisfied'])[1 + g %% 3] END,
  CASE WHEN g %% 5 = 0 THEN NULL ELSE g %% 7 <> 0 END,
  t, t + interval '1 hour', t + interval '1 hour' * (2 + g %% 30), t + interval '1 day' * (1 + g %% 9),
  CASE WHEN g %% 5 = 0 THEN NULL ELSE t + interval '1 day' * (2 + g %% 9) END,
  CASE WHEN g %% 5 = 0 THEN NULL ELSE t + interval '1 day' * (2 + g %% 9) END,
  t, t + interval '25 hours', t + interval '7 days', '', 0, g %% 11 = 0, 86400 * (1 + g %% 9), 0,
  (g %% 13 = 0)::int, (g %% 17 = 0)::int, 0, g %% 19 = 0, 1
FROM (SELECT g, timestamptz '2025-04-01 00:00+08' + (g::float / %(n)s) * interval '365 days' AS t
      FROM generate_series(1, %(n)s) AS g) s
"""


def phase_postgres() -> None:
    if not _ensure_database():
        return
    django_setup({"DATABASE_URL": PG_URL, "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-eval-pg-")})
    from django.core.management import call_command
    from django.db import connection

    from lianxin.contact.periods import Period
    from lianxin.demands.models import Demand
    from lianxin.evaluation.selectors import unit_card, unit_league
    from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

    call_command("migrate", verbosity=0)
    if Demand.objects.count() != DEMANDS:
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE demands_demand CASCADE")
        if not Area.objects.filter(code="P").exists():
            city = Area.objects.create(code="P", name="P市", level=AreaLevel.CITY)
            for d in range(4):
                district = Area.objects.create(
                    code=f"P{d}", name=f"P{d}区", level=AreaLevel.DISTRICT, parent=city
                )
                for s in range(5):
                    street = Area.objects.create(
                        code=f"P{d}{s}", name=f"街道{d}{s}", level=AreaLevel.STREET, parent=district
                    )
                    for c in range(10):
                        Area.objects.create(
                            code=f"P{d}{s}{c:02d}",
                            name=f"社区{d}{s}{c}",
                            level=AreaLevel.COMMUNITY,
                            parent=street,
                        )
                    Unit.objects.create(
                        code=f"PU{d}{s}", name=f"街道{d}{s}办事处", kind=UnitKind.STREET, area=street
                    )
            root = Category.objects.create(code="PC", name="城乡建设")
            for i in range(40):
                Category.objects.create(code=f"PC{i:02d}", name=f"子类{i}", parent=root)
        communities = list(
            Area.objects.filter(level=AreaLevel.COMMUNITY, code__startswith="P")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        units = list(Unit.objects.filter(code__startswith="PU").order_by("pk").values_list("pk", flat=True))
        cats = list(
            Category.objects.filter(code__startswith="PC", parent__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                FILL_SQL,
                {
                    "n": DEMANDS,
                    "cats": cats,
                    "ncat": len(cats),
                    "areas": communities,
                    "narea": len(communities),
                    "units": units,
                    "nunit": len(units),
                },
            )
            cursor.execute("ANALYZE demands_demand")
        print(f"# filled {DEMANDS} demands in {time.perf_counter() - t0:.1f}s", flush=True)
    n = Demand.objects.count()
    period = Period(2025, 12)  # a full month inside the filled year (~83,000 demands anchored in it)
    unit = Unit.objects.filter(code__startswith="PU").order_by("pk").first()
    unit_league(period=period)  # warm
    for name, fn in (
        ("evaluation.scorecard_unit_league_pg", lambda: unit_league(period=period)),
        ("evaluation.scorecard_one_unit_pg", lambda: unit_card(unit=unit, period=period)),
    ):
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        emit(name, min(samples), "s", n, limit_s=1.0, period=str(period), runs=3)


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for phase in ("sqlite", "postgres"):
        result = subprocess.run([sys.executable, "-m", "bench.bench_evaluation", phase], cwd=ROOT, env=env)
        if result.returncode:
            raise RuntimeError(f"bench_evaluation phase {phase} failed ({result.returncode})")


if __name__ == "__main__":
    {"sqlite": phase_sqlite, "postgres": phase_postgres}[sys.argv[1]]()
