"""Who may call each door: the matrix of every read endpoint under every role, as the pages decide."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.portal.models import Article, ArticleState
from tests.api.conftest import client_for
from tests.contact.factories import demand_through, field_visit
from tests.portal.factories import PortalCategoryFactory, published_article

ROLES = [
    "anonymous",
    "citizen",
    "handler",
    "cadre",
    "other_cadre",
    "operator",
    "supervisor",
    "editor",
    "admin",
]
EVERYONE = dict.fromkeys(ROLES, 200)
STAFF = {**EVERYONE, "anonymous": 401, "citizen": 403}
SEE_ALL = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "operator": 200, "supervisor": 200, "admin": 200}
CONTACT = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "cadre": 200, "other_cadre": 200}
CONTACT |= {"supervisor": 200, "admin": 200}
OWN_CADRE = {**CONTACT, "other_cadre": 404}
OVERSEERS = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "supervisor": 200, "admin": 200}
EDITORS = {**dict.fromkeys(ROLES, 403), "anonymous": 401, "editor": 200, "admin": 200}
HOT = {**CONTACT, "operator": 200}
RECORDS = {**CONTACT, "operator": 200}
MONTH = date(2026, 2, 1)


@pytest.fixture
def data(roles):
    w = roles.world
    demand = demand_through(w, date(2026, 2, 3))
    visit = field_visit(w, date(2026, 2, 5))
    published_article(title="公开文章")
    draft = Article.objects.create(
        title="草稿", category=PortalCategoryFactory(), body="草稿正文", state=ArticleState.DRAFT
    )
    return {"demand": demand.pk, "visit": visit.pk, "draft": draft.pk, "unit": w.unit.pk}


CASES = [
    ("/api/v1/org/areas/", EVERYONE),
    ("/api/v1/org/categories/", EVERYONE),
    ("/api/v1/org/units/", STAFF),
    ("/api/v1/org/units/{unit}/", STAFF),
    ("/api/v1/org/routing-rules/", SEE_ALL),
    ("/api/v1/contact/points/", CONTACT),
    ("/api/v1/contact/households/", CONTACT),
    ("/api/v1/contact/visits/", CONTACT),
    ("/api/v1/contact/visits/?cadre=cadre_t", {**OWN_CADRE, "cadre": 200}),
    ("/api/v1/contact/visits/{visit}/", OWN_CADRE),
    ("/api/v1/portal/articles/", EVERYONE),
    ("/api/v1/portal/articles/?state=draft", EDITORS),
    ("/api/v1/portal/articles/{draft}/", {**dict.fromkeys(ROLES, 404), "editor": 200, "admin": 200}),
    ("/api/v1/analysis/hot-issues/", HOT),
    ("/api/v1/analysis/suggestions/?demand={demand}", {**STAFF, "other_cadre": 404, "editor": 404}),
    ("/api/v1/evaluation/measures/?period=2026-02", RECORDS),
    ("/api/v1/evaluation/records/?period=2026-02&measure=received", RECORDS),
    ("/api/v1/evaluation/scorecards/units/?period=2026-02", OVERSEERS),
    ("/api/v1/evaluation/scorecards/cadres/?period=2026-02", OVERSEERS),
    ("/api/v1/evaluation/scorecards/units/{unit}/?period=2026-02", OVERSEERS),
    ("/api/v1/evaluation/scorecards/cadres/cadre_t/?period=2026-02", OWN_CADRE),
    ("/api/v1/evaluation/reports/", CONTACT),
    ("/api/v1/evaluation/reports/?cadre=cadre_t", OWN_CADRE),
]


@pytest.mark.parametrize("url,expected", CASES, ids=[c[0] for c in CASES])
def test_each_read_door_answers_each_role_as_its_page_does(roles, data, url, expected):
    path = url.format(**data)
    for role in ROLES:
        r = client_for(roles.of(role)).get(path)
        assert r.status_code == expected[role], (role, r.status_code, r.content[:300])
        if r.status_code >= 400:
            assert set(r.json()["error"]) >= {"code", "message"}
        if r.status_code == 401:
            assert r["WWW-Authenticate"].startswith("Token")
