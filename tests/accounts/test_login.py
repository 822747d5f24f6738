import pytest
from django.test import Client

from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "lianxin-demo"


def test_token_login_and_me_report_roles_and_unit(client):
    unit = UnitFactory(name="市住房和城乡建设局")
    UserFactory(username="h1", roles="handler", unit=unit)
    response = client.post(
        "/api/v1/auth/token/", {"username": "h1", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").json()
    assert me["username"] == "h1"
    assert me["roles"] == ["handler"]
    assert me["unit"] == {"id": unit.pk, "name": "市住房和城乡建设局"}


def test_token_login_with_wrong_password_is_refused_in_error_format(client):
    UserFactory(username="u1")
    response = client.post(
        "/api/v1/auth/token/", {"username": "u1", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_token_request_without_fields_names_them(client):
    response = client.post("/api/v1/auth/token/", {}, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_repeated_failures_lock_the_username(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(username="victim")
    for _ in range(3):
        client.post(
            "/api/v1/auth/token/", {"username": "victim", "password": "bad"}, content_type="application/json"
        )
    response = client.post(
        "/api/v1/auth/token/", {"username": "victim", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"


def test_failures_from_another_address_do_not_lock_the_owner_out(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    UserFactory(username="victim3")
    attempt = {"username": "victim3", "password": "bad"}
    for i in range(12):  # four addresses, each locked after its own three failures
        client.post(
            "/api/v1/auth/token/", attempt, content_type="application/json", REMOTE_ADDR=f"10.0.0.{i % 4}"
        )
    locked = client.post(
        "/api/v1/auth/token/", attempt, content_type="application/json", REMOTE_ADDR="10.0.0.1"
    )
    assert locked.status_code == 429
    owner = {"username": "victim3", "password": PASSWORD}
    response = client.post(
        "/api/v1/auth/token/", owner, content_type="application/json", REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 200
    for i in range(30):  # guessing spread over many addresses stops at ten times the limit
        client.post(
            "/api/v1/auth/token/", attempt, content_type="application/json", REMOTE_ADDR=f"10.1.{i}.1"
        )
    spread = client.post(
        "/api/v1/auth/token/", owner, content_type="application/json", REMOTE_ADDR="10.9.9.8"
    )
    assert spread.status_code == 429


def test_page_login_is_throttled_too(client, settings):
    settings.LOGIN_MAX_FAILURES = 2
    UserFactory(username="victim2")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "victim2", "password": "bad"})
    response = client.post("/accounts/login/", {"username": "victim2", "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect
    assert "登录失败次数过多" in response.content.decode()


def test_page_login_succeeds_and_redirects(client):
    UserFactory(username="op", roles="operator")
    response = client.post("/accounts/login/", {"username": "op", "password": PASSWORD})
    assert response.status_code == 302


def test_login_form_requires_csrf():
    UserFactory(username="op2")
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/accounts/login/", {"username": "op2", "password": PASSWORD})
    assert response.status_code == 403
