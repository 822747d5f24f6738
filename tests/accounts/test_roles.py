"""Role codes are checked wherever one is asked for: an unknown code (a typo) raises ValueError naming it,
and every code of `Role` works."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from rest_framework.test import APIRequestFactory

from lianxin.accounts.models import Role, User, role_q
from lianxin.accounts.permissions import HasRole, role_required
from tests.factories import UserFactory

TYPO = "opertor"
EVERY_ROLE = pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])


def _page(request):
    return HttpResponse("ok")


# --- unknown codes fail loudly ---------------------------------------------------------------------------


def test_has_role_refuses_an_unknown_code():
    user = User(username="u", roles=Role.OPERATOR)
    with pytest.raises(ValueError, match=TYPO):
        user.has_role(TYPO)
    with pytest.raises(ValueError, match=TYPO):
        user.has_role(Role.OPERATOR, TYPO)  # also when a known code comes first and matches


def test_has_role_refuses_an_unknown_code_for_superusers_too():
    with pytest.raises(ValueError, match=TYPO):
        User(username="root", is_superuser=True).has_role(TYPO)


def test_role_q_and_with_role_refuse_an_unknown_code():
    with pytest.raises(ValueError, match=TYPO):
        role_q(TYPO)
    with pytest.raises(ValueError, match=TYPO):
        User.objects.with_role(TYPO)


def test_role_q_refuses_a_pattern_that_is_no_code():
    with pytest.raises(ValueError):
        role_q(".*")


def test_role_required_refuses_an_unknown_code_when_declared():
    with pytest.raises(ValueError, match=TYPO):
        role_required(Role.OPERATOR, TYPO)


def test_has_role_of_refuses_an_unknown_code_when_declared():
    with pytest.raises(ValueError, match=TYPO):
        HasRole.of(TYPO)


# --- every code works ------------------------------------------------------------------------------------


@EVERY_ROLE
def test_has_role_knows_every_role(role):
    user = User(username="u", roles=role.value)
    assert user.has_role(role)
    assert user.has_role(role.value)
    others = [r for r in Role if r != role]
    assert not user.has_role(*others)


@EVERY_ROLE
def test_a_superuser_holds_admin_only(role):
    root = User(username="root", roles="", is_superuser=True)
    assert root.has_role(role) is (role == Role.ADMIN)


@pytest.mark.django_db
@EVERY_ROLE
def test_role_q_and_with_role_find_every_role(role):
    holder = UserFactory(roles=f"{role.value},{Role.CITIZEN.value}" if role != Role.CITIZEN else role.value)
    other = UserFactory(roles=Role.SUPERVISOR if role != Role.SUPERVISOR else Role.EDITOR)
    assert set(User.objects.filter(role_q(role)).values_list("pk", flat=True)) == {holder.pk}
    assert list(User.objects.with_role(role.value)) == [holder]
    assert other not in User.objects.with_role(role)


@EVERY_ROLE
def test_role_required_lets_every_role_in(role):
    view = role_required(role)(_page)
    request = RequestFactory().get("/")
    request.user = User(username="u", roles=role.value)
    assert view(request).status_code == 200
    request.user = User(username="v", roles=",".join(r.value for r in Role if r != role))
    with pytest.raises(PermissionDenied):
        view(request)


def test_role_required_sends_anonymous_users_to_login():
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    response = role_required(Role.CITIZEN)(_page)(request)
    assert response.status_code == 302
    assert "next=/x/" in response["Location"]


@EVERY_ROLE
def test_has_role_of_lets_every_role_in(role):
    permission = HasRole.of(role)()
    request = APIRequestFactory().get("/")
    request.user = User(username="u", roles=role.value)
    assert permission.has_permission(request, None)
    request.user = User(username="v", roles=Role.CITIZEN if role != Role.CITIZEN else Role.EDITOR)
    assert not permission.has_permission(request, None)
    request.user = AnonymousUser()
    assert not permission.has_permission(request, None)
