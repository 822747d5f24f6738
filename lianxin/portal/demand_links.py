"""What the publishing site adds to demand pages (registered with lianxin.demands.extensions in
PortalConfig.ready): the policy and law articles for answering a demand (相关政策)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lianxin.demands import extensions
from lianxin.demands.extensions import Panel
from lianxin.demands.models import Demand
from lianxin.portal.models import Article, ArticleState
from lianxin.portal.selectors import related_policies


def demand_policies(demand: Demand) -> list[Article]:
    return related_policies(category=demand.category, text=f"{demand.title} {demand.content[:200]}")


def policies_panel(request: HttpRequest | None, *, policies: list[Any]) -> Panel:
    return Panel("portal/_related_policies.html", {"policies": policies})


def article_citation(article_id: int) -> tuple[str, str] | None:
    """Title and address of a published article, for an answer that cites it."""
    article = Article.objects.filter(pk=article_id, state=ArticleState.PUBLISHED).first()
    return (article.title, article.get_absolute_url()) if article is not None else None


def register() -> None:
    extensions.lookups_register(related_policies=demand_policies, article_citation=article_citation)
    extensions.panel_register("related_policies", policies_panel)
