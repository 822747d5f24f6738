"""Routing (派单规则): which unit should lead a demand, from admin-editable rules.

A rule matches when its category (if any) is the demand's category or an ancestor of it, and its
area (if any) is the demand's area or an ancestor. Among matches the highest priority wins, then
the most specific (deeper category, then deeper area). With no match the fallback (兜底) rule's
unit is proposed, then `settings.LIANXIN_DEMANDS_FALLBACK_UNIT` (a unit code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from lianxin.demands.models import RoutingRule
from lianxin.org.models import Area, Category, Unit


@dataclass(frozen=True)
class RoutingProposal:
    unit: Unit
    rule_id: int | None
    reason: str  # "rule" | "fallback" | "settings_fallback"


def _ancestor_paths(node: Category | Area | None) -> set[str]:
    if node is None:
        return set()
    parts = node.path.split("/")
    return {"/".join(parts[: i + 1]) for i in range(len(parts))}


def routing_rules() -> list[RoutingRule]:
    """The rules routing reads, with what it reads of them; pass them to `routing_propose` when
    proposing for several categories at once."""
    rules = RoutingRule.objects.filter(is_active=True, unit__is_active=True, unit__accepts_dispatch=True)
    return list(rules.select_related("category", "area", "unit"))


def routing_propose(
    *, category: Category | None, area: Area | None, rules: Sequence[RoutingRule] | None = None
) -> RoutingProposal | None:
    cat_paths, area_paths = _ancestor_paths(category), _ancestor_paths(area)
    best: RoutingRule | None = None
    best_key: tuple[int, int, int] | None = None
    fallback: RoutingRule | None = None
    for rule in routing_rules() if rules is None else rules:
        if rule.is_fallback:
            if fallback is None:
                fallback = rule
            continue
        # no category (area): the rule matches every category (area)
        rule_category, rule_area = rule.category, rule.area
        if rule_category is not None and rule_category.path not in cat_paths:
            continue
        if rule_area is not None and rule_area.path not in area_paths:
            continue
        key = (
            rule.priority,
            rule_category.depth + 1 if rule_category is not None else 0,
            rule_area.depth + 1 if rule_area is not None else 0,
        )
        if best_key is None or key > best_key:
            best, best_key = rule, key
    if best is not None:
        return RoutingProposal(best.unit, best.pk, "rule")
    if fallback is not None:
        return RoutingProposal(fallback.unit, fallback.pk, "fallback")
    code = settings.LIANXIN_DEMANDS_FALLBACK_UNIT
    unit = Unit.objects.filter(code=code, is_active=True).first() if code else None
    return RoutingProposal(unit, None, "settings_fallback") if unit else None
