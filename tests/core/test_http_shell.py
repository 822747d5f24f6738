import json
import re

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_schema_is_valid_openapi_3(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out), "--validate", "--fail-on-warn")
    schema = yaml.safe_load(out.read_text())
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/me/" in schema["paths"]


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unauthenticated_api_call_uses_error_format(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "not_authenticated"


def test_home_page_speaks_chinese_by_default(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in html
    assert "登录" in html


def test_home_page_in_english_after_switching_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html


def test_the_header_switches_language_by_a_link_that_stays_on_this_site(client):
    html = client.get("/demands/track/").content.decode()
    link = re.search(r'id="language-switch"[^>]*href="([^"]+)"', html).group(1)
    assert link == "/lang/en/?next=/demands/track/"
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == "/demands/track/"
    assert response.cookies["django_language"].value == "en"
    assert 'lang="en"' in client.get("/demands/track/").content.decode()
    # off-site targets go home; an unknown language is a 404 naming it, with no cookie set
    assert client.get("/lang/zh-hans/?next=https://evil.example/")["Location"] == "/"
    unknown = client.get("/lang/xx/")
    assert unknown.status_code == 404 and "xx" in unknown.content.decode()
    assert "django_language" not in unknown.cookies


@pytest.mark.parametrize("page", ["/", "/api/docs/", "/demands/submit/", "/demands/track/"])
def test_pages_load_no_asset_from_outside(client, page):
    html = client.get(page).content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert not [s for s in sources if s.startswith(("http://", "https://", "//"))]
    assert "cdn." not in html


def test_the_api_docs_load_swagger_ui_from_our_own_static_files(client):
    html = client.get("/api/docs/").content.decode()
    assets = [s for s in re.findall(r'(?:src|href)="([^"]+)"', html) if "swagger-ui" in s]
    assert {a.rsplit(".", 1)[-1] for a in assets} >= {"js", "css"}
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_vendored_assets_are_served_locally(client):
    for path in (
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/vendor/leaflet/leaflet.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path


def test_admin_speaks_chinese(client):
    from tests.factories import UserFactory

    UserFactory(username="root", roles="admin", is_staff=True, is_superuser=True)
    client.login(username="root", password="lianxin-demo")
    html = client.get("/admin/").content.decode()
    assert "连心 管理后台" in html
    assert "区域" in html and "单位" in html
    assert "模型名称" in html and "Model name" not in html  # headings Django's zh_Hans lacks


def test_cli_maps_hyphenated_commands_to_management_commands(capsys):
    from lianxin.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["lianxin", "run-huey", "--help"])
    assert exit_info.value.code == 0
    assert "usage: lianxin run_huey" in capsys.readouterr().out


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html


def test_a_post_to_an_unknown_api_path_with_a_session_cookie_is_a_json_404(client):
    client.cookies["sessionid"] = "whatever"
    response = client.post("/api/v1/demands/null,null/attachments/", {"x": "1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_csrf_failure_under_the_api_is_in_the_json_error_format(rf):
    from lianxin.core.views import csrf_failure

    api = csrf_failure(rf.post("/api/v1/anything/"), reason="CSRF token missing.")
    assert api.status_code == 403
    assert json.loads(api.content)["error"]["code"] == "csrf_failed"
    page = csrf_failure(rf.post("/accounts/login/"), reason="CSRF token missing.")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
