"""Categories, areas, units and routing rules: reads for whom the pages allow, writes for admins."""

from __future__ import annotations

from lianxin.demands.models import RoutingRule
from lianxin.org.models import Area, Category
from tests.api.conftest import client_for, walk
from tests.factories import AreaFactory, CategoryFactory, UnitFactory


def test_anyone_reads_the_trees_and_filters_them(roles):
    w = roles.world
    client = client_for()
    areas = client.get("/api/v1/org/areas/", {"area": w.street.pk, "page_size": 200}).json()["results"]
    assert {a["name"] for a in areas} == {"东风街道", "东风社区"}
    assert areas[0]["path"].startswith(w.district.path)
    streets = client.get("/api/v1/org/areas/", {"level": "street", "parent": w.district.pk}).json()["results"]
    assert {a["name"] for a in streets} == {"东风街道", "西风街道"}
    roots = client.get("/api/v1/org/areas/", {"parent": "none"}).json()["results"]
    assert w.district.pk in {a["id"] for a in roots} and w.street.pk not in {a["id"] for a in roots}
    r = client.get("/api/v1/org/areas/", {"level": "planet"})
    assert r.status_code == 400 and "level" in r.json()["error"]["fields"]


def test_inactive_categories_are_for_admins_only(roles):
    CategoryFactory(name="停用分类", is_active=False)
    public = {c["name"] for c in client_for().get("/api/v1/org/categories/").json()["results"]}
    assert "城乡建设" in public and "停用分类" not in public
    admin = client_for(roles.admin).get("/api/v1/org/categories/", {"active": "false"}).json()["results"]
    assert [c["name"] for c in admin] == ["停用分类"]
    assert client_for().get("/api/v1/org/categories/", {"active": "maybe"}).status_code == 400


def test_only_admins_write_categories(roles):
    body = {"code": "NEW1", "name": "新分类", "is_active": True}
    assert client_for().post("/api/v1/org/categories/", body, format="json").status_code == 401
    for user in (roles.citizen, roles.operator, roles.supervisor, roles.editor):
        assert client_for(user).post("/api/v1/org/categories/", body, format="json").status_code == 403
    assert not Category.objects.filter(code="NEW1").exists()
    admin = client_for(roles.admin)
    r = admin.post("/api/v1/org/categories/", body, format="json")
    assert r.status_code == 201 and r.json()["level"] == 1 and r.json()["path"] == "NEW1"
    child = admin.post(
        "/api/v1/org/categories/", {"code": "NEW1A", "name": "子类", "parent": r.json()["id"]}, format="json"
    )
    assert child.status_code == 201 and child.json()["level"] == 2 and child.json()["path"] == "NEW1/NEW1A"
    grandchild = admin.post(
        "/api/v1/org/categories/",
        {"code": "NEW1B", "name": "三级", "parent": child.json()["id"]},
        format="json",
    )
    assert grandchild.status_code == 201 and grandchild.json()["level"] == 3
    fourth = admin.post(
        "/api/v1/org/categories/",
        {"code": "NEW1C", "name": "四级", "parent": grandchild.json()["id"]},
        format="json",
    )
    assert fourth.status_code == 400 and "parent" in fourth.json()["error"]["fields"]
    dup = admin.post("/api/v1/org/categories/", body, format="json")
    assert dup.status_code == 400 and "code" in dup.json()["error"]["fields"]


def test_tree_writes_keep_paths_whole(roles):
    w = roles.world
    admin = client_for(roles.admin)
    # a node with children keeps its code and parent; a leaf moves
    r = admin.patch(f"/api/v1/org/areas/{w.street.pk}/", {"parent": None}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "has_children"
    r = admin.patch(f"/api/v1/org/areas/{w.street.pk}/", {"name": "东风新街道"}, format="json")
    assert r.status_code == 200 and r.json()["name"] == "东风新街道"
    other = Area.objects.get(name="西风街道")
    leaf = AreaFactory(parent=other, name="叶子社区", level="community")
    r = admin.patch(f"/api/v1/org/areas/{leaf.pk}/", {"parent": w.street.pk}, format="json")
    assert r.status_code == 200 and r.json()["path"] == f"{w.street.path}/{leaf.code}"
    # no node becomes its own parent
    r = admin.patch(f"/api/v1/org/areas/{leaf.pk}/", {"parent": leaf.pk}, format="json")
    assert r.status_code == 400 and "parent" in r.json()["error"]["fields"]
    # what is referred to is not deleted
    r = admin.delete(f"/api/v1/org/areas/{w.community.pk}/")
    assert r.status_code == 409 and r.json()["error"]["code"] == "protected"
    assert admin.delete(f"/api/v1/org/areas/{leaf.pk}/").status_code == 204


def test_units_for_staff_written_by_admins(roles):
    w = roles.world
    handler = client_for(roles.handler)
    rows = handler.get("/api/v1/org/units/", {"area": w.street.pk}).json()["results"]
    assert [u["name"] for u in rows] == ["东风街道办事处"]
    assert handler.get("/api/v1/org/units/", {"kind": "x"}).status_code == 400
    assert handler.patch(f"/api/v1/org/units/{w.unit.pk}/", {"phone": "1"}, format="json").status_code == 403
    admin = client_for(roles.admin)
    r = admin.patch(f"/api/v1/org/units/{w.unit.pk}/", {"phone": "0731-1234"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == "0731-1234"
    child = UnitFactory(parent=w.unit)
    r = admin.patch(f"/api/v1/org/units/{w.unit.pk}/", {"parent": child.pk}, format="json")
    assert r.status_code == 400 and "parent" in r.json()["error"]["fields"]
    assert admin.delete(f"/api/v1/org/units/{w.unit.pk}/").status_code == 409  # users and demands refer to it


def test_routing_rules_read_by_dispatchers_written_by_admins(roles):
    w = roles.world
    body = {"category": w.category.pk, "unit": w.unit.pk, "priority": 120, "note": "城建"}
    assert (
        client_for(roles.operator).post("/api/v1/org/routing-rules/", body, format="json").status_code == 403
    )
    admin = client_for(roles.admin)
    r = admin.post("/api/v1/org/routing-rules/", body, format="json")
    assert r.status_code == 201, r.content
    rule = RoutingRule.objects.get(pk=r.json()["id"])
    assert rule.unit == w.unit and rule.priority == 120
    RoutingRule.objects.create(unit=w.unit, area=w.street, priority=50)
    RoutingRule.objects.create(unit=w.unit, is_fallback=True, priority=0)
    operator = client_for(roles.operator)
    assert [x["id"] for x in walk(operator, "/api/v1/org/routing-rules/", {"category": w.category.pk})] == [
        rule.pk
    ]
    in_district = walk(operator, "/api/v1/org/routing-rules/", {"area": w.district.pk})
    assert [x["area"] for x in in_district] == [w.street.pk]
    assert len(walk(operator, "/api/v1/org/routing-rules/", {"fallback": "true"})) == 1
    r = admin.patch(f"/api/v1/org/routing-rules/{rule.pk}/", {"priority": "high"}, format="json")
    assert r.status_code == 400 and "priority" in r.json()["error"]["fields"]
    assert admin.delete(f"/api/v1/org/routing-rules/{rule.pk}/").status_code == 204
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()
