"""Reads of the publishing site: public articles (published and due), navigation, lists, search and the
knowledge base (`related_policies`, called by the demands app)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import User
from lianxin.core.errors import NotFound
from lianxin.org.models import Category as DemandCategory
from lianxin.portal import search
from lianxin.portal.models import Article, ArticleKind, ArticleState, PortalCategory, SiteSettings, Tag
from lianxin.portal.sanitize import body_plain_text

NAV_CACHE_SECONDS = 300


def public_articles() -> QuerySet[Article]:
    """Published articles whose publication time has come (scheduled ones stay hidden until then)."""
    return Article.objects.filter(
        state=ArticleState.PUBLISHED, published_at__lte=timezone.now()
    ).select_related("category")


def site_settings_get() -> SiteSettings:
    site = SiteSettings.objects.filter(pk=1).first()
    if site is None:
        default_name = settings.LIANXIN_PORTAL_SITE_NAME
        site = SiteSettings(pk=1, name=default_name)
    return site


@dataclass(frozen=True)
class Navigation:
    site: SiteSettings
    top: list[PortalCategory]
    footer: list[PortalCategory]


def navigation_get() -> Navigation:
    site = site_settings_get()
    categories = list(PortalCategory.objects.filter(Q(in_top_nav=True) | Q(in_footer_nav=True)))
    return Navigation(
        site=site,
        top=[c for c in categories if c.in_top_nav],
        footer=[c for c in categories if c.in_footer_nav],
    )


def category_get(slug: str) -> PortalCategory:
    category = PortalCategory.objects.filter(slug=slug).first()
    if category is None:
        raise NotFound(_("栏目不存在"))
    return category


def category_and_descendant_ids(category: PortalCategory) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(PortalCategory.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.extend(frontier)
    return ids


def category_article_list(category: PortalCategory) -> QuerySet[Article]:
    return public_articles().filter(category_id__in=category_and_descendant_ids(category))


def tag_get(name: str) -> Tag:
    tag = Tag.objects.filter(name=name).first()
    if tag is None:
        raise NotFound(_("标签不存在"))
    return tag


def tag_article_list(tag: Tag) -> QuerySet[Article]:
    return public_articles().filter(tags=tag)


def article_get_public(pk: int) -> Article:
    article = public_articles().prefetch_related("tags").filter(pk=pk).first()
    if article is None:
        raise NotFound(_("文章不存在或尚未发布"))
    return article


def home_sections(*, per_category: int = 6) -> list[tuple[PortalCategory, list[Article]]]:
    """The latest articles of each top-navigation category, in navigation order."""
    sections = []
    for category in PortalCategory.objects.filter(in_top_nav=True, parent__isnull=True):
        articles = list(category_article_list(category)[:per_category])
        if articles:
            sections.append((category, articles))
    return sections


def latest_articles(*, limit: int = 10) -> list[Article]:
    return list(public_articles()[:limit])


def related_articles(article: Article, *, limit: int = 6) -> list[Article]:
    """Articles sharing the most tags with `article`, then the newest of its category."""
    tag_ids = [t.pk for t in article.tags.all()]
    found: list[Article] = []
    if tag_ids:
        found = list(
            public_articles()
            .filter(tags__in=tag_ids)
            .exclude(pk=article.pk)
            .annotate(shared=Count("tags"))
            .order_by("-shared", "-published_at")[:limit]
        )
    if len(found) < limit:
        more = (
            public_articles()
            .filter(category_id=article.category_id)
            .exclude(pk__in=[article.pk, *[a.pk for a in found]])[: limit - len(found)]
        )
        found.extend(more)
    return found


def previous_next(article: Article) -> tuple[Article | None, Article | None]:
    """The article published just before and just after this one in the same category."""
    same = public_articles().filter(category_id=article.category_id)
    assert article.published_at is not None
    previous = (
        same.filter(
            Q(published_at__lt=article.published_at) | Q(published_at=article.published_at, pk__lt=article.pk)
        )
        .order_by("-published_at", "-pk")
        .first()
    )
    following = (
        same.filter(
            Q(published_at__gt=article.published_at) | Q(published_at=article.published_at, pk__gt=article.pk)
        )
        .order_by("published_at", "pk")
        .first()
    )
    return previous, following


# --- search ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    article: Article
    rank: float
    title_html: str
    snippet_html: str


@dataclass(frozen=True)
class SearchPage:
    query: str
    terms: list[str]
    results: list[SearchResult]
    total: int
    page: int
    pages: int
    capped: bool = False


def article_search(query: str, *, page: int = 1, per_page: int = 10) -> SearchPage:
    """Ranked public articles for `query`, with the query words highlighted in title and snippet."""
    query = (query or "").strip()[:100]
    page = max(1, page)
    terms, hits = search.search_ids(query, limit=per_page, offset=(page - 1) * per_page)
    by_id = {a.pk: a for a in public_articles().filter(pk__in=[i for i, _score in hits.ids_ranked])}
    results = []
    for article_id, rank in hits.ids_ranked:
        article = by_id.get(article_id)
        if article is None:
            continue
        text = body_plain_text(article.body) or article.summary
        results.append(
            SearchResult(
                article=article,
                rank=rank,
                title_html=search.highlight(article.title, terms),
                snippet_html=search.snippet(text, terms),
            )
        )
    pages = max(1, -(-hits.total // per_page))
    return SearchPage(
        query=query,
        terms=terms,
        results=results,
        total=hits.total,
        page=page,
        pages=pages,
        capped=hits.capped,
    )


# --- knowledge base ------------------------------------------------------------------------------

POLICY_KINDS = (ArticleKind.POLICY, ArticleKind.LAW, ArticleKind.NOTICE)


def _ancestor_codes(category: DemandCategory) -> list[str]:
    return [code for code in (category.path or category.code).split("/") if code]


def related_policies(
    *, category: DemandCategory | int | None = None, text: str = "", limit: int = 5
) -> list[Article]:
    """Public policy and law articles for a demand: first those linked to its category (or a parent
    category), then those whose text best matches `text` (the demand's title/content or a draft reply).

    Safe to call from any page: returns an empty list when nothing matches."""
    found: list[Article] = []
    if category is not None:
        if isinstance(category, int):
            category = DemandCategory.objects.filter(pk=category).first()
        if category is not None:
            found = list(
                public_articles()
                .filter(demand_categories__code__in=_ancestor_codes(category))
                .distinct()
                .order_by("-published_at")[:limit]
            )
    text = (text or "").strip()
    if text and len(found) < limit:
        key = "portal:related:" + hashlib.sha1(text[:300].encode()).hexdigest()  # noqa: S324 - a cache key
        ids = cache.get(key)
        if ids is None:
            terms = search.query_terms(text[:300])
            ids = []
            if terms:
                hits = search.index_for_connection().search(terms, any_term=True, limit=limit * 4, offset=0)
                ids = [i for i, _score in hits.ids_ranked]
            cache.set(key, ids, 120)
        have = {a.pk for a in found}
        topic = [t for t in search.query_terms(text[:300]) if len(t) >= 2 and t not in PETITION_WORDS]
        candidates = {a.pk: a for a in public_articles().filter(pk__in=ids, kind__in=POLICY_KINDS)}
        for article_id in ids:
            article = candidates.get(article_id)
            if article and article_id not in have and len(found) < limit and _names_any(article, topic):
                found.append(article)
    return found[:limit]


# Words of almost any demand: an article sharing only these with a demand is not about it (a 公租房 question
# would otherwise be shown the 拖欠工资 article through 申请 and 条件).
PETITION_WORDS = frozenset(
    [
        "咨询",
        "申请",
        "问题",
        "反映",
        "情况",
        "条件",
        "希望",
        "要求",
        "请求",
        "建议",
        "投诉",
        "举报",
        "办理",
        "处理",
        "解决",
        "相关",
        "部门",
        "政府",
        "政策",
        "规定",
        "一下",
        "我们",
        "什么",
        "如何",
        "怎么",
        "为什么",
        "能否",
        "是否",
        "可以",
        "需要",
        "已经",
        "没有",
        "还是",
        "现在",
        "时候",
        "关于",
        "领导",
        "您好",
        "你好",
    ]
)


def _names_any(article: Article, words: list[str]) -> bool:
    """Whether the article's title, summary or body names one of `words` (the text's topic words)."""
    text = f"{article.title} {article.summary} {article.body}"
    return any(word in text for word in words)


# --- editors ---------------------------------------------------------------------------------------


def editor_article_list(*, user: User, state: str = "", mine: bool = False) -> QuerySet[Article]:
    qs = Article.objects.select_related("category", "author", "reviewer").order_by("-updated_at")
    if state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(author=user)
    return qs


def editor_article_get(pk: int) -> Article:
    article = (
        Article.objects.select_related("category", "author", "reviewer", "submitted_by").filter(pk=pk).first()
    )
    if article is None:
        raise NotFound(_("文章不存在"))
    return article
