"""相关政策 (the portal's knowledge base) beside the demand: tracking page, reply form and submit form."""

import pytest

from lianxin.demands.choices import Status
from tests.demands.factories import make_demand
from tests.portal.factories import published_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(world):
    return published_article(
        title="物业服务管理办法解读",
        body="物业服务企业应当及时维修电梯等共用设施设备。",
        demand_categories=[world.subcategory],
    )


def test_tracking_page_shows_the_policy_of_the_demands_category(client, world, policy):
    demand = make_demand(world, Status.REPLIED)
    html = client.get(
        "/demands/track/", {"ticket_no": demand.ticket_no, "code": demand.query_code}
    ).content.decode()
    assert "相关政策" in html
    assert policy.title in html
    assert policy.get_absolute_url() in html


def test_reply_form_shows_the_policy_to_the_handler(client, world, policy):
    demand = make_demand(world, Status.IN_PROGRESS)
    client.force_login(world["handler"])
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'name="text"' in html  # the reply form is there
    assert policy.title in html


def test_submit_form_loads_related_policies_as_the_citizen_types(client, world, policy):
    html = client.get("/demands/submit/").content.decode()
    assert 'id="related-box"' in html and "/portal/related/" in html
    fragment = client.get(
        "/portal/related/", {"category": world.subcategory.pk, "title": "电梯坏了"}
    ).content.decode()
    assert policy.title in fragment
