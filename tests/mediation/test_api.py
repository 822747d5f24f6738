import io

import pytest
from docx import Document
from rest_framework.test import APIClient

from lianxin.mediation.models import Case, CaseEvent
from tests.mediation.factories import agreed_case, open_case

BODY = {
    "title": "欠薪纠纷",
    "summary": "八名工人被拖欠工资三个月。",
    "type": "labour",
    "parties": [
        {"name": "张志强", "role": "applicant", "phone": "13700003333"},
        {"name": "某装饰工程有限公司", "kind": "organisation", "role": "respondent"},
    ],
}


def client_of(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_create_then_read(w):
    c = client_of(w["mediator"])
    response = c.post("/api/v1/mediation/cases/", {**BODY, "area": w.grid.pk}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "open" and data["level"] == "grid" and len(data["parties"]) == 2
    assert data["mediators"] == [{"id": w["mediator"].pk, "name": "调解员甲", "lead": True}]
    assert "session" in data["allowed_actions"] and "agree" not in data["allowed_actions"]
    assert c.get(f"/api/v1/mediation/cases/{data['id']}/").json()["case_no"] == data["case_no"]


def test_create_without_parties_is_a_400_naming_them(w):
    c = client_of(w["mediator"])
    response = c.post("/api/v1/mediation/cases/", {**BODY, "parties": [], "area": w.grid.pk}, format="json")
    assert response.status_code == 400
    assert "parties" in response.json()["error"]["fields"]
    assert not Case.objects.exists()


def test_create_without_area_is_a_400(w):
    response = client_of(w["mediator"]).post("/api/v1/mediation/cases/", BODY, format="json")
    assert response.status_code == 400 and "area" in response.json()["error"]["fields"]


def test_citizen_may_not_create(w):
    response = client_of(w["citizen"]).post(
        "/api/v1/mediation/cases/", {**BODY, "area": w.grid.pk}, format="json"
    )
    assert response.status_code == 403


def test_actions_through_the_api(w):
    case = open_case(w)
    c = client_of(w["mediator"])
    url = f"/api/v1/mediation/cases/{case.pk}/actions/"
    r = c.post(url, {"action": "session", "record": "双方到场"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "mediating"
    r = c.post(url, {"action": "agree", "terms": "一、……"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "signatures_missing"
    ids = [p["id"] for p in r.json().get("parties", [])] or list(case.parties.values_list("pk", flat=True))
    r = c.post(url, {"action": "agree", "terms": "一、……", "signed_parties": ids}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "agreed"
    r = c.post(url, {"action": "session", "record": "again"}, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "bad_state"
    r = c.post(url, {"action": "follow_up", "date": "2001-01-01", "performance": "performed"}, format="json")
    assert r.status_code == 400 and "date" in r.json()["error"]["fields"]
    r = c.post(url, {"action": "nonsense"}, format="json")
    assert r.status_code == 400 and "action" in r.json()["error"]["fields"]
    assert CaseEvent.objects.filter(case=case).count() == 3  # open, session, agree


def test_signed_scan_upload_through_multipart(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = open_case(w)
    c = client_of(w["mediator"])
    url = f"/api/v1/mediation/cases/{case.pk}/actions/"
    c.post(url, {"action": "session", "record": "协商"}, format="json")
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    pdf.name = "signed.pdf"
    r = c.post(url, {"action": "agree", "terms": "一、……", "scan": pdf}, format="multipart")
    assert r.status_code == 200, r.content
    assert r.json()["agreement"]["signed_scan"] is True


def test_agreement_documents(w):
    case = agreed_case(w)
    c = client_of(w["mediator"])
    docx = c.get(f"/api/v1/mediation/cases/{case.pk}/agreement.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs)
    assert (
        "人民调解协议书" in text
        and "王秀英" in text
        and "一、李德明夜间不再装修。" in text
        and "草稿" not in text
    )
    pdf = c.get(f"/api/v1/mediation/cases/{case.pk}/agreement.pdf")
    content = b"".join(pdf.streaming_content)
    assert pdf["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    assert b"FontFile2" in content and b"Helvetica" not in content  # the CJK font embedded, no standard font


def test_draft_document_is_marked(w):
    case = open_case(w)
    docx = client_of(w["mediator"]).get(f"/api/v1/mediation/cases/{case.pk}/agreement.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs)
    assert "草稿" in text


def test_list_filters_and_bad_filters(w):
    mine = open_case(w)
    open_case(w, mediators=["other_mediator"])
    c = client_of(w["supervisor"])
    rows = c.get("/api/v1/mediation/cases/", {"status": "open"}).json()["results"]
    assert len(rows) == 2
    assert c.get("/api/v1/mediation/cases/", {"status": "nope"}).status_code == 400
    assert c.get("/api/v1/mediation/cases/", {"since": "1900-01-01"}).status_code == 400
    rows = client_of(w["mediator"]).get("/api/v1/mediation/cases/", {"mine": "true"}).json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]


@pytest.mark.parametrize("n", [3, 12])
def test_list_queries_do_not_grow(w, django_assert_max_num_queries, n):
    for _ in range(n):
        open_case(w)
    c = client_of(w["mediator"])
    with django_assert_max_num_queries(6):
        assert len(c.get("/api/v1/mediation/cases/").json()["results"]) == n
