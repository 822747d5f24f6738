"""Deadline policies (时限): how long each stage may take, per type, category and urgency.

`DeadlinePolicyResolver` is the default policy object; a city with different rules subclasses it and
names the class in `settings.LIANXIN_DEADLINE_POLICY`. Hours are clock hours; days are working days
on the Chinese calendar (lianxin.demands.workdays).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from lianxin.demands.choices import DemandType, Urgency
from lianxin.demands.policy_cache import active_policies
from lianxin.demands.workdays import add_working_days
from lianxin.org.models import Category


@dataclass(frozen=True)
class Limits:
    dispatch_minutes: int
    sign_hours: int | None  # when set, the sign limit is clock hours instead of working days
    sign_working_days: int
    reply_working_days: int
    followup_working_days: int


REPLY_DAYS: dict[str, int] = {
    DemandType.CONSULTATION: 3,
    DemandType.HELP: 5,
    DemandType.COMPLAINT: 10,
    DemandType.SUGGESTION: 10,
    DemandType.REPORT: 15,
    DemandType.PRAISE: 3,
}
# Yellow card when this share of the stage's time has passed.
WARN_FRACTION = float(settings.LIANXIN_DEMANDS_WARN_FRACTION)


def default_limits(demand_type: str, urgency: str) -> Limits:
    critical = urgency == Urgency.CRITICAL
    return Limits(
        dispatch_minutes=30 if critical else 120,
        sign_hours=2 if critical else None,
        sign_working_days=1,
        reply_working_days=REPLY_DAYS.get(demand_type, 5),
        followup_working_days=2,
    )


class DeadlinePolicyResolver:
    """Default policy: domain.md defaults, overridden field by field by matching DeadlinePolicy rows."""

    def limits(self, *, demand_type: str, urgency: str, category: Category | None = None) -> Limits:
        limits = default_limits(demand_type, urgency)
        candidates = []
        paths = []
        if category is not None:
            node: Category | None = category
            while node is not None:
                paths.append(node.pk)
                node = node.parent
        for policy in active_policies():
            if policy.type and policy.type != demand_type:
                continue
            if policy.urgency and policy.urgency != urgency:
                continue
            if policy.category_id and policy.category_id not in paths:
                continue
            depth = len(paths) - paths.index(policy.category_id) if policy.category_id else 0
            score = depth * 4 + (2 if policy.urgency else 0) + (1 if policy.type else 0)
            candidates.append((score, policy.pk, policy))
        for _score, _pk, policy in sorted(candidates, key=lambda c: (c[0], c[1])):
            changes = {
                name: getattr(policy, name)
                for name in (
                    "dispatch_minutes",
                    "sign_hours",
                    "sign_working_days",
                    "reply_working_days",
                    "followup_working_days",
                )
                if getattr(policy, name) is not None
            }
            if "sign_working_days" in changes and "sign_hours" not in changes:
                changes["sign_hours"] = None
            limits = replace(limits, **changes)
        return limits

    def dispatch_due(self, start: datetime, limits: Limits) -> datetime:
        return start + timedelta(minutes=limits.dispatch_minutes)

    def sign_due(self, start: datetime, limits: Limits) -> datetime:
        if limits.sign_hours:
            return start + timedelta(hours=limits.sign_hours)
        return add_working_days(_local(start), limits.sign_working_days)

    def reply_due(self, start: datetime, limits: Limits) -> datetime:
        return add_working_days(_local(start), limits.reply_working_days)

    def followup_due(self, start: datetime, limits: Limits) -> datetime:
        return add_working_days(_local(start), limits.followup_working_days)

    def extension_limit_days(self) -> int:
        return int(settings.LIANXIN_DEMANDS_MAX_EXTENSION_DAYS)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def warn_time(start: datetime, due: datetime) -> datetime:
    return start + (due - start) * WARN_FRACTION


@lru_cache(maxsize=4)
def _policy_class(path: str) -> type[DeadlinePolicyResolver]:
    return import_string(path)


def deadline_policy() -> DeadlinePolicyResolver:
    path = settings.LIANXIN_DEADLINE_POLICY
    return _policy_class(path)()
