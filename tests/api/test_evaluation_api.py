"""Measures with the records behind every figure, league tables, scorecards and report files."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.evaluation.models import Report, ReportStatus
from tests.api.conftest import client_for, walk
from tests.contact.factories import demand_through, field_visit

PERIOD = {"period": "2026-02"}


@pytest.fixture
def month(roles):
    w = roles.world
    for day, resolved in ((3, True), (4, False), (5, True)):
        demand_through(w, date(2026, 2, day), resolved=resolved, sign_hours=2 if day != 4 else 40)
    field_visit(w, date(2026, 2, 6))
    return w


def test_every_measure_of_the_city_links_the_demands_it_counts(roles, month):
    client = client_for(roles.operator)
    body = client.get("/api/v1/evaluation/measures/", PERIOD).json()
    assert (
        body["subject"] == {"subject": "city"}
        and body["start"] == "2026-02-01"
        and body["end"] == "2026-03-01"
    )
    figures = {f["code"]: f for f in body["figures"]}
    # three demands through the loop, and the problem raised on the visit
    assert figures["received"]["numerator"] == 4 and figures["received"]["denominator"] is None
    assert figures["resolution_rate"]["numerator"] == 2 and figures["resolution_rate"]["denominator"] == 3
    assert "/evaluation/records/?" in figures["resolution_rate"]["records"]["numerator"]
    for f in body["figures"]:
        for part, url in (f["api_records"] or {}).items():
            rows = walk(client, url)
            counted = f["numerator"] if part == "numerator" else f["denominator"]
            if f["kind"] in ("rate", "count"):
                assert len({r["demand"] if "demand" in r else r["id"] for r in rows}) <= counted, (
                    f["code"],
                    part,
                )
                if f["code"] in ("received", "resolution_rate", "closed_resolved"):
                    assert len(rows) == counted, (f["code"], part)
            assert all(r["openable"] for r in rows)


def test_a_cadre_reads_their_own_remit_and_nobody_elses(roles, month):
    cadre = client_for(roles.cadre)
    own = cadre.get("/api/v1/evaluation/measures/", PERIOD).json()
    assert own["subject"] == {"subject": "cadre", "id": str(roles.cadre.pk)}
    assert {f["code"]: f for f in own["figures"]}["received"]["numerator"] == 4
    assert cadre.get("/api/v1/evaluation/measures/", {**PERIOD, "subject": "city"}).status_code == 403
    assert (
        cadre.get(
            "/api/v1/evaluation/measures/", {**PERIOD, "subject": "unit", "id": month.unit.pk}
        ).status_code
        == 403
    )
    other = client_for(roles.other_cadre)
    assert (
        other.get("/api/v1/evaluation/measures/", {**PERIOD, "subject": "cadre", "id": "cadre_t"}).status_code
        == 404
    )
    assert {f["code"]: f for f in other.get("/api/v1/evaluation/measures/", PERIOD).json()["figures"]}[
        "received"
    ]["numerator"] == 0
    sup = client_for(roles.supervisor)
    unit = sup.get("/api/v1/evaluation/measures/", {**PERIOD, "subject": "unit", "id": month.unit.pk}).json()
    assert unit["name"] == month.unit.name
    assert sup.get("/api/v1/evaluation/measures/", {**PERIOD, "subject": "unit"}).status_code == 400
    assert (
        sup.get("/api/v1/evaluation/measures/", {**PERIOD, "subject": "unit", "id": 999999}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "params,field",
    [({"period": "2026-13"}, "period"), ({"kind": "decade"}, "kind"), ({"subject": "planet"}, "subject")],
)
def test_bad_evaluation_parameters_are_400_naming_them(roles, params, field):
    r = client_for(roles.supervisor).get("/api/v1/evaluation/measures/", params)
    assert r.status_code == 400 and field in r.json()["error"]["fields"]


def test_records_need_a_known_measure_and_part(roles, month):
    client = client_for(roles.operator)
    assert "measure" in client.get("/api/v1/evaluation/records/", PERIOD).json()["error"]["fields"]
    r = client.get("/api/v1/evaluation/records/", {**PERIOD, "measure": "received", "part": "half"})
    assert r.status_code == 400 and "part" in r.json()["error"]["fields"]
    rows = walk(client, "/api/v1/evaluation/records/", {**PERIOD, "measure": "received", "page_size": 1})
    assert len(rows) == 4 == len({r["id"] for r in rows})
    assert rows[0]["created_at"].endswith("+08:00")  # local time with its offset, as the demand doors


def test_league_tables_and_cards(roles, month):
    sup = client_for(roles.supervisor)
    cadres = sup.get("/api/v1/evaluation/scorecards/cadres/", PERIOD).json()
    row = next(r for r in cadres["results"] if r["id"] == roles.cadre.pk)
    figures = {f["code"]: f for f in row["figures"]}
    assert (
        figures["visits"]["numerator"] == 1 and "measure=visits" in figures["visits"]["records"]["numerator"]
    )
    assert figures["received"]["numerator"] == 4 and figures["received"]["api_records"]["numerator"]
    assert row["card"].endswith(f"/evaluation/cards/cadre/{roles.cadre.pk}/?period=2026-02")
    units = sup.get("/api/v1/evaluation/scorecards/units/", PERIOD).json()["results"]
    assert any(u["id"] == month.unit.pk for u in units)
    card = client_for(roles.cadre).get("/api/v1/evaluation/scorecards/cadres/cadre_t/", PERIOD).json()
    assert card["period"] == "2026-02" and card["kind"] == "cadre" and "rank_of" in card
    assert {f["code"] for f in card["figures"]} >= {"response_rate", "point_coverage", "overdue_open"}
    unit = sup.get(f"/api/v1/evaluation/scorecards/units/{month.unit.pk}/", PERIOD).json()
    assert {f["code"]: f for f in unit["figures"]}["received"]["numerator"] == 3  # led by the unit
    assert sup.get("/api/v1/evaluation/scorecards/cadres/nobody/", PERIOD).status_code == 404


def test_reports_listed_and_downloaded_as_the_pages_allow(roles, month):
    mine = Report.objects.create(cadre=roles.cadre, period="2026-02", status=ReportStatus.DRAFT)
    theirs = Report.objects.create(cadre=roles.other_cadre, period="2026-02")
    assert [r["id"] for r in walk(client_for(roles.cadre), "/api/v1/evaluation/reports/")] == [mine.pk]
    assert [r["id"] for r in walk(client_for(roles.other_cadre), "/api/v1/evaluation/reports/")] == [
        theirs.pk
    ]
    sup = client_for(roles.supervisor)
    assert {r["id"] for r in walk(sup, "/api/v1/evaluation/reports/")} == {mine.pk, theirs.pk}
    only = walk(sup, "/api/v1/evaluation/reports/", {"cadre": "cadre_t", "status": "draft"})
    assert [r["id"] for r in only] == [mine.pk]
    assert sup.get("/api/v1/evaluation/reports/", {"status": "lost"}).status_code == 400
    url = only[0]["files"]["docx"]
    assert url.endswith("/api/v1/evaluation/reports/cadre_t/2026-02/docx/")
    assert client_for(roles.other_cadre).get(url).status_code == 404
    r = client_for(roles.cadre).get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    data = b"".join(r.streaming_content)
    assert data[:2] == b"PK" and r["ETag"].startswith('"')
    assert "attachment" in r["Content-Disposition"]
    again = client_for(roles.cadre).get(url, HTTP_IF_NONE_MATCH=r["ETag"])
    assert again.status_code in (200, 304)  # a draft is rendered anew; equal bytes answer 304
