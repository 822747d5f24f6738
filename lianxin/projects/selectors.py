"""Reads of the 民生实事 ledger: the public list and page, and the staff's own projects."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lianxin.accounts.models import Viewer
from lianxin.core.errors import NotFound
from lianxin.org.models import Area
from lianxin.projects import access
from lianxin.projects.models import (
    PUBLIC_STATUSES,
    Comment,
    CommentStatus,
    Milestone,
    ProgressReport,
    Project,
)


def project_public_list(*, status: str = "", area: Area | None = None, source: str = "") -> QuerySet[Project]:
    """Projects on the public ledger (every state past 拟定), newest first."""
    qs = Project.objects.filter(status__in=PUBLIC_STATUSES)
    if status:
        qs = qs.filter(status=status)
    if area is not None:
        qs = qs.filter(area.subtree_q("area"))
    if source:
        qs = qs.filter(source=source)
    return qs.select_related("area", "unit").defer("goal").order_by("-created_at", "-pk")


def milestone_counts(project_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{project id: (milestones done, milestones)} for one page of projects, in one grouped query."""
    rows = (
        Milestone.objects.filter(project_id__in=project_ids)
        .values("project_id")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(done_on__isnull=False)))
    )
    return {r["project_id"]: (r["done"], r["total"]) for r in rows}


def project_managed_list(*, user: Viewer, status: str = "") -> QuerySet[Project]:
    qs = Project.objects.filter(access.managed_q(user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("area", "unit", "cadre").order_by("-updated_at", "-pk")


def project_get(*, user: Viewer, pk: int | None) -> Project:
    """One project with its milestones, reports and photos, and approved comments; NotFound when the
    user may not see it (a draft is only for those who may manage it)."""
    project = (
        Project.objects.select_related("area", "unit", "cadre", "acceptance")
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("seq")),
            Prefetch(
                "reports",
                queryset=ProgressReport.objects.select_related("milestone", "author").prefetch_related(
                    "photos"
                ),
            ),
            Prefetch(
                "comments",
                queryset=Comment.objects.filter(status=CommentStatus.APPROVED).order_by("-created_at"),
                to_attr="approved_comments",
            ),
        )
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if project is None or not access.may_view(user, project):
        raise NotFound(_("项目不存在或无权查看"))
    return project


def comments_pending(*, project: Project) -> QuerySet[Comment]:
    return project.comments.filter(status=CommentStatus.PENDING).order_by("created_at")
