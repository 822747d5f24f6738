"""The demo data gives the demo cadre households to work on, one lifted and one overdue."""

from django.utils import timezone

from lianxin.accounts.models import User
from lianxin.assistance.models import Plan, PlanStatus


def test_demo_cadre_has_plans_one_lifted_one_overdue(demo):
    cadre = User.objects.get(username="cadre")
    plans = Plan.objects.filter(cadre=cadre)
    assert plans.count() >= 2
    assert plans.filter(status=PlanStatus.LIFTED).exists()
    assert plans.filter(status=PlanStatus.ACTIVE, next_due__lt=timezone.localdate()).exists()
