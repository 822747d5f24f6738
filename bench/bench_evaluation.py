"""Benchmarks of evaluation: one report, all monthly reports of 1,000 cadres, a scorecard over 1M demands.

Each phase runs in a child process with its own database, so Django is configured exactly once per
phase whatever other benchmarks did in the parent:
- `sqlite`: a fresh SQLite file with 1,000 cadres (each with a street, 2 contact points, 6 households,
  4 visits and 20 demands in the month); times one PDF report and then every cadre's PDF report with a
  process pool of 2.
- `postgres`: the database `database_url("eval")` (`lianxin_bench_eval` beside `LIANXIN_BENCH_DATABASE_URL`,
  see bench/common.py), filled once with
  1,000 units and 5,000 cadres over an area tree, then by set-based SQL (INSERT … SELECT) with 1,000,000
  demands over 12 months, the timeline events their states imply and the judged steps those events
  replay to; times the unit league table, one unit's scorecard, both leagues for every unit and cadre,
  and `measures_audit` (every figure recomputed from the events) for one month.

`--quick` (bench.common.QUICK): 50 cadres and 20,000 demands. The demand rows are inserted by SQL that
names the columns it fills; every other NOT NULL column gets its model default (`defaults_missing`), so
a field added to `Demand` later (as `intel_urgency` once was) no longer breaks the seeding.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.common import (
    ROOT,
    admin_url,
    database_name,
    database_url,
    defaults_missing,
    django_setup,
    emit,
    insert_columns,
    scaled,
)

CADRES = int(os.environ.get("LIANXIN_BENCH_CADRES", str(scaled(1000, 50))))
DEMANDS = int(os.environ.get("LIANXIN_BENCH_DEMANDS", str(scaled(1_000_000, 20_000))))
PG_URL = database_url("eval")
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


# Units, cadres and the area tree of the PostgreSQL phase: a city, 10 districts, 100 streets (one street
# office each), 2,000 communities and 900 department units; 5,000 cadres scoped to a community or a street.
PG_UNITS = 1000
PG_CADRES = 5000
DISTRICTS, STREETS, COMMUNITIES = 10, 10, 20  # streets per district, communities per street

# One demand per g, its whole life derived from g: g % 10 = 0 is still being handled (signed, no reply),
# g % 10 = 5 is replied and awaits its rating, the others are rated and closed. Signed late when
# g % 30 >= 24, replied late when the reply falls after reply_due_at; was_overdue says exactly that.
FILL_SQL = """
INSERT INTO demands_demand (
  ticket_no, query_code, type, urgency, intel_urgency, title, content, category_id, area_id, address,
  channel, contact_name, contact_phone, contact_phone_hash, external_id, status, closure, lead_unit_id,
  returned_from, reply_text, outcome, satisfaction, resolved, created_at, accepted_at, dispatched_at,
  signed_at, replied_at, rated_at, closed_at, updated_at, sign_due_at, reply_due_at, stage, due_at,
  warning_level, was_overdue, answered_at_intake, handling_seconds, extension_count, reopen_count,
  return_count, urge_count, supervised, version/*EXTRA_COLS*/)
SELECT
  'B' || g, 'q', (ARRAY['help','complaint','consultation','suggestion'])[1 + g %% 4], 'normal', '',
  '诉求' || g, '内容', (%(cats)s::bigint[])[1 + g %% %(ncat)s], (%(areas)s::bigint[])[1 + g %% %(narea)s],
  '', 'web', '', '', '', '',
  CASE WHEN g %% 10 = 0 THEN 'in_progress' WHEN g %% 10 = 5 THEN 'replied' ELSE 'closed' END,
  CASE WHEN rated IS NULL THEN '' WHEN g %% 7 = 0 THEN 'not_resolved' ELSE 'resolved' END,
  (%(units)s::bigint[])[1 + (g / 7) %% %(nunit)s], '',
  CASE WHEN replied IS NULL THEN '' ELSE '已答复' END,
  CASE WHEN replied IS NULL THEN ''
       ELSE (ARRAY['resolved','partly_resolved','explained'])[1 + g %% 3] END,
  CASE WHEN rated IS NULL THEN ''
       ELSE (ARRAY['satisfied','basically_satisfied','dissatisfied'])[1 + g %% 3] END,
  CASE WHEN rated IS NULL THEN NULL ELSE g %% 7 <> 0 END,
  t, t + interval '30 minutes', t + interval '1 hour', signed, replied, rated, rated, t,
  sign_due, reply_due,
  CASE WHEN g %% 10 = 0 THEN 'reply' WHEN g %% 10 = 5 THEN 'followup' ELSE '' END,
  CASE WHEN g %% 10 = 0 THEN reply_due END,
  0, signed > sign_due OR coalesce(replied > reply_due, false), false,
  extract(epoch FROM replied - t)::bigint, 0, 0, 0, 0, g %% 19 = 0, 1/*EXTRA_VALS*/
