"""Assistance and 民生实事 benchmarks on PostgreSQL (database `lianxin_bench_assistance` on
postgres://postgres@127.0.0.1:5432, created when missing and filled once; `dropdb -h 127.0.0.1 -U postgres
lianxin_bench_assistance` starts afresh):

- 50,000 households in difficulty over 200 communities of 20 streets, each with an assistance plan
  (needs encrypted, as the services store them) paired with one of 1,000 cadres, a measure and two
  follow-ups; one cadre (`bench_cadre`) holds 200 plans;
- the cadre's assistance workbench (`/assistance/`, Django test client, logged in): p95 of 50 requests
  (limit 100 ms);
- 5,000 民生实事 projects with 4 milestones each: the public list page (`/projects/`) and the public
  list API (`/api/v1/projects/`), anonymous: p95 of 50 requests each (limit 100 ms).

Runs in a child process so Django is configured once with the bench database. Skips with a message when
PostgreSQL is absent. `LIANXIN_BENCH_ASSISTANCE_HOUSEHOLDS` / `_PROJECTS` change the sizes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from bench.common import ROOT, admin_url, database_name, database_url, django_setup, emit, percentile, scaled

PG_URL = database_url("assistance")  # lianxin_bench_assistance beside LIANXIN_BENCH_DATABASE_URL
DB = database_name(PG_URL)
PG_ADMIN = admin_url(PG_URL)
HOUSEHOLDS = int(os.environ.get("LIANXIN_BENCH_ASSISTANCE_HOUSEHOLDS", str(scaled(50_000, 2_000))))
PROJECTS = int(os.environ.get("LIANXIN_BENCH_ASSISTANCE_PROJECTS", str(scaled(5_000, 500))))
CADRES = 1_000
BENCH_CADRE_PLANS = 200
RUNS = 50


def _ensure_database() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{DB}"')
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: skip
        print(f"bench_assistance: PostgreSQL unavailable ({exc}); skipped", file=sys.stderr)
        return False
    return True


def _fill() -> None:
    from django.db import transaction
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.assistance.models import FollowUp, Measure, Plan
    from lianxin.contact.models import Household
    from lianxin.org.models import Area, AreaLevel, Unit, UnitKind
    from lianxin.projects.models import Milestone, Project, ProjectEvent, Status

    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        city = Area.objects.create(code="AB", name="帮扶测试市", level=AreaLevel.CITY)
        district = Area.objects.create(code="AB01", name="一区", level=AreaLevel.DISTRICT, parent=city)
        communities = []
        units = []
        for s in range(20):
            street = Area.objects.create(
                code=f"AB01{s:03d}", name=f"街道{s}", level=AreaLevel.STREET, parent=district
            )
            units.append(
                Unit.objects.create(
                    code=f"ABU{s:03d}", name=f"街道{s}办事处", kind=UnitKind.STREET, area=street
                )
            )
            for c in range(10):
                communities.append(
                    Area.objects.create(
                        code=f"{street.code}{c:02d}",
                        name=f"社区{s}-{c}",
                        level=AreaLevel.COMMUNITY,
                        parent=street,
                    )
                )
        cadres = User.objects.bulk_create(
            [
                User(username=f"cad{i:04d}", roles="cadre", display_name=f"干部{i}", unit=units[i % 20])
                for i in range(CADRES - 1)
            ]
        )
        bench_cadre = User(username="bench_cadre", roles="cadre", display_name="测试干部", unit=units[0])
        bench_cadre.set_password("bench")
        bench_cadre.save()
        User.objects.create(username="bench_admin", roles="admin")
        tags = ["hardship,dibao", "zero_employment", "dibao", "hardship"]
        for start in range(0, HOUSEHOLDS, 5000):
            chunk = range(start, min(HOUSEHOLDS, start + 5000))
            households = Household.objects.bulk_create(
                [
                    Household(
                        head_name=f"户主{i}",
                        size=1 + i % 5,
                        phone=f"139{i:08d}",
                        address=f"幸福路{i}号",
                        area=communities[i % len(communities)],
                        tags=tags[i % len(tags)],
                    )
                    for i in chunk
                ]
            )
            plans = Plan.objects.bulk_create(
                [
                    Plan(
                        household=h,
                        cadre=bench_cadre if i < BENCH_CADRE_PLANS else cadres[i % len(cadres)],
                        needs="家庭主要劳动力失业，子女上学开支大",
                        start=today - timedelta(days=120),
                        every_days=30,
                        next_due=today + timedelta(days=(i % 45) - 10),
                        status="lifted" if i % 10 == 0 else "active",
                        outcome="lifted" if i % 10 == 0 else "",
                        outcome_on=today - timedelta(days=5) if i % 10 == 0 else None,
                    )
                    for i, h in zip(chunk, households, strict=True)
                ]
            )
            Measure.objects.bulk_create(
                [
                    Measure(
                        plan=p, kind="employment", detail="推荐就业岗位", status="in_progress", date=p.start
                    )
                    for p in plans
                ]
            )
            FollowUp.objects.bulk_create(
                [
                    FollowUp(
                        plan=p,
                        cadre_id=p.cadre_id,
                        date=p.start + timedelta(days=30 * k + 28),
                        note="入户回访",
                        due=p.start + timedelta(days=30 * (k + 1)),
                        on_time=True,
                    )
                    for p in plans
                    for k in range(2)
                ]
            )
        statuses = [
            Status.IN_PROGRESS,
            Status.IN_PROGRESS,
            Status.PENDING_ACCEPTANCE,
            Status.COMPLETED,
            Status.DRAFT,
        ]
        for start in range(0, PROJECTS, 1000):
            projects = Project.objects.bulk_create(
                [
                    Project(
                        title=f"民生实事项目{i}",
                        goal="改善社区居住环境",
                        area=communities[i % len(communities)],
                        source="unit",
                        source_ref=f"bench-{i}",
                        unit=units[i % 20],
                        cadre=cadres[i % len(cadres)],
                        status=statuses[i % len(statuses)],
                        overdue=i % 7 == 0,
                        started_at=now,
                    )
                    for i in range(start, min(PROJECTS, start + 1000))
                ]
            )
            Milestone.objects.bulk_create(
                [
                    Milestone(
                        project=p,
                        seq=k + 1,
                        title=f"节点{k + 1}",
                        due=today + timedelta(days=30 * k - 20),
                        done_on=today - timedelta(days=25) if k == 0 else None,
                    )
                    for p in projects
                    for k in range(4)
                ]
            )
            ProjectEvent.objects.bulk_create(
                [ProjectEvent(project=p, action="create", created_at=now) for p in projects]
            )


def _p95(client, path: str) -> tuple[float, float]:
    assert client.get(path).status_code == 200  # warm
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200
    return percentile(times, 95) * 1000, percentile(times, 50) * 1000


def phase() -> None:
    if not _ensure_database():
        return
    django_setup(
        {
            "DATABASE_URL": PG_URL,
            "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-assistance-bench-"),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # fixed keys: the encrypted fields must read back in every later run
            "LIANXIN_DATA_KEY": "bench-assistance-data-key-not-for-production-0123456789",
            "LIANXIN_SECRET_KEY": "bench-assistance-secret-key-not-for-production-0123456789",
        }
    )
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from lianxin.accounts.models import User
    from lianxin.assistance.models import Plan
    from lianxin.projects.models import Project

    call_command("migrate", verbosity=0)
    if not Plan.objects.exists():
        _fill()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    n_plans = Plan.objects.count()
    n_projects = Project.objects.count()
    cadre = User.objects.get(username="bench_cadre")
    client = Client()
    client.force_login(cadre)
    p95, p50 = _p95(client, "/assistance/")
    emit(
        "assistance.workbench_cadre_p95",
        p95,
        "ms",
        n_plans,
        limit_ms=100,
        runs=RUNS,
        p50_ms=round(p50, 1),
        cadre_plans=Plan.objects.filter(cadre=cadre).count(),
        load=os.getloadavg()[0],
    )
    anon = Client()
    for name, path in (
        ("projects.public_list_page_p95", "/projects/"),
        ("projects.public_list_api_p95", "/api/v1/projects/"),
    ):
        p95, p50 = _p95(anon, path)
        emit(
            name,
            p95,
            "ms",
            n_projects,
            limit_ms=100,
            runs=RUNS,
            p50_ms=round(p50, 1),
            load=os.getloadavg()[0],
        )


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.bench_assistance", "phase"], cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"bench_assistance failed ({result.returncode})")


if __name__ == "__main__":
    if sys.argv[1:] == ["phase"]:
        phase()
    else:
        main()
