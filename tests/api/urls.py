"""The project's URLs, with the organisation's API mounted when lianxin/urls.py does not mount it yet
(org is not an optional app; the lead adds its include to the API root)."""

from django.urls import NoReverseMatch, include, path, reverse

from lianxin.urls import handler400, handler403, handler404  # noqa: F401  (the project's error views)
from lianxin.urls import urlpatterns as _root

urlpatterns = list(_root)
try:
    reverse("org-area-list", urlconf="lianxin.urls")
except NoReverseMatch:
    urlpatterns.insert(0, path("api/v1/", include("lianxin.org.api_urls")))
