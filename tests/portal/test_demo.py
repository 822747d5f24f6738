"""The demo loader: sections, published articles reviewed by a second editor, knowledge-base links."""

from __future__ import annotations

import random

import pytest
from django.utils import timezone

from lianxin.core.demo import DemoContext
from lianxin.portal.models import Article, ArticleState, PortalCategory
from lianxin.portal.selectors import related_policies

pytestmark = pytest.mark.django_db


def test_demo_loads_a_working_site(client):
    from lianxin.accounts import demo as accounts_demo
    from lianxin.org import demo as org_demo
    from lianxin.portal import demo as portal_demo

    ctx = DemoContext(now=timezone.now(), rng=random.Random(1))
    org_demo.load(ctx)
    accounts_demo.load(ctx)
    portal_demo.load(ctx)
    published = Article.objects.filter(state=ArticleState.PUBLISHED)
    assert published.count() == len(portal_demo.ARTICLES)
    assert Article.objects.filter(state=ArticleState.REVIEW).count() == 1
    assert all(a.reviewer.username == "editor2" and a.author.username == "editor" for a in published)
    assert PortalCategory.objects.filter(in_footer_nav=True).count() >= 4
    wages = ctx.objects["portal_articles"][3].demand_categories.first()
    assert any("工资" in a.title for a in related_policies(category=wages))
    for article in published:
        assert (
            client.get(
                article.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 (X11) Chrome/120 x"
            ).status_code
            == 200
        )
    assert client.get("/portal/").status_code == 200
