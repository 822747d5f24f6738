from datetime import datetime, timedelta

from django.utils import timezone

from lianxin.demands.deadlines import DeadlinePolicyResolver, default_limits
from lianxin.demands.models import DeadlinePolicy, RoutingRule
from lianxin.demands.routing import routing_propose
from lianxin.org.models import Area, AreaLevel


def test_domain_defaults():
    assert default_limits("consultation", "normal").reply_working_days == 3
    assert default_limits("help", "normal").reply_working_days == 5
    assert default_limits("complaint", "normal").reply_working_days == 10
    assert default_limits("suggestion", "normal").reply_working_days == 10
    assert default_limits("report", "normal").reply_working_days == 15
    critical = default_limits("help", "critical")
    assert critical.dispatch_minutes == 30 and critical.sign_hours == 2
    assert default_limits("help", "normal").dispatch_minutes == 120


def test_policy_overrides_most_specific_first(world):
    DeadlinePolicy.objects.create(type="complaint", reply_working_days=7)
    DeadlinePolicy.objects.create(category=world.category, reply_working_days=4)
    DeadlinePolicy.objects.create(category=world.subcategory, urgency="urgent", dispatch_minutes=45)
    resolver = DeadlinePolicyResolver()
    assert resolver.limits(demand_type="complaint", urgency="normal", category=None).reply_working_days == 7
    limits = resolver.limits(demand_type="complaint", urgency="urgent", category=world.subcategory)
    assert limits.reply_working_days == 4 and limits.dispatch_minutes == 45


def test_sign_due_in_hours_for_critical(db):
    resolver = DeadlinePolicyResolver()
    start = timezone.make_aware(datetime(2026, 3, 6, 17, 0))
    assert resolver.sign_due(start, default_limits("help", "critical")) == start + timedelta(hours=2)
    due = resolver.sign_due(start, default_limits("help", "normal"))
    assert timezone.localtime(due).date().isoformat() == "2026-03-09"  # Friday → Monday


def test_routing_priority_specificity_and_fallback(world):
    community = Area.objects.create(
        code=world.street.code + "001", name="社区", level=AreaLevel.COMMUNITY, parent=world.street
    )
    assert routing_propose(category=world.subcategory, area=community) is None
    fallback = RoutingRule.objects.create(unit=world.centre if False else world.other_unit, is_fallback=True)
    assert routing_propose(category=None, area=None).reason == "fallback"
    RoutingRule.objects.create(category=world.category, unit=world.unit, priority=10)
    RoutingRule.objects.create(area=world.street, unit=world.other_unit, priority=10)
    # Equal priority: the deeper category wins over the area rule? both depth-based; category depth counts first.
    proposal = routing_propose(category=world.subcategory, area=community)
    assert proposal.unit == world.unit and proposal.reason == "rule"
    RoutingRule.objects.create(area=world.street, unit=world.other_unit, priority=20)
    assert routing_propose(category=world.subcategory, area=community).unit == world.other_unit
    assert fallback.pk
