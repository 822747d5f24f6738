import pytest
from django.test import Client

from lianxin.accounts.models import User
from lianxin.core.demo import DemoRefused, demo_load
from lianxin.org.models import Area, Category, Unit

pytestmark = pytest.mark.django_db


def test_demo_has_every_contract_account_and_they_log_in(demo):
    for username in ("admin", "operator", "handler", "cadre", "supervisor", "editor"):
        client = Client()
        assert client.login(username=username, password="lianxin-demo"), username
    handler = User.objects.get(username="handler")
    assert handler.unit is not None and handler.unit.accepts_dispatch


def test_demo_builds_a_city_with_units_and_categories(demo):
    assert Area.objects.filter(level="district").count() >= 3
    assert Area.objects.filter(level="community").exists()
    assert Unit.objects.filter(kind="department").count() >= 10
    assert Category.objects.filter(level=1).count() == 15


def test_demo_refuses_a_non_empty_database(demo):
    with pytest.raises(DemoRefused):
        demo_load()


def test_demo_refuses_production_mode(settings):
    settings.PRODUCTION = True
    with pytest.raises(DemoRefused, match="production"):
        demo_load()


def test_tests_without_the_demo_get_an_empty_database(demo_snapshot):
    """The session's demo load is rolled back: only tests asking for `demo` see it."""
    assert demo_snapshot.rows
    assert not User.objects.exists()


@pytest.mark.slow
def test_demo_mines_hot_issues_and_trains_a_first_classifier(django_capture_on_commit_callbacks):
    from lianxin.analysis.models import ClassifierVersion, HotIssue
    from lianxin.demands.models import Demand

    with django_capture_on_commit_callbacks(execute=True):
        demo_load()

    assert Demand.objects.count() >= 300
    assert HotIssue.objects.exists()
    # Tests run Huey immediately, so the queued training has already happened.
    assert ClassifierVersion.objects.filter(is_active=True, n_train__gt=0).exists()
