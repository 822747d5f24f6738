"""The publishing site over the API: articles. Published articles (whose time has come) for anyone;
drafts, articles in review and withdrawn ones for editors (editor, admin), as on the editors' pages.
Thin: parse, call a selector, serialise."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from lianxin.core.api_docs import PUBLIC_AUTH, errors, ok_example
from lianxin.core.api_etag import ETAG_PARAMETERS, NOT_MODIFIED, ETagMixin
from lianxin.core.api_filters import SINCE, UNTIL, choice_param, refuse, since_until
from lianxin.core.api_pagination import cursor_by
from lianxin.core.params import as_id
from lianxin.portal import selectors
from lianxin.portal.models import Article, ArticleKind, ArticleState, PortalCategory
from lianxin.portal.workflow import is_editor

TAGS = ["portal"]
STATES = [*ArticleState.values, "all"]


class PortalCategoryRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PortalArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    category = PortalCategoryRefSerializer()
    kind = serializers.CharField(help_text=" | ".join(ArticleKind.values))
    summary = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    author_unit = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    url = serializers.CharField(allow_null=True, help_text="the article's page (published articles)")
    cover = serializers.CharField(allow_null=True)
    state = serializers.CharField(help_text=" | ".join(ArticleState.values))
    updated_at = serializers.DateTimeField()


class PortalArticleDetailSerializer(PortalArticleSerializer):
    body = serializers.CharField(help_text="sanitised HTML")
    review_note = serializers.CharField(required=False, help_text="editors only")


def article_row(a: Article, *, body: bool = False, editor: bool = False) -> dict[str, Any]:
    public = (
        a.state == ArticleState.PUBLISHED and a.published_at is not None and a.published_at <= timezone.now()
    )
    row: dict[str, Any] = {
        "id": a.pk,
        "title": a.title,
        "category": {"id": a.category.pk, "slug": a.category.slug, "name": a.category.name},
        "kind": a.kind,
        "summary": a.summary,
        "source": a.source,
        "author_unit": a.author_unit,
        "published_at": a.published_at,
        "tags": [t.name for t in a.tags.all()],
        "url": a.get_absolute_url() if public else None,
        "cover": a.cover.url if a.cover else None,
        "state": a.state,
        "updated_at": a.updated_at,
    }
    if body:
        row["body"] = a.body
        if editor:
            row["review_note"] = a.review_note
    return row


def _require_editor(request: Request) -> None:
    """Articles not yet (or no longer) public: 401 without credentials, 403 for a non-editor."""
    if not request.user.is_authenticated:
        raise NotAuthenticated
    if not is_editor(request.user):  # type: ignore[arg-type]  # authenticated: a User
        raise DrfPermissionDenied(_("只有编辑可以查看未发布的文章"))


def _day_bounds(since: date | None, until: date | None, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if since:
        out[f"{field}__date__gte"] = since
    if until:
        out[f"{field}__date__lte"] = until
    return out


ARTICLE_EXAMPLE = {
    "id": 42,
    "title": "关于老旧小区加装电梯补贴政策的解读",
    "category": {"id": 2, "slug": "policy", "name": "政策解读"},
    "kind": "policy",
    "summary": "加装电梯每台最高补贴 20 万元，本文解读申请条件与流程。",
    "source": "市住建局",
    "author_unit": "市住建局",
    "published_at": "2026-11-20T09:00:00+08:00",
    "tags": ["加装电梯", "老旧小区"],
    "url": "/portal/policy/42/",
    "cover": None,
    "state": "published",
    "updated_at": "2026-11-20T09:00:00+08:00",
}


class ArticleListView(ETagMixin, generics.GenericAPIView):
    """Published articles, newest first (cursor-paginated); editors may ask for other states."""

    permission_classes = [AllowAny]
    serializer_class = PortalArticleSerializer

    @property
    def paginator(self) -> Any:
        if not hasattr(self, "_paginator"):
            state = self.request.query_params.get("state") or ArticleState.PUBLISHED
            ordering = ("-published_at", "-id") if state == ArticleState.PUBLISHED else ("-id",)
            self._paginator = cursor_by(*ordering)()
        return self._paginator

    @extend_schema(
        tags=TAGS,
        summary="Articles (published: anyone; other states: editors)",
        description="Published articles are ordered by publication time, newest first, and filtered by it; "
        "the other states (editors) by id, filtered by the day they were last changed.",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=STATES, description="default `published`"),
            OpenApiParameter(
                "category", OpenApiTypes.STR, description="section id or slug, with its subsections"
            ),
            OpenApiParameter("tag", OpenApiTypes.STR, description="tag name"),
            OpenApiParameter("kind", OpenApiTypes.STR, enum=ArticleKind.values),
            SINCE,
            UNTIL,
            *ETAG_PARAMETERS,
        ],
        responses={200: PortalArticleSerializer(many=True), 304: NOT_MODIFIED, **errors(400, 401, 403)},
        examples=[ok_example("article", ARTICLE_EXAMPLE)],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        state = choice_param(params, "state", STATES) or ArticleState.PUBLISHED
        since, until = since_until(params)
        editor = False
        qs: QuerySet[Article]
        if state == ArticleState.PUBLISHED:
            qs = selectors.public_articles().filter(**_day_bounds(since, until, "published_at"))
        else:
            _require_editor(request)
            editor = True
            qs = selectors.editor_article_list(user=request.user, state="" if state == "all" else state)  # type: ignore[arg-type]  # an editor
            qs = qs.filter(**_day_bounds(since, until, "updated_at"))
        raw_category = (params.get("category") or "").strip()
        if raw_category:
            pk = as_id(raw_category)
            categories = PortalCategory.objects.all()
            category = (
                categories.filter(pk=pk).first() if pk else categories.filter(slug=raw_category[:60]).first()
            )
            if category is None:
                raise refuse("category", _("栏目不存在"))
            qs = qs.filter(category_id__in=selectors.category_and_descendant_ids(category))
        tag = (params.get("tag") or "").strip()
        if tag:
            qs = qs.filter(tags__name=tag[:30])
        kind = choice_param(params, "kind", ArticleKind.values)
        if kind:
            qs = qs.filter(kind=kind)
        qs = qs.select_related("category").prefetch_related("tags")
        page = self.paginate_queryset(qs)
        rows = [article_row(a, editor=editor) for a in page or []]
        return self.get_paginated_response(PortalArticleSerializer(rows, many=True).data)


class ArticleDetailView(ETagMixin, generics.GenericAPIView):
    """One article with its body: published for anyone; any state for editors (404 otherwise)."""

    permission_classes = [AllowAny]
    serializer_class = PortalArticleDetailSerializer

    @extend_schema(
        tags=TAGS,
        summary="One article (published: anyone; any state: editors)",
        parameters=ETAG_PARAMETERS,
        responses={200: PortalArticleDetailSerializer, 304: NOT_MODIFIED, **errors(404)},
        examples=[ok_example("article", {**ARTICLE_EXAMPLE, "body": "<p>为改善老旧小区居民出行条件……</p>"})],
        auth=PUBLIC_AUTH,
    )
    def get(self, request: Request, pk: int) -> Response:
        editor = is_editor(request.user)  # type: ignore[arg-type]  # a User or the anonymous user
        article = selectors.editor_article_get(pk) if editor else selectors.article_get_public(pk)
        return Response(PortalArticleDetailSerializer(article_row(article, body=True, editor=editor)).data)