FROM (
  SELECT g, t, sign_due, signed, reply_due, replied,
         CASE WHEN g %% 5 <> 0 THEN replied + interval '1 day' END AS rated
  FROM (
    SELECT g, t, t + interval '25 hours' AS sign_due, t + interval '1 hour' * (2 + g %% 30) AS signed,
           t + interval '7 days' AS reply_due,
           CASE WHEN g %% 10 <> 0
                THEN t + interval '1 hour' * (6 + g %% 30) + interval '1 day' * (g %% 9) END AS replied
    FROM (SELECT g, date_trunc('second', timestamptz '2025-04-01 00:00+08'
                                         + (g::float / %(n)s) * interval '365 days') AS t
          FROM generate_series(1, %(n)s) AS g) a
  ) b
) s
"""

# The timeline each demand's state implies; the due times in the events are ISO strings (parse_datetime).
EVENTS_SQL = """
INSERT INTO demands_demandevent (demand_id, actor_id, action, from_status, to_status, note, data, created_at/*EXTRA_COLS*/)
SELECT d.id, NULL, e.action, e.from_status, e.to_status, '', e.data, e.at/*EXTRA_VALS*/
FROM demands_demand d
CROSS JOIN LATERAL (VALUES
  ('submit', '', 'submitted', jsonb_build_object('channel', 'web'), d.created_at),
  ('accept', 'submitted', 'accepted', '{}'::jsonb, d.accepted_at),
  ('dispatch', 'accepted', 'dispatched',
   jsonb_build_object('unit', d.lead_unit_id, 'sign_due', to_json(d.sign_due_at) #>> '{}',
                      'reply_due', to_json(d.reply_due_at) #>> '{}'), d.dispatched_at),
  ('sign', 'dispatched', 'in_progress', '{}'::jsonb, d.signed_at),
  ('reply', 'in_progress', 'replied',
   jsonb_build_object('outcome', d.outcome, 'due', to_json(d.reply_due_at) #>> '{}'), d.replied_at),
  ('rate', 'replied', 'closed',
   jsonb_build_object('satisfaction', d.satisfaction, 'resolved', d.resolved), d.rated_at)
) AS e(action, from_status, to_status, data, at)
WHERE e.at IS NOT NULL
"""

# The judged steps the replay of those events finds (lianxin.demands.judging): one of each kind, first.
JUDGEMENTS_SQL = """
INSERT INTO demands_judgement (
  demand_id, unit_id, kind, at, due_at, done_at, first, returned, reopened, satisfaction, resolved,
  handling_seconds/*EXTRA_COLS*/)
SELECT d.id, d.lead_unit_id, j.kind, j.at, j.due_at, j.done_at, true, false, false, j.satisfaction,
       j.resolved, j.handling_seconds/*EXTRA_VALS*/
FROM demands_demand d
CROSS JOIN LATERAL (VALUES
  ('sign', d.dispatched_at, d.sign_due_at, d.signed_at, ''::varchar, NULL::boolean, NULL::integer),
  ('reply', d.replied_at, d.reply_due_at, d.replied_at, '', NULL, d.handling_seconds::integer),
  ('rating', d.rated_at, NULL, NULL, d.satisfaction, d.resolved, NULL)
) AS j(kind, at, due_at, done_at, satisfaction, resolved, handling_seconds)
WHERE j.at IS NOT NULL
"""

STATE_SQL = """
SELECT (SELECT count(*) FROM org_unit WHERE code LIKE 'P%%'),
       (SELECT count(*) FROM accounts_user WHERE username LIKE 'pc%%'),
       (SELECT count(*) FROM demands_demand),
       EXISTS (SELECT 1 FROM demands_judgement)
"""


def _ensure_database() -> bool:
    """Create `lianxin_eval_bench` when missing; drop and recreate it when it holds another fill (an earlier
    layout of this benchmark, or a fill that did not finish)."""
    import psycopg

    name = database_name(PG_URL)
    admin = admin_url(PG_URL)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists:
                try:
                    with psycopg.connect(PG_URL, connect_timeout=3) as db:
                        state = db.execute(STATE_SQL.replace("%%", "%")).fetchone()
                except psycopg.errors.UndefinedTable:
                    state = None
                if state != (PG_UNITS, PG_CADRES, DEMANDS, True):
                    print(f"# {name} holds another fill ({state}): dropped and recreated", flush=True)
                    conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                    exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"# PostgreSQL unreachable at {admin}: {exc}; scorecard benchmark skipped", flush=True)
        return False
    return True


def _fill_org() -> None:
    """The area tree, the 1,000 units and the 5,000 cadres (bulk_create; paths set here, as save() would)."""
    from lianxin.accounts.models import User
    from lianxin.org.models import Area, AreaLevel, Category, Unit, UnitKind

    city = Area.objects.create(code="P", name="P市", level=AreaLevel.CITY)
    districts = Area.objects.bulk_create(
        [
            Area(code=f"P{d}", name=f"P{d}区", level=AreaLevel.DISTRICT, parent=city, path=f"P/P{d}", depth=1)
            for d in range(DISTRICTS)
        ]
    )
    streets = Area.objects.bulk_create(
        [
            Area(
                code=f"{dist.code}{s}",
                name=f"街道{dist.code}{s}",
                level=AreaLevel.STREET,
                parent=dist,
                path=f"{dist.path}/{dist.code}{s}",
                depth=2,
            )
            for dist in districts
            for s in range(STREETS)
        ]
    )
    communities = Area.objects.bulk_create(
        [
            Area(
                code=f"{st.code}{c:02d}",
                name=f"社区{st.code}{c:02d}",
                level=AreaLevel.COMMUNITY,
                parent=st,
                path=f"{st.path}/{st.code}{c:02d}",
                depth=3,
            )
            for st in streets
            for c in range(COMMUNITIES)
        ]
    )
    street_units = Unit.objects.bulk_create(
        [
            Unit(code=f"PU{st.code[1:]}", name=f"{st.name}办事处", kind=UnitKind.STREET, area=st)
            for st in streets
        ]
    )
    Unit.objects.bulk_create(
        [
            Unit(
                code=f"PD{i:03d}",
                name=f"职能部门{i}",
                kind=UnitKind.DEPARTMENT,
                area=districts[i % DISTRICTS],
            )
            for i in range(PG_UNITS - len(street_units))
        ]
    )
    unit_of_street = {st.pk: u for st, u in zip(streets, street_units, strict=True)}
    n_street_cadres = PG_CADRES - 2 * len(communities)  # 2 per community, the rest on the streets
    cadres = [
        User(
            username=f"pc{i:05d}",
            display_name=f"干部{i}",
            roles="cadre",
            area_scope=area,
            unit=unit_of_street[area.parent_id if area.level == AreaLevel.COMMUNITY else area.pk],
            post="委员",
            password="!",
        )
        for i, area in enumerate(
            [communities[k // 2] for k in range(2 * len(communities))]
            + [streets[k % len(streets)] for k in range(n_street_cadres)]
        )
    ]
    User.objects.bulk_create(cadres, batch_size=1000)
    root = Category.objects.create(code="PC", name="城乡建设")
    for i in range(40):
        Category.objects.create(code=f"PC{i:02d}", name=f"子类{i}", parent=root)


def _fill_postgres() -> None:
    from django.db import connection, transaction

    from lianxin.demands.models import Demand, DemandEvent, Judgement
    from lianxin.org.models import Area, AreaLevel, Category, Unit

    def completed(model: type, sql: str) -> str:
        # every NOT NULL column the statement does not list gets its model default (a field added later,
        # as Judgement.excluded was, no longer breaks the fill)
        cols, vals = defaults_missing(model, insert_columns(sql))
        return sql.replace("/*EXTRA_COLS*/", cols).replace("/*EXTRA_VALS*/", vals.replace("%", "%%"))

    fill_sql = completed(Demand, FILL_SQL)
    events_sql = completed(DemandEvent, EVENTS_SQL)
    judgements_sql = completed(Judgement, JUDGEMENTS_SQL)
    t0 = time.perf_counter()
    with transaction.atomic():
        _fill_org()
    communities = list(
        Area.objects.filter(level=AreaLevel.COMMUNITY, code__startswith="P")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    units = list(Unit.objects.filter(code__startswith="P").order_by("pk").values_list("pk", flat=True))
    cats = list(
        Category.objects.filter(code__startswith="PC", parent__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    params = {
        "n": DEMANDS,
        "cats": cats,
        "ncat": len(cats),
        "areas": communities,
        "narea": len(communities),
        "units": units,
        "nunit": len(units),
    }
    steps = {"org": time.perf_counter() - t0}
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for step, sql in (("demands", fill_sql), ("events", events_sql), ("judgements", judgements_sql)):
            t1 = time.perf_counter()
            with transaction.atomic():
                cursor.execute(sql, params if sql is fill_sql else None)
                rows = cursor.rowcount
            steps[step] = time.perf_counter() - t1
            print(f"#   {step}: {rows} rows in {steps[step]:.1f}s", flush=True)
        t1 = time.perf_counter()
        cursor.execute("ANALYZE")
        steps["analyze"] = time.perf_counter() - t1
    print(
        f"# filled {len(units)} units, {PG_CADRES} cadres, {DEMANDS} demands with their events and "
        f"judgements in {time.perf_counter() - t0:.1f}s ("
        + ", ".join(f"{k} {v:.1f}s" for k, v in steps.items())
        + ")",
        flush=True,
    )


def _best(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return min(samples)


def phase_postgres() -> None:
    if not _ensure_database():
        return
    django_setup({"DATABASE_URL": PG_URL, "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-eval-pg-")})
    from django.core.management import call_command

    from lianxin.contact.periods import Period
    from lianxin.demands.audit import measures_audit
    from lianxin.demands.models import Demand
    from lianxin.evaluation.selectors import cadre_league, unit_card, unit_league
    from lianxin.org.models import Unit

    call_command("migrate", verbosity=0)
    if not Demand.objects.exists():
        _fill_postgres()
    n = Demand.objects.count()
    period = Period(2025, 12)  # a full month inside the filled year (~83,000 demands anchored in it)
    unit = Unit.objects.filter(code__startswith="PU").order_by("pk").first()
    unit_league(period=period)  # warm
    for name, fn in (
        ("evaluation.scorecard_unit_league_pg", lambda: unit_league(period=period)),
        ("evaluation.scorecard_one_unit_pg", lambda: unit_card(unit=unit, period=period)),
    ):
        emit(name, _best(fn, 3), "s", n, limit_s=1.0, period=str(period), runs=3)

    sizes: dict[str, int] = {}

    def scorecards_all() -> None:
        sizes["units"] = len(unit_league(period=period))
        sizes["cadres"] = len(cadre_league(period=period))

    emit(
        "evaluation.scorecards_all_pg",
        _best(scorecards_all, 2),
        "s",
        n,
        limit_s=10.0,
        period=str(period),
        runs=2,
        note="unit league + cadre league (all cadres)",
        **sizes,
    )

    start, end = period.first_day, period.last_day + timedelta(days=1)
    t0 = time.perf_counter()
    result = measures_audit(start=start, end=end)
    elapsed = time.perf_counter() - t0
    by_code = Counter(d.code for d in result.differences)
    emit(
        "evaluation.measures_audit_month_pg",
        elapsed,
        "s",
        n,
        limit_s=60.0,
        period=[start.isoformat(), end.isoformat()],
        demands_read=result.demands_read,
        events_read=result.events_read,
        scopes=result.scopes,
        figures=result.figures,
        differences=len(result.differences),
        differences_by_code=dict(sorted(by_code.items())),
        undated_steps=result.undated_steps,
    )
    for d in result.differences[:10]:
        print(f"#   difference {d.scope} {d.code}: published {d.published}, recomputed {d.recomputed}")


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for phase in ("sqlite", "postgres"):
        result = subprocess.run([sys.executable, "-m", "bench.bench_evaluation", phase], cwd=ROOT, env=env)
        if result.returncode:
            raise RuntimeError(f"bench_evaluation phase {phase} failed ({result.returncode})")


if __name__ == "__main__":
    {"sqlite": phase_sqlite, "postgres": phase_postgres}[sys.argv[1]]()
