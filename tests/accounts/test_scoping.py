import pytest

from lianxin.accounts.models import User
from lianxin.accounts.scoping import area_q, unit_q
from lianxin.org.models import Area, AreaLevel, Unit
from tests.factories import AreaFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    city = AreaFactory(code="C1", level=AreaLevel.CITY)
    d1 = AreaFactory(code="C1D1", parent=city)
    d2 = AreaFactory(code="C1D2", parent=city)
    s1 = AreaFactory(code="C1D1S1", parent=d1, level=AreaLevel.STREET)
    # A sibling whose code shares a prefix must not leak into the subtree.
    d10 = AreaFactory(code="C1D10", parent=city)
    return {"city": city, "d1": d1, "d2": d2, "s1": s1, "d10": d10}


def test_area_scope_covers_the_subtree_only(tree):
    cadre = UserFactory(roles="cadre", area_scope=tree["d1"])
    visible = set(Area.objects.filter(area_q(cadre, field="")).values_list("code", flat=True))
    assert visible == {"C1D1", "C1D1S1"}


def test_unit_scope_limits_to_own_unit(tree):
    u1, u2 = UnitFactory(area=tree["d1"]), UnitFactory(area=tree["d2"])
    handler = UserFactory(roles="handler", unit=u1)
    assert list(Unit.objects.filter(unit_q(handler, field="parent"))) == []
    assert set(User.objects.filter(unit_q(handler)).values_list("unit", flat=True)) == {u1.pk}
    assert u2.pk not in set(User.objects.filter(unit_q(handler)).values_list("unit", flat=True))


def test_user_without_scope_sees_nothing_and_supervisor_sees_all(tree):
    nobody = UserFactory(roles="cadre")
    supervisor = UserFactory(roles="supervisor")
    assert Area.objects.filter(area_q(nobody, field="")).count() == 0
    assert Area.objects.filter(area_q(supervisor, field="")).count() == 5


def test_roles_are_queryable_without_substring_confusion():
    UserFactory(username="a", roles="cadre,supervisor")
    UserFactory(username="b", roles="citizen")
    assert list(User.objects.with_role("cadre").values_list("username", flat=True)) == ["a"]
    assert User.objects.get(username="a").has_role("supervisor")
