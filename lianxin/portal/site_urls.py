"""Mounted at the site root: /sitemap.xml and /robots.txt."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path
from django.views.decorators.cache import cache_page

from lianxin.portal.sitemaps import SITEMAPS
from lianxin.portal.views import robots_txt

urlpatterns = [
    path(
        "sitemap.xml", cache_page(600)(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="portal-sitemap"
    ),
    path("robots.txt", robots_txt, name="robots-txt"),
]
