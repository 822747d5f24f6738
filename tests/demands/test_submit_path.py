"""The submission hot path: what it no longer asks the database, and that its shortcuts stay correct."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from lianxin.demands import services
from lianxin.demands.models import DeadlinePolicy
from lianxin.demands.policy_cache import active_policies
from lianxin.demands.serializers import (
    DemandSubmitSerializer,
    DemandSubmittedSerializer,
    submission_values,
    submitted_payload,
)


def _submit(**extra):
    return services.demand_submit(actor=None, title="路灯", content="不亮", type="complaint", **extra)[0]


def test_warm_submission_reads_neither_policies_nor_keys(world):
    _submit()  # warms the per-process policy copy
    with CaptureQueriesContext(connection) as ctx:
        r = APIClient().post(
            "/api/v1/demands/", {"title": "t", "content": "c"}, format="json", HTTP_IDEMPOTENCY_KEY="q-1"
        )
    assert r.status_code == 201
    sql = [q["sql"].lower() for q in ctx.captured_queries]
    assert not [s for s in sql if s.startswith("select") and "demands_" in s], sql


def test_policy_change_is_seen_at_once_and_a_rollback_leaves_no_trace(world):
    assert _submit().reply_due_at is None  # reply deadlines start at dispatch; check limits instead
    default = services.limits_of(_submit()).reply_working_days
    policy = DeadlinePolicy.objects.create(type="complaint", reply_working_days=default + 7)
    assert services.limits_of(_submit()).reply_working_days == default + 7
    policy.delete()
    assert services.limits_of(_submit()).reply_working_days == default
    with pytest.raises(RuntimeError), transaction.atomic():
        DeadlinePolicy.objects.create(type="complaint", reply_working_days=default + 9)
        assert services.limits_of(_submit()).reply_working_days == default + 9
        raise RuntimeError("roll back")
    assert services.limits_of(_submit()).reply_working_days == default
    assert all(p.reply_working_days != default + 9 for p in active_policies())


def test_submitted_payload_is_the_serializer_shape(world):
    demand = _submit(idempotency_key="shape-1")
    assert submitted_payload(demand) == DemandSubmittedSerializer(demand).data


_SUBMISSIONS = [
    {"title": "路灯", "content": "不亮"},
    {
        "title": " 路灯 ",
        "content": "不亮",
        "type": "complaint",
        "urgency": "urgent",
        "lat": "28.2",
        "lng": 112,
    },
    {"title": "路灯", "content": "不亮", "category": "城乡建设", "area": "", "contact_phone": "13912345678"},
    {"title": "", "content": "x" * 5001, "type": "bogus", "lat": "north", "lng": 500, "category": "无此分类"},
    {"title": ["a list"], "content": {"a": "dict"}, "address": "x" * 301, "contact_name": True},
    {},
    ["not", "a", "mapping"],
    "a string",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("data", _SUBMISSIONS)
def test_submission_values_are_the_serializers_in_every_language(world, data, language):
    """The once-bound fields validate as a fresh serializer does, with its messages in the active
    language (the fields were bound under whichever language came first)."""
    from django.utils import translation

    from lianxin.org.models import Category

    Category.objects.get_or_create(code="CX", defaults={"name": "城乡建设"})
    with translation.override(language):
        serializer = DemandSubmitSerializer(data=data)
        if serializer.is_valid():
            assert submission_values(data) == dict(serializer.validated_data)
            return
        with pytest.raises(ValidationError) as refused:
            submission_values(data)
        assert refused.value.detail == serializer.errors
        assert str(refused.value.detail) == str(serializer.errors)


def test_retry_with_a_key_returns_the_first_demand_and_leaves_no_second_row(world):
    from lianxin.demands.models import Demand, IdempotencyRecord

    first, created = services.demand_submit(actor=None, title="t", content="c", idempotency_key="k-9")
    again, created_again = services.demand_submit(actor=None, title="t", content="c", idempotency_key="k-9")
    assert created and not created_again and again.pk == first.pk
    assert Demand.objects.filter(title="t").count() == 1
    assert IdempotencyRecord.objects.filter(key="anon:k-9").count() == 1
