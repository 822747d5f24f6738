"""Page errors at the edge: ApplicationErrors raised by page views become Lianxin's own pages
(lianxin.core.middleware.ApplicationErrorMiddleware), DEBUG shows our 404 rather than Django's technical
one, and the API keeps its JSON error body."""

from __future__ import annotations

import pytest
from django.http import HttpResponseNotFound
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin import urls as project_urls
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ERRORS = {
    "invalid": ValidationFailed,
    "forbidden": PermissionDenied,
    "missing": NotFound,
    "conflict": Conflict,
}


def raising_page(request, kind):
    raise ERRORS[kind](f"规则不允许：{kind}")


def own_not_found(request):
    return HttpResponseNotFound("<p>这条记录已删除</p>")


class RaisingApi(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request, kind):
        raise ERRORS[kind](f"规则不允许：{kind}")


class Found(APIView):
    def get(self, request):
        return Response({})


# This module is the URLconf of the tests below: the project's URLs plus views that raise.
urlpatterns = [
    path("test-errors/<str:kind>/", raising_page),
    path("test-errors-own-404/", own_not_found),
    path("staff-only/", role_required("supervisor")(raising_page), {"kind": "invalid"}),
    path("api/v1/test-errors/<str:kind>/", RaisingApi.as_view()),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404


@pytest.fixture(autouse=True)
def _raising_views(settings):
    settings.ROOT_URLCONF = __name__


def test_the_middleware_sits_inside_common_and_message_middleware(settings):
    """After MessageMiddleware (its pages show messages) and inside CommonMiddleware, whose APPEND_SLASH
    redirect reads the 404 this middleware leaves."""
    chain = settings.MIDDLEWARE
    mine = chain.index("lianxin.core.middleware.ApplicationErrorMiddleware")
    assert mine == chain.index("django.contrib.messages.middleware.MessageMiddleware") + 1
    assert mine > chain.index("django.middleware.common.CommonMiddleware")


def _templates(response) -> list[str]:
    return [t.name for t in response.templates if t.name]


@pytest.mark.parametrize(
    ("kind", "status"), [("invalid", 400), ("forbidden", 403), ("missing", 404), ("conflict", 409)]
)
@pytest.mark.parametrize("debug", [False, True])
def test_an_application_error_in_a_page_view_is_our_page_for_its_status(
    client, settings, kind, status, debug
):
    settings.DEBUG = debug
    response = client.get(f"/test-errors/{kind}/")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"core/{status}.html" in _templates(response) and "base.html" in _templates(response)
    html = response.content.decode()
    assert f'id="error-message">规则不允许：{kind}</p>' in html
    assert "Traceback" not in html and "DEBUG = True" not in html


def test_a_malformed_period_on_a_real_page_is_a_400_naming_it(client):
    client.force_login(UserFactory(roles="supervisor"))
    response = client.get("/evaluation/?period=2026-13")
    assert response.status_code == 400 and "core/400.html" in _templates(response)
    assert "&#x27;2026-13&#x27;" in response.content.decode()  # the message names the value


def test_with_debug_an_unknown_url_is_our_404_not_the_technical_page(client, settings):
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "core/404.html" in _templates(response)
    html = response.content.decode()
    assert "页面不存在" in html
    assert "URLconf" not in html and "DEBUG = True" not in html and "test-errors" not in html


def test_with_debug_an_http404_raised_by_a_view_is_our_404(client, settings):
    settings.DEBUG = True
    client.force_login(UserFactory(roles="supervisor"))
    response = client.get("/evaluation/cards/cadre/nobody/")
    assert response.status_code == 404 and "core/404.html" in _templates(response)
    assert "URLconf" not in response.content.decode() and "Raised by" not in response.content.decode()


def test_with_debug_a_404_page_a_view_makes_itself_is_left_alone(client, settings):
    settings.DEBUG = True
    response = client.get("/test-errors-own-404/")
    assert response.status_code == 404 and response.content.decode() == "<p>这条记录已删除</p>"


def test_with_debug_a_missing_slash_still_redirects(client, settings):
    settings.DEBUG = True
    response = client.get("/evaluation")
    assert response.status_code == 301 and response["Location"] == "/evaluation/"


@pytest.mark.parametrize("debug", [False, True])
def test_a_role_the_page_refuses_gets_our_403(client, settings, debug):
    settings.DEBUG = debug
    client.force_login(UserFactory(roles="operator"))
    response = client.get("/staff-only/")
    assert response.status_code == 403 and "core/403.html" in _templates(response)
    assert "没有权限访问此页面" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("invalid", 400, "invalid"),
        ("forbidden", 403, "forbidden"),
        ("missing", 404, "not_found"),
        ("conflict", 409, "conflict"),
    ],
)
@pytest.mark.parametrize("debug", [False, True])
def test_api_errors_keep_their_json_body(client, settings, kind, status, code, debug):
    settings.DEBUG = debug
    response = client.get(f"/api/v1/test-errors/{kind}/")
    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": code, "message": f"规则不允许：{kind}"}}


@pytest.mark.parametrize("debug", [False, True])
def test_api_404s_and_real_api_errors_stay_json(client, settings, debug):
    settings.DEBUG = debug
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    UserFactory(username="someone")
    refused = client.post("/api/v1/auth/token/", {"username": "someone", "password": "wrong"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_credentials"
