"""Open311 GeoReport v2, mounted at /open311/v2/ by the root urlconf:
`path("open311/v2/", include("lianxin.interconnect.open311_urls"))`."""

from django.urls import re_path

from lianxin.interconnect import open311_views as views

app_name = "open311"
FMT = r"(?P<fmt>json|xml)"

urlpatterns = [
    re_path(rf"^discovery\.{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services\.{FMT}$", views.services, name="services"),
    re_path(rf"^services/(?P<code>[-\w]{{1,40}})\.{FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests\.{FMT}$", views.requests, name="requests"),
    re_path(rf"^requests/(?P<request_id>[-\w]{{1,40}})\.{FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[-\w]{{1,40}})\.{FMT}$", views.token, name="token"),
]
