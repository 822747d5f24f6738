"""One accept button on the operator's page of a submitted demand (issue 16 part 12): the intake panel's
suggestions only pick a category (and 特急) in the demands 受理 form, whose button alone accepts."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.analysis.models import DemandIntel
from lianxin.demands import intel_port
from lianxin.demands.choices import Status, Urgency
from lianxin.demands.models import Demand
from lianxin.org.models import Category
from tests.demands.factories import browser_login, build_world, make_demand

PASSWORD = "lianxin-demo"


def _categories(world):
    traffic = Category.objects.create(code=f"{world.category.code}-T", name="交通运输")
    green = Category.objects.create(code=f"{world.category.code}-G", name="环境保护")
    return traffic, green


def _suggest(monkeypatch, *categories):
    stored = {
        "categories": [
            {"category": c.name, "score": s, "id": c.pk} for c, s in zip(categories, (0.71, 0.2, 0.05))
        ]
    }
    monkeypatch.setattr(intel_port, "stored_suggestions", lambda demand: stored)


def _forms(page: str) -> list[str]:
    return re.findall(r"<form\b.*?</form>", page, re.S)


def _accept_form(page: str) -> str:
    return next(f for f in _forms(page) if 'id="form-accept"' in f)


@pytest.mark.django_db
def test_the_page_of_a_submitted_demand_has_one_button_that_accepts(world, client, monkeypatch):
    traffic, green = _categories(world)
    _suggest(monkeypatch, traffic, green)
    d = make_demand(world, category=None)
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[d.pk])).content.decode()
    forms = _forms(page)
    accepting = [f for f in forms if re.search(r'name="action" value="accept"', f)]
    assert len(accepting) == 1
    assert [f for f in forms if reverse("analysis:accept", args=[d.pk]) in f] == []
    assert "采用并受理" not in page and "按分类受理" not in page and 'id="form-accept-category"' not in page
    # the accept form: one submit button, and a labelled category select, nothing preselected
    form = accepting[0]
    assert len(re.findall(r"<button(?![^>]*type=\"button\")[^>]*>", form)) == 1 and 'id="btn-accept"' in form
    assert '<label class="form-label small fw-bold mb-1" for="accept-category">分类</label>' in form
    select = re.search(r'<select[^>]*name="category" id="accept-category">(.*?)</select>', form, re.S)
    assert select is not None
    options = re.findall(r'<option value="(\d*)"([^>]*)>([^<]*)</option>', select.group(1))
    assert options[0] == ("", "", "请选择分类（可不选）")
    assert {int(v) for v, _, _ in options[1:]} >= {traffic.pk, green.pk, world.category.pk}
    assert world.subcategory.pk not in {int(v) for v, _, _ in options[1:]}  # first level only
    assert "selected" not in select.group(1)
    # the suggestion rows pick, outside any form: type=button, the category's id, best first
    table = page[page.index('id="intel-suggestions"') :]
    table = table[: table.index("</table>")]
    assert "<form" not in table and "71%" in table and "20%" in table
    picks = re.findall(
        r'<button type="button"[^>]*data-pick-category="(\d+)"[^>]*>采用此分类</button>', table
    )
    assert picks == [str(traffic.pk), str(green.pk)]
    assert "data-pick-urgency" not in table  # intel did not suspect 特急
    assert "demands/pickers.js" in form and "onclick" not in page


@pytest.mark.django_db
def test_a_suspected_critical_demand_picks_critical_too(world, client, monkeypatch):
    traffic, _ = _categories(world)
    _suggest(monkeypatch, traffic)
    d = make_demand(world, category=None)
    DemandIntel.objects.update_or_create(demand=d, defaults={"urgency": Urgency.CRITICAL})
    client.force_login(world["operator"])
    page = client.get(reverse("demands:detail", args=[d.pk])).content.decode()
    assert f'data-pick-category="{traffic.pk}" data-pick-urgency="critical"' in page
    assert 'data-pick-urgency="critical" id="btn-pick-critical"' in page  # without a suggestion too
    assert 'id="accept-urgency"' in _accept_form(page)
    assert 'name="urgency" value="critical"' not in page  # no hidden input accepting behind a button


@pytest.mark.django_db
def test_the_category_list_is_read_once_for_the_form_and_the_panel(world, client, monkeypatch):
    traffic, _ = _categories(world)
    _suggest(monkeypatch, traffic)
    d = make_demand(world, category=None)
    client.force_login(world["operator"])
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("demands:detail", args=[d.pk])).content.decode()
    reads = [q["sql"] for q in queries if 'FROM "org_category"' in q["sql"] and '"level" = 1' in q["sql"]]
    assert len(reads) == 1, reads
    assert f'data-pick-category="{traffic.pk}"' in page


@pytest.mark.django_db
def test_accepting_with_a_category_sets_it_and_records_it(world, client):
    traffic, _ = _categories(world)
    d = make_demand(world, category=None)
    client.force_login(world["operator"])
    r = client.post(
        reverse("demands:act", args=[d.pk]),
        {"action": "accept", "version": d.version, "category": traffic.pk, "urgency": "critical"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "action-done" in r.content.decode()
    d.refresh_from_db()
    assert d.status == Status.ACCEPTED and d.category_id == traffic.pk and d.urgency == Urgency.CRITICAL
    event = d.events.get(action="accept")
    assert event.data["category"] == "交通运输" and event.data["urgency"] == Urgency.CRITICAL


@pytest.mark.django_db
def test_accepting_without_a_category_keeps_the_demands_own(world, client):
    d = make_demand(world)
    client.force_login(world["operator"])
    r = client.post(
        reverse("demands:act", args=[d.pk]),
        {"action": "accept", "version": d.version, "category": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "action-done" in r.content.decode()
    d.refresh_from_db()
    assert d.status == Status.ACCEPTED and d.category_id == world.subcategory.pk


@pytest.mark.django_db
def test_an_unknown_or_inactive_category_is_refused_and_nothing_changes(world, client):
    traffic, _ = _categories(world)
    traffic.is_active = False
    traffic.save()
    d = make_demand(world, category=None)
    client.force_login(world["operator"])
    for bad in (999_999, traffic.pk, "abc"):
        r = client.post(
            reverse("demands:act", args=[d.pk]),
            {"action": "accept", "version": d.version, "category": bad},
            HTTP_HX_REQUEST="true",
        )
        html = r.content.decode()
        assert "action-error" in html and "分类不存在或已停用" in html, bad
        fresh = Demand.objects.get(pk=d.pk)
        assert fresh.status == Status.SUBMITTED and fresh.category_id is None
        assert fresh.version == d.version and not fresh.events.filter(action="accept").exists()


# --- in Chromium --------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.xdist_group("demands-browser")
@pytest.mark.django_db(transaction=True)
def test_picking_a_suggestion_then_accepting_in_a_browser(browser, live_server, monkeypatch):
    cache.clear()
    world = build_world()
    world["operator"].set_password(PASSWORD)
    world["operator"].save()
    traffic, green = _categories(world)
    _suggest(monkeypatch, traffic, green)
    d = make_demand(world, category=None)
    DemandIntel.objects.update_or_create(demand=d, defaults={"urgency": Urgency.CRITICAL})
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, base, world["operator"].username)
    page.goto(f"{base}/demands/{d.pk}/")
    page.wait_for_selector("#form-accept")
    assert page.input_value("#accept-category") == ""  # nothing preselected
    assert page.input_value("#accept-urgency") == Urgency.NORMAL
    page.click(f"[data-pick-category='{green.pk}']")  # 采用此分类 on the second row
    assert page.input_value("#accept-category") == str(green.pk)
    assert page.input_value("#accept-urgency") == Urgency.CRITICAL
    fresh = Demand.objects.get(pk=d.pk)
    assert fresh.status == Status.SUBMITTED  # picking accepts nothing
    page.click("#btn-accept")
    page.wait_for_selector("#action-done")
    fresh = Demand.objects.get(pk=d.pk)
    assert fresh.status == Status.ACCEPTED and fresh.category_id == green.pk
    assert fresh.urgency == Urgency.CRITICAL
    assert fresh.events.get(action="accept").data["category"] == "环境保护"
    assert [e for e in errors if "favicon" not in e] == []
    context.close()
