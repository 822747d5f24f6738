"""Schemathesis over the whole API: every operation of the OpenAPI schema, as every identity (anonymous,
citizen, operator, handler, cadre, supervisor, admin), with a bounded number of generated requests each;
any 5xx fails. Requests go through Django's test client, so they see the test's database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from rest_framework.test import APIClient

from tests.demands.factories import build_world, make_demand

pytestmark = [pytest.mark.slow, pytest.mark.django_db, pytest.mark.xdist_group("schemathesis")]

IDENTITIES = ("anonymous", "citizen", "operator", "handler", "cadre", "supervisor", "admin")
EXAMPLES = 2
SERVER_ERRORS: list[tuple[str, str, str, int]] = []
SENT: list[tuple[str, str, str]] = []  # (identity, method, operation path) of every request sent

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)
# Generated requests only (valid and invalid ones), a bounded number per operation and identity; no
# coverage phase (it sends hundreds of boundary cases per operation) and no shrinking.
schema.config.phases.update(phases=["examples", "fuzzing"])
schema.config.generation.update(max_examples=EXAMPLES, no_shrink=True, deterministic=True)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        world = build_world()
        for status in ("submitted", "in_progress", "replied"):
            make_demand(world, status)
    yield world
    # The figures of the run, on the real stderr (past pytest's capture), for the CI log and the closing note.
    operations = {(m, p) for _, m, p in SENT}
    summary = (
        f"schemathesis: {len(operations)} operations x {len({i for i, _, _ in SENT})} identities, "
        f"{len(SENT)} requests, {len(SERVER_ERRORS)} 5xx"
    )
    print("\n" + summary, file=sys.__stderr__)
    var = Path(__file__).resolve().parents[2] / "var"
    var.mkdir(exist_ok=True)
    (var / "schemathesis-summary.txt").write_text(summary + "\n")
    # The world was committed outside any test's transaction: empty the database again, as a
    # transactional test does, or the next tests of this worker would find its rows.
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def _form_value(value):
    """A generated multipart value as a browser would send it: text or bytes (nested data as JSON text)."""
    if value is None or isinstance(value, str | bytes):
        return value
    return json.dumps(value, default=str)


def _send(api: APIClient, case) -> int:
    if case.query:
        query = "&".join(
            f"{k}={v}"
            for k, values in case.query.items()
            for v in (values if isinstance(values, list) else [values])
        )
        path = f"{case.formatted_path}?{query}"
    else:
        path = case.formatted_path
    headers = {
        k: str(v)
        for k, v in (case.headers or {}).items()
        if k.lower() not in ("content-type", "authorization")
    }
    method = str(case.method).upper()
    if case.body is not None and case.media_type and "multipart" in case.media_type and method == "POST":
        form = {str(k): _form_value(v) for k, v in (case.body if isinstance(case.body, dict) else {}).items()}
        return api.post(
            path, {k: v for k, v in form.items() if v is not None}, format="multipart", headers=headers
        ).status_code
    data = json.dumps(case.body, default=str) if case.body is not None else ""
    # Any method the generator chose (it also tries methods an operation does not allow).
    return api.generic(method, path, data, content_type="application/json", headers=headers).status_code


@pytest.mark.parametrize("identity", IDENTITIES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, identity, world):
    api = APIClient(raise_request_exception=False)
    if identity != "anonymous":
        api.force_authenticate(world[identity])
    status = _send(api, case)
    SENT.append((identity, str(case.method).upper(), case.path))
    if status >= 500:
        SERVER_ERRORS.append((identity, case.method, case.formatted_path, status))
    assert status < 500, f"{identity} {case.method} {case.formatted_path}: {status}"
