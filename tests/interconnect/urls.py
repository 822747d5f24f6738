"""The project's URLs plus Open311 at /open311/v2/ (until the root urlconf mounts it)."""

from django.urls import include, path

from lianxin.urls import handler400, handler403, handler404
from lianxin.urls import urlpatterns as project

urlpatterns = [path("open311/v2/", include("lianxin.interconnect.open311_urls")), *project]
__all__ = ["handler400", "handler403", "handler404", "urlpatterns"]
