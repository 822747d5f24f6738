"""Mediation benchmarks on PostgreSQL (database `lianxin_bench_mediation` on postgres://postgres@127.0.0.1:5432,
created when missing and filled once; `dropdb -h 127.0.0.1 -U postgres lianxin_bench_mediation` starts afresh):

- 100,000 cases over 1,000 grids of 20 streets, each with 2 parties (encrypted, as the services store them),
  its mediator (one of 500) and its opening event; 30 % agreed, 10 % referred, the rest open or being
  mediated, a tenth of the active ones past their deadline;
- the mediator's workbench page (`/mediation/`, Django test client, a logged-in mediator with 200 cases)
  and a supervisor's (all 100,000 cases in scope): p95 of 50 requests each (limit 100 ms);
- the 调解协议书 of an agreed case as DOCX and as PDF: the slowest of 10 renderings each (limit 1 s).

Runs in a child process so Django is configured once with the bench database. Skips with a message when
PostgreSQL is absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from bench.common import ROOT, admin_url, database_name, database_url, django_setup, emit, percentile, scaled

PG_URL = database_url("mediation")  # lianxin_bench_mediation beside LIANXIN_BENCH_DATABASE_URL
DB = database_name(PG_URL)
PG_ADMIN = admin_url(PG_URL)
CASES = int(os.environ.get("LIANXIN_BENCH_MEDIATION_CASES", str(scaled(100_000, 5_000))))
MEDIATORS = 500
RUNS = 50


def _ensure_database() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone():
                conn.execute(f'CREATE DATABASE "{DB}"')
    except Exception as exc:  # noqa: BLE001 - no PostgreSQL: skip
        print(f"bench_mediation: PostgreSQL unavailable ({exc}); skipped", file=sys.stderr)
        return False
    return True


def _fill() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.mediation.choices import DisputeType, Performance, Status
    from lianxin.mediation.models import Case, CaseEvent, CaseMediator
    from lianxin.org.models import Area, AreaLevel

    now = timezone.now()
    types = list(DisputeType.values)
    with transaction.atomic():
        city = Area.objects.create(code="MB", name="调解测试市", level=AreaLevel.CITY)
        district = Area.objects.create(code="MB01", name="一区", level=AreaLevel.DISTRICT, parent=city)
        grids = []
        for s in range(20):
            street = Area.objects.create(
                code=f"MB01{s:03d}", name=f"街道{s}", level=AreaLevel.STREET, parent=district
            )
            for c in range(10):
                community = Area.objects.create(
                    code=f"{street.code}{c:02d}",
                    name=f"社区{s}-{c}",
                    level=AreaLevel.COMMUNITY,
                    parent=street,
                )
                for g in range(5):
                    grids.append(
                        Area.objects.create(
                            code=f"{community.code}{g:02d}",
                            name=f"网格{s}-{c}-{g}",
                            level=AreaLevel.GRID,
                            parent=community,
                        )
                    )
        mediators = [
            User(username=f"med{i:03d}", roles="handler", display_name=f"调解员{i}") for i in range(MEDIATORS)
        ]
        for u in mediators:
            u.set_unusable_password()
        User.objects.bulk_create(mediators)
        mediators = list(User.objects.filter(username__startswith="med").order_by("username"))
        supervisor = User(username="bench_supervisor", roles="supervisor", display_name="督查")
        supervisor.set_password("bench")
        supervisor.save()
    batch = 5000
    for start in range(0, CASES, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(start + batch, CASES)):
                opened = now - timedelta(days=i % 60, minutes=i % 1440)
                kind = i % 10
                status = (
                    Status.AGREED
                    if kind < 3
                    else Status.REFERRED
                    if kind == 3
                    else Status.MEDIATING
                    if kind < 7
                    else Status.OPEN
                )
                agreed = opened + timedelta(days=5) if status == Status.AGREED else None
                concluded = agreed or (opened + timedelta(days=7) if status == Status.REFERRED else None)
                active = status in (Status.OPEN, Status.MEDIATING)
                due = (opened + timedelta(days=30)).date()
                rows.append(
                    Case(
                        case_no=f"TJB{i:09d}",
                        title=f"纠纷{i}",
                        summary="双方因琐事发生争执，要求调解。",
                        type=types[i % len(types)],
                        area=grids[i % len(grids)],
                        start_level="grid",
                        level="grid" if i % 7 else "village",
                        escalation_count=0 if i % 7 else 1,
                        status=status,
                        opened_at=opened,
                        due_on=due,
                        overdue=active and due < now.date(),
                        agreed_at=agreed,
                        concluded_at=concluded,
                        performance=Performance.PERFORMED if agreed and i % 2 else "",
                        agreement_terms="一、双方和解。" if agreed else "",
                    )
                )
            cases = Case.objects.bulk_create(rows)
            CaseMediator.objects.bulk_create(
                [
                    CaseMediator(case=c, user=mediators[(start + j) % MEDIATORS], lead=True)
                    for j, c in enumerate(cases)
                ]
            )
            CaseEvent.objects.bulk_create(
                [CaseEvent(case=c, action="open", to_status="open", created_at=c.opened_at) for c in cases]
            )
        print(f"bench_mediation: {min(start + batch, CASES)} cases", file=sys.stderr)
    _fill_parties()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _fill_parties() -> None:
    """Two parties per case, encrypted with the bench's fixed data key (as the services store them)."""
    from django.db import transaction

    from lianxin.mediation.models import Case, Party

    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 10000):
        with transaction.atomic():
            Party.objects.bulk_create(
                [
                    Party(case_id=pk, role=role, name=name, phone=f"137{pk % 10**8:08d}")
                    for pk in ids[start : start + 10000]
                    for role, name in (("applicant", "王秀英"), ("respondent", "李德明"))
                ]
            )


