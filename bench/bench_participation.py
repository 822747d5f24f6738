"""Benchmarks of participation, each phase in a child process with its own database:

- `sqlite`: a fresh SQLite file; 10,000 comments on one consultation, the comment list (API page of 20,
  random pages) timed 200 times → p95; 100,000 happiness-survey responses over 20 communities, the
  index by area (`selectors.survey_index`) timed.
- `postgres`: the database `lianxin_bench_participation` (beside `LIANXIN_BENCH_DATABASE_URL`, see
  bench/common.py), recreated; 1,000 citizens sign up for one event with capacity 200 from 16 threads at
  once; reports the wall time and checks exactly 200 confirmed, 800 waiting, none lost.

`--quick`: 1,000 comments, 5,000 responses, 200 sign-ups for 40 places.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bench.common import ROOT, admin_url, database_name, database_url, django_setup, emit, percentile, scaled

COMMENTS = scaled(10_000, 1_000)
RESPONSES = scaled(100_000, 5_000)
SIGNUPS = scaled(1_000, 200)
CAPACITY = scaled(200, 40)
PG_URL = database_url("participation")


def _base():
    from django.core.management import call_command

    from lianxin.accounts.models import User
    from lianxin.org.models import Area, AreaLevel, Unit, UnitKind

    call_command("migrate", verbosity=0)
    district = Area.objects.create(code="P01", name="参与区", level=AreaLevel.DISTRICT)
    communities = [
        Area.objects.create(code=f"P01{i:03d}", name=f"社区{i}", level=AreaLevel.COMMUNITY, parent=district)
        for i in range(20)
    ]
    unit = Unit.objects.create(code="PU1", name="参与街道", kind=UnitKind.STREET, area=district)
    cadre = User.objects.create(username="bench-cadre", roles="cadre", unit=unit, area_scope=district)
    return district, communities, cadre


def phase_sqlite() -> None:
    var_dir = tempfile.mkdtemp(prefix="lianxin-part-")
    django_setup({"LIANXIN_VAR_DIR": var_dir})
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from lianxin.participation import selectors, services
    from lianxin.participation.models import Comment, SurveyResponse

    settings.ALLOWED_HOSTS = ["*"]
    district, communities, cadre = _base()
    now = timezone.now()
    c = services.consultation_create(
        actor=cadre,
        title="方案",
        kind="plan",
        body="正文",
        area=district,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
    )
    services.consultation_publish(consultation=c, actor=cadre)
    rng = random.Random(7)
    Comment.objects.bulk_create(
        [
            Comment(
                consultation=c,
                body=f"意见{i}：建议增加停车位和绿化，联系电话1380000{i % 10000:04d}",
                identity=f"u:{i}",
                display="王*",
                created_at=now - timedelta(seconds=i),
            )
            for i in range(COMMENTS)
        ],
        batch_size=2000,
    )
    client = Client()
    pages = max(1, COMMENTS // 20)
    times = []
    for _ in range(200):
        page = rng.randint(1, min(pages, 50))
        start = time.perf_counter()
        response = client.get(f"/api/v1/consultations/{c.pk}/comments/?page={page}")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200 and len(response.json()) == 20
    emit("participation_comment_list_p95", round(percentile(times, 95), 2), "ms", COMMENTS, requests=200)

    today = timezone.localdate()
    survey = services.survey_create(
        actor=cadre,
        title="幸福指数",
        area=district,
        period_start=today - timedelta(days=5),
        period_end=today + timedelta(days=5),
        questions=[
            {"text": d, "kind": "scale5", "dimension": d}
            for d in [
                "income",
                "housing",
                "education",
                "health",
                "social_security",
                "safety",
                "environment",
                "public_services",
            ]
        ],
    )
    dims = [
        "income",
        "housing",
        "education",
        "health",
        "social_security",
        "safety",
        "environment",
        "public_services",
    ]
    from lianxin.participation import happiness

    batch = []
    for i in range(RESPONSES):
        scores = {d: float(rng.choice([0, 25, 50, 75, 100])) for d in dims}
        index_value = happiness.response_index(scores, survey.weights)
        batch.append(
            SurveyResponse(
                survey=survey,
                area=communities[i % 20],
                identity=f"u:{i}",
                at=now,
                scores=scores,
                index=index_value,
            )
        )
        if len(batch) == 5000:
            SurveyResponse.objects.bulk_create(batch)
            batch = []
    SurveyResponse.objects.bulk_create(batch)
    start = time.perf_counter()
    index = selectors.survey_index(survey=survey)
    seconds = time.perf_counter() - start
    if index["total"].n != RESPONSES or not all(ch.figure.published for ch in index["children"]):
        raise SystemExit(
            f"index counted {index['total'].n} of {RESPONSES}: {[(c.area.name, c.figure.n) for c in index['children']][:3]}"
        )
    emit(
        "participation_happiness_index_by_area",
        round(seconds, 3),
        "s",
        RESPONSES,
        areas=len(index["children"]),
    )


def _recreate(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url).replace("postgres://", "postgresql://"), autocommit=True) as conn:
        name = database_name(url)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def phase_postgres() -> None:
    from bench.common import reachable

    if not reachable(PG_URL):
        print(f"# PostgreSQL at {PG_URL} unreachable; sign-up concurrency skipped", flush=True)
        return
    _recreate(PG_URL)
    django_setup({"DATABASE_URL": PG_URL, "LIANXIN_VAR_DIR": tempfile.mkdtemp(prefix="lianxin-part-pg-")})
    from django.db import connection
    from django.utils import timezone

    from lianxin.accounts.models import User
    from lianxin.participation import services
    from lianxin.participation.models import Event, SignUp

    district, _communities, cadre = _base()
    User.objects.bulk_create([User(username=f"c{i}", roles="citizen", password="!") for i in range(SIGNUPS)])
    citizens = list(User.objects.filter(roles="citizen").order_by("pk"))
    now = timezone.now()
    event = services.event_create(
        actor=cadre,
        title="议事会",
        kind="council",
        area=district,
        place="会议室",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
        capacity=CAPACITY,
    )
    connection.close()
    errors: list[str] = []

    def sign(user: User) -> None:
        from django.db import connection as conn

        for _attempt in range(5):
            try:
                services.event_sign_up(event=event, actor=user)
                break
            except Exception as exc:  # noqa: BLE001 - a serialisation failure is retried; any other is reported
                if _attempt == 4:
                    errors.append(f"{type(exc).__name__}: {exc}")
        conn.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(sign, citizens))
    seconds = time.perf_counter() - start
    rows = SignUp.objects.filter(event=event)
    confirmed = rows.filter(status="confirmed").count()
    waiting = rows.filter(status="waiting").count()
    counted = Event.objects.get(pk=event.pk).confirmed_count
    ok = confirmed == CAPACITY == counted and confirmed + waiting == SIGNUPS and not errors
    emit(
        "participation_signups_concurrent",
        round(seconds, 3),
        "s",
        SIGNUPS,
        threads=16,
        capacity=CAPACITY,
        confirmed=confirmed,
        waiting=waiting,
        lost=SIGNUPS - confirmed - waiting,
        errors=len(errors),
        ok=ok,
    )
    if not ok:
        raise SystemExit(f"capacity broken: {confirmed} confirmed, {waiting} waiting, {errors[:3]}")


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for phase in ("sqlite", "postgres"):
        result = subprocess.run([sys.executable, "-m", "bench.bench_participation", phase], cwd=ROOT, env=env)
        if result.returncode:
            raise RuntimeError(f"bench_participation phase {phase} failed ({result.returncode})")


if __name__ == "__main__":
    {"sqlite": phase_sqlite, "postgres": phase_postgres}[sys.argv[1]]()
