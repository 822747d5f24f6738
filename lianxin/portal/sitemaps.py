from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from lianxin.portal import selectors
from lianxin.portal.models import PortalCategory


class ArticleSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6
    limit = 5000

    def items(self):
        return (
            selectors.public_articles()
            .only("id", "category__slug", "updated_at", "published_at")
            .order_by("-id")
        )

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return list(PortalCategory.objects.all())


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["portal:home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "articles": ArticleSitemap}
