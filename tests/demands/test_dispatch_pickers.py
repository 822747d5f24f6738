"""The phone-first dispatch form (issue 16 part 12, issue 17 part 1's web side): labelled lead and assisting
unit pickers with a filter box each, assisting units as a checklist, the learned router's top three beside
the rule's proposal (one click picks one), and the staff lists as cards on a 390 px phone."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from lianxin.demands import intel_port
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand, RoutingRule
from lianxin.org.models import Unit, UnitKind
from tests.demands.factories import browser_login, build_world, make_demand

PASSWORD = "lianxin-demo"


def _units(world, n=26):
    return [
        Unit.objects.create(
            code=f"{world.unit.code}-P{i:02d}",
            name=f"第{i:02d}街道办事处" if i % 2 else f"区{i:02d}局",
            kind=UnitKind.DEPARTMENT,
            area=world.city,
        )
        for i in range(n)
    ]


def _suggest(units):
    def fake(*, text, area=None, limit=3):
        return [
            {"unit_id": u.pk, "name": u.name, "score": s, "reasons": [f"理由{k}"], "confident": k == 0}
            for k, (u, s) in enumerate(zip(units, (0.81, 0.12, 0.04, 0.01)))
        ][:limit]

    return fake


def _form(page: str) -> str:
    form = page[page.index('id="form-dispatch"') :]
    return form[: form.index("</form>")]


@pytest.mark.django_db
def test_the_dispatch_form_has_labelled_searchable_pickers(world, client):
    units = _units(world)
    d = make_demand(world, Status.ACCEPTED)
    client.force_login(world["operator"])
    form = _form(client.get(reverse("demands:detail", args=[d.pk])).content.decode())
    select = f"dispatch-unit-{d.pk}"
    assert f'<label class="form-label small fw-bold mb-1" for="{select}">主办单位</label>' in form
    assert f'data-filter-select="#{select}"' in form and f'id="{select}"' in form
    assert "<legend" in form and "协办单位（可多选）" in form
    assert f'data-filter-list="#dispatch-assisting-{d.pk}"' in form
    boxes = re.findall(r'type="checkbox" name="assisting_units" value="(\d+)" id="([^"]+)"', form)
    assert len(boxes) >= 27 and {int(v) for v, _ in boxes} >= {u.pk for u in units}
    for _, box_id in boxes:  # every checkbox has its label
        assert f'<label class="form-check-label" for="{box_id}">' in form
    assert "multiple" not in form  # no more 2-line multi-select
    assert "demands/pickers.js" in form and "demands/staff.css" in form
    assert "<script>" not in form and "onclick" not in form  # CSP: no inline script
    # nothing proposed: nothing preselected, the operator chooses
    assert re.search(r'<option value=""\s*selected disabled>请选择主办单位</option>', form)


@pytest.mark.django_db
def test_the_rule_proposal_and_the_top3_are_buttons_that_pick(world, client, monkeypatch):
    units = _units(world, 4)
    RoutingRule.objects.create(category=world.category, unit=world.other_unit, priority=10)
    monkeypatch.setattr(intel_port, "suggest_units", _suggest(units))
    d = make_demand(world, Status.ACCEPTED)
    client.force_login(world["operator"])
    form = _form(client.get(reverse("demands:detail", args=[d.pk])).content.decode())
    select = f"#dispatch-unit-{d.pk}"
    assert f'data-pick-unit="{world.other_unit.pk}" data-pick-select="{select}" id="btn-rule-unit"' in form
    assert f'value="{world.other_unit.pk}" selected' in form
    picks = re.findall(r'data-pick-unit="(\d+)" data-pick-select="([^"]+)" id="btn-suggest-unit-\d"', form)
    assert [int(p) for p, _ in picks] == [u.pk for u in units[:3]]  # the top three, best first
    assert {s for _, s in picks} == {select}
    assert "81%" in form and "12%" in form and "4%" in form and "高置信" in form and "理由0" in form


@pytest.mark.django_db
def test_the_top3_never_offers_the_unit_that_returned_it_and_staff_other_than_operators_see_none(
    world, client, monkeypatch
):
    units = _units(world, 3)
    d = make_demand(world, Status.RETURNED)
    monkeypatch.setattr(intel_port, "suggest_units", _suggest([world.unit, *units]))
    client.force_login(world["operator"])
    form = _form(client.get(reverse("demands:detail", args=[d.pk])).content.decode())
    picks = [int(p) for p in re.findall(r'data-pick-unit="(\d+)"[^>]*id="btn-suggest-unit', form)]
    assert world.unit.pk not in picks and picks == [u.pk for u in units]
    from lianxin.demands.pickers import unit_suggestions

    class _Request:
        user = world["supervisor"]

    assert unit_suggestions(_Request(), demand=d) is None


@pytest.mark.django_db
def test_without_a_router_the_rule_alone_is_shown(world, client, monkeypatch):
    monkeypatch.setattr(intel_port, "suggest_units", lambda **kw: [])
    d = make_demand(world, Status.ACCEPTED)
    client.force_login(world["operator"])
    form = _form(client.get(reverse("demands:detail", args=[d.pk])).content.decode())
    assert "btn-suggest-unit" not in form and "智能推荐主办" not in form


@pytest.mark.django_db
def test_the_list_is_cards_with_labelled_cells(world, client):
    make_demand(world)
    client.force_login(world["operator"])
    page = client.get(reverse("demands:workbench")).content.decode()
    assert (
        "demands/staff.css" in page and 'class="table table-sm table-hover align-middle staff-cards"' in page
    )
    assert 'data-label="工单编号"' in page and 'data-label="状态"' in page


# --- in Chromium at 390 px ------------------------------------------------------------------------------


def _overflowing(page, scope):
    """Elements under `scope` whose right edge is past the 390 px viewport."""
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{scope}, {scope} *')]
              .filter(e => e.getBoundingClientRect().right > 390.5)
              .map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )


def _watch(page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.mark.browser
@pytest.mark.xdist_group("demands-browser")
@pytest.mark.django_db(transaction=True)
def test_dispatch_on_a_phone_with_26_units(browser, live_server, artifacts):
    cache.clear()
    world = build_world()
    world["operator"].set_password(PASSWORD)
    world["operator"].save()
    units = _units(world)
    d = make_demand(world, Status.ACCEPTED)
    base = live_server.url
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors = _watch(page)
    browser_login(page, base, world["operator"].username)
    page.goto(f"{base}/demands/{d.pk}/")
    page.wait_for_selector("#form-dispatch")
    # nothing of the form reaches past the screen (the page's own .row overhangs main's narrow phone
    # padding by 2 px, outside this form: core/site.css)
    assert _overflowing(page, "#form-dispatch") == []
    # typing part of a name filters the lead unit's options and picks the first match
    page.fill(f"#dispatch-unit-filter-{d.pk}", "第07")
    shown = page.evaluate(
        f"""() => [...document.querySelectorAll('#dispatch-unit-{d.pk} option')]
                  .filter(o => o.value && !o.hidden).map(o => o.value)"""
    )
    assert shown == [str(units[7].pk)]
    assert page.input_value(f"#dispatch-unit-{d.pk}") == str(units[7].pk)
    # the assisting checklist filters the same way; a ticked unit stays in view
    page.fill(f"#dispatch-assisting-filter-{d.pk}", "区10")
    page.check(f"#assist-{d.pk}-{units[10].pk}")
    page.fill(f"#dispatch-assisting-filter-{d.pk}", "区12")
    page.check(f"#assist-{d.pk}-{units[12].pk}")
    assert page.is_visible(f"#assist-{d.pk}-{units[10].pk}")
    assert not page.is_visible(f"#assist-{d.pk}-{units[14].pk}")
    assert page.inner_text(f"[data-checked-count='#dispatch-assisting-{d.pk}']") == "2"
    page.screenshot(path=str(artifacts / "demands-dispatch-390.png"), full_page=True)
    page.press(f"#dispatch-assisting-filter-{d.pk}", "Enter")  # Enter in a filter posts nothing
    page.click("#btn-dispatch")
    page.wait_for_selector("#action-done")
    d.refresh_from_db()
    assert d.status == Status.DISPATCHED and d.lead_unit_id == units[7].pk
    assert set(d.assisting_units.values_list("pk", flat=True)) == {units[10].pk, units[12].pk}
    # the staff list is cards at this width: no sideways scrolling, each cell labelled
    page.goto(f"{base}/demands/list/")
    page.wait_for_selector("#demand-table")
    assert _overflowing(page, "#demand-list") == []
    assert (
        page.evaluate("getComputedStyle(document.querySelector('#demand-table thead')).position")
        == "absolute"
    )
    label = page.evaluate(
        """getComputedStyle(document.querySelector('#demand-table tbody td[data-label]'), '::before')
           .content"""
    )
    assert "工单编号" in label
    page.screenshot(path=str(artifacts / "demands-list-390.png"), full_page=True)
    assert Demand.objects.get(pk=d.pk).version >= 1
    assert [e for e in errors if "favicon" not in e] == []
    context.close()
