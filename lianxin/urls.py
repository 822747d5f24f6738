"""Root URLs. Each app owns `urls.py` (pages, namespaced) and `api_urls.py` (under /api/v1/). The optional
apps above demands (OPTIONAL_APPS) are mounted only when installed, so a deployment may leave one out (the
navigation links only URL names that exist)."""

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from lianxin.accounts.api import MeView, TokenView
from lianxin.core import views as core_views

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path("", include("lianxin.demands.api_urls")),
    path("", include("lianxin.org.api_urls")),
]
OPTIONAL_APPS = [
    "analysis",
    "portal",
    "contact",
    "projects",
    "participation",
    "mediation",
    "assistance",
    "interconnect",
    "notices",
    "evaluation",
]
installed = [label for label in OPTIONAL_APPS if apps.is_installed(f"lianxin.{label}")]
api_v1 += [path("", include(f"lianxin.{label}.api_urls")) for label in installed]

urlpatterns = [
    path("", include(([path("", core_views.home, name="home")], "core"))),
    path("healthz", core_views.healthz, name="healthz"),
    *(
        [path("open311/v2/", include("lianxin.interconnect.open311_urls"))]
        if "interconnect" in installed
        else []
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("lang/<str:code>/", core_views.language_switch, name="language_switch"),
    path("accounts/", include("lianxin.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/.*$", core_views.api_not_found),
    *(
        [path("demands/import/", include("lianxin.imports.urls"))]
        if apps.is_installed("lianxin.imports")
        else []
    ),
    path("demands/", include("lianxin.demands.urls")),
    *(path(f"{label}/", include(f"lianxin.{label}.urls")) for label in installed),
    # Media storage is private (reports, batch zips, visit photos, demand attachments go through views that
    # check permission); only the publishing site's images under portal/ have a public address, in every mode.
]
if "portal" in installed:
    from lianxin.portal.media import public_media  # only with the publishing site installed

    urlpatterns += [
        path("", include("lianxin.portal.site_urls")),
        path(f"{settings.MEDIA_URL.strip('/')}/portal/<path:path>", public_media, name="public-media"),
    ]

handler400 = "lianxin.core.views.bad_request"
handler403 = "lianxin.core.views.permission_denied"
handler404 = "lianxin.core.views.page_not_found"
