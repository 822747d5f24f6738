"""Factories for the publishing site. Articles are made through the services, so they are cleaned,
segmented and indexed exactly as in production."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from lianxin.portal import services
from lianxin.portal.models import Article, ArticleState, PortalCategory
from tests.factories import UserFactory


class PortalCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortalCategory

    name = factory.Sequence(lambda n: f"栏目{n}")
    slug = factory.Sequence(lambda n: f"sec{n}")
    in_top_nav = True
    in_footer_nav = True


def editor(**kwargs):
    return UserFactory(roles="editor", **kwargs)


def published_article(
    *,
    title: str = "关于做好群众工作的通知",
    body: str = "领导干部要深入基层，联系群众，解决群众最关心的问题。",
    category: PortalCategory | None = None,
    tags: str = "群众 工作",
    published_at=None,
    **extra,
) -> Article:
    """A published article (imported-style: state published, revision written)."""
    category = category or PortalCategoryFactory()
    data = services.ArticleInput(
        title=title,
        category=category,
        body=body,
        tags=tags,
        published_at=published_at or timezone.now() - timedelta(hours=1),
        **extra,
    )
    article = Article(state=ArticleState.PUBLISHED)
    tag_objs = services._apply(article, data)
    article.save()
    article.tags.set(tag_objs)
    article.demand_categories.set(data.demand_categories)
    services._revision(article, action="import", actor=None)
    return article
