"""API tokens expire after LIANXIN_API_TOKEN_TTL hours and die with a password change."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "lianxin-demo"


def ask_token(client, username: str, password: str = PASSWORD):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def me(client, key: str):
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")


def age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=hours))


def test_a_fresh_token_opens_the_api(client):
    UserFactory(username="fresh")
    key = ask_token(client, "fresh").json()["token"]
    response = me(client, key)
    assert response.status_code == 200
    assert response.json()["username"] == "fresh"


def test_a_token_just_inside_its_lifetime_still_works(client):
    UserFactory(username="almost")
    key = ask_token(client, "almost").json()["token"]
    age(key, settings.LIANXIN_API_TOKEN_TTL - 0.1)
    assert me(client, key).status_code == 200


def test_a_token_older_than_the_ttl_is_refused_as_expired_and_deleted(client):
    UserFactory(username="stale")
    key = ask_token(client, "stale").json()["token"]
    age(key, settings.LIANXIN_API_TOKEN_TTL + 1)
    response = me(client, key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error = response.json()["error"]
    assert error["code"] == "token_expired"
    assert error["message"] == "API 令牌已过期，请用用户名和密码重新获取。"
    assert not Token.objects.filter(key=key).exists()
    again = me(client, key)  # the deleted key is now simply unknown
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "authentication_failed"


def test_the_expiry_message_is_translated(client):
    UserFactory(username="stale_en")
    key = ask_token(client, "stale_en").json()["token"]
    age(key, settings.LIANXIN_API_TOKEN_TTL + 1)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    error = me(client, key).json()["error"]
    assert error == {
        "code": "token_expired",
        "message": "The API token has expired; request a new one with your username and password.",
    }


def test_asking_again_before_expiry_returns_the_same_key_for_every_client(client):
    UserFactory(username="shared")
    first = ask_token(client, "shared").json()["token"]
    second = ask_token(client, "shared").json()["token"]
    assert first == second
    assert me(client, first).status_code == 200


def test_asking_again_after_expiry_gives_a_new_working_key(client):
    UserFactory(username="renew")
    old = ask_token(client, "renew").json()["token"]
    age(old, settings.LIANXIN_API_TOKEN_TTL + 1)
    response = ask_token(client, "renew")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert me(client, new).status_code == 200
    assert me(client, old).status_code == 401
    assert list(Token.objects.filter(user__username="renew").values_list("key", flat=True)) == [new]


def test_a_password_change_kills_the_old_token(client):
    user = UserFactory(username="changed")
    key = ask_token(client, "changed").json()["token"]
    user.set_password("a-brand-new-password")
    user.save()
    response = me(client, key)
    assert response.status_code == 401
    assert not Token.objects.filter(user=user).exists()
    new = ask_token(client, "changed", "a-brand-new-password").json()["token"]
    assert me(client, new).status_code == 200


def test_a_password_change_in_the_admin_kills_the_old_token(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True, roles="admin")
    user = UserFactory(username="victim_of_leak")
    key = ask_token(client, "victim_of_leak").json()["token"]
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "changed-in-admin-9", "password2": "changed-in-admin-9", "usable_password": "true"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("changed-in-admin-9")
    client.logout()
    assert me(client, key).status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_token(client):
    user = UserFactory(username="kept")
    key = ask_token(client, "kept").json()["token"]
    user.display_name = "改了名字"
    user.save()
    user.save(update_fields=["display_name"])
    client.post("/accounts/login/", {"username": "kept", "password": PASSWORD})  # updates last_login
    client.logout()
    assert me(client, key).status_code == 200


def test_deactivating_a_user_ends_their_token_for_good(client):
    user = UserFactory(username="gone")
    key = ask_token(client, "gone").json()["token"]
    user.is_active = False
    user.save()
    assert not Token.objects.filter(user=user).exists()
    response = me(client, key)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert ask_token(client, "gone").status_code == 400  # and gets no new one
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert me(client, key).status_code == 401  # reactivated: the old key stays dead


@override_settings(LIANXIN_API_TOKEN_TTL=2)
def test_the_ttl_setting_is_honoured(client):
    UserFactory(username="short")
    key = ask_token(client, "short").json()["token"]
    age(key, 1.5)
    assert me(client, key).status_code == 200
    age(key, 2.5)
    assert me(client, key).json()["error"]["code"] == "token_expired"


@override_settings(LIANXIN_API_TOKEN_TTL=24 * 30)
def test_a_longer_ttl_keeps_an_old_token_alive(client):
    UserFactory(username="long")
    key = ask_token(client, "long").json()["token"]
    age(key, 24 * 29)
    assert me(client, key).status_code == 200
    assert ask_token(client, "long").json()["token"] == key