def _parties_readable() -> bool:
    from lianxin.mediation.models import Party

    try:
        first = Party.objects.order_by("pk").first()
    except ValueError:  # written with another data key (an earlier run without the fixed one)
        return False
    return first is not None


def phase() -> None:
    if not _ensure_database():
        return
    django_setup(
        {
            "DATABASE_URL": PG_URL,
            "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-mediation-bench-"),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            # fixed keys: the encrypted parties must read back in every later run
            "LIANXIN_DATA_KEY": "bench-mediation-data-key-not-for-production-0123456789",
            "LIANXIN_SECRET_KEY": "bench-mediation-secret-key-not-for-production-0123456789",
        }
    )
    from django.core.management import call_command
    from django.test import Client

    from lianxin.accounts.models import User
    from lianxin.mediation.documents import agreement_docx, agreement_pdf
    from lianxin.mediation.models import Case

    call_command("migrate", verbosity=0)
    if not Case.objects.exists():
        _fill()
    elif not _parties_readable():
        from lianxin.mediation.models import Party

        Party.objects.all().delete()
        _fill_parties()
    n = Case.objects.count()
    mediator = User.objects.get(username="med007")

    medians: dict[str, float] = {}

    def page_p95(user: User) -> float:
        client = Client()
        client.force_login(user)
        assert client.get("/mediation/").status_code == 200  # warm
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            response = client.get("/mediation/")
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200
        medians[user.username] = percentile(times, 50) * 1000
        return percentile(times, 95) * 1000

    emit(
        "mediation.workbench_mediator_p95",
        page_p95(mediator),
        "ms",
        n,
        limit_ms=100,
        runs=RUNS,
        p50_ms=round(medians["med007"], 1),
        load=os.getloadavg()[0],
    )
    supervisor = User.objects.get(username="bench_supervisor")
    emit(
        "mediation.workbench_supervisor_p95",
        page_p95(supervisor),
        "ms",
        n,
        limit_ms=100,
        runs=RUNS,
        p50_ms=round(medians["bench_supervisor"], 1),
        load=os.getloadavg()[0],
    )

    case = Case.objects.filter(status="agreed").order_by("pk").first()
    assert case is not None
    for name, render in (("docx", agreement_docx), ("pdf", agreement_pdf)):
        render(case)  # warm (the font's first registration)
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            content = render(case)
            times.append(time.perf_counter() - t0)
        emit(f"mediation.agreement_{name}_max", max(times), "s", n, limit_s=1.0, runs=10, bytes=len(content))


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run([sys.executable, "-m", "bench.bench_mediation", "phase"], cwd=ROOT, env=env)
    if result.returncode:
        raise RuntimeError(f"bench_mediation failed ({result.returncode})")


if __name__ == "__main__":
    if sys.argv[1:] == ["phase"]:
        phase()
    else:
        main()
