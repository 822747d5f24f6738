"""The demo data shows every state of the ledger (pages under `make run` have something to show)."""

from lianxin.projects.models import Project, Status


def test_demo_has_a_project_in_each_state(demo):
    states = set(Project.objects.values_list("status", flat=True))
    assert {Status.COMPLETED, Status.IN_PROGRESS, Status.PENDING_ACCEPTANCE, Status.DRAFT} <= states
    assert Project.objects.filter(overdue=True).exists()
