"""RSS and Atom feeds: the latest articles of the whole site and of each category."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from lianxin.portal import selectors
from lianxin.portal.models import Article, PortalCategory
from lianxin.portal.views import or_404

FEED_SIZE = 30


class LatestFeed(Feed):
    def title(self, obj=None) -> str:
        return selectors.site_settings_get().name

    def link(self, obj=None) -> str:
        return reverse("portal:home")

    def description(self, obj=None) -> str:
        return selectors.site_settings_get().description or "最新文章"

    def items(self, obj=None):
        return selectors.public_articles()[:FEED_SIZE]

    def item_title(self, item: Article) -> str:
        return item.title

    def item_description(self, item: Article) -> str:
        return item.summary

    def item_pubdate(self, item: Article):
        return item.published_at

    def item_author_name(self, item: Article) -> str:
        return item.author_unit or item.source

    def item_categories(self, item: Article):
        return [item.category.name]


class LatestAtomFeed(LatestFeed):
    feed_type = Atom1Feed
    subtitle = LatestFeed.description


class CategoryFeed(LatestFeed):
    def get_object(self, request, slug: str) -> PortalCategory:
        return or_404(selectors.category_get, slug)

    def title(self, obj=None) -> str:
        return f"{selectors.site_settings_get().name} · {obj}"

    def link(self, obj=None) -> str:
        return obj.get_absolute_url() if obj else reverse("portal:home")

    def items(self, obj=None):
        return selectors.category_article_list(obj)[:FEED_SIZE]


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
    subtitle = LatestFeed.description
