"""The scope matrix: mediators their cases; supervisors and admins all; cadres their area subtree; others nothing."""

import pytest
from rest_framework.test import APIClient

from lianxin.mediation.access import case_visible_q
from lianxin.mediation.models import Case
from tests.mediation.factories import open_case

# who → sees the case in the near grid (mediated by "mediator"), whole party data there
MATRIX = {
    "mediator": (True, True),
    "other_mediator": (False, False),
    "supervisor": (True, True),
    "admin": (True, True),
    "cadre": (True, False),  # the case's area lies in their street
    "far_cadre": (False, False),
    "operator": (False, False),
    "handler": (False, False),
    "citizen": (False, False),
    "editor": (False, False),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_scope_matrix(w, who):
    sees, whole = MATRIX[who]
    case = open_case(w)
    far = open_case(w, area=w.far_grid, mediators=["other_mediator"])
    user = w[who]
    visible = set(Case.objects.filter(case_visible_q(user)).values_list("pk", flat=True))
    assert (case.pk in visible) is sees
    client = APIClient()
    client.force_authenticate(user)
    listed = {row["id"] for row in client.get("/api/v1/mediation/cases/").json()["results"]}
    assert (case.pk in listed) is sees
    if who in ("supervisor", "admin", "other_mediator"):
        assert far.pk in listed
    elif who != "far_cadre":
        assert far.pk not in listed
    response = client.get(f"/api/v1/mediation/cases/{case.pk}/")
    assert response.status_code == (200 if sees else 404)
    if sees:
        names = {p["name"] for p in response.json()["parties"]}
        assert ("王秀英" in names) is whole
        if not whole:
            assert "王**" in names and all("1370000" not in p["phone"] for p in response.json()["parties"])
        doc = client.get(f"/api/v1/mediation/cases/{case.pk}/agreement.pdf")
        assert doc.status_code == (200 if whole else 403)


def test_far_cadre_sees_the_far_case(w):
    far = open_case(w, area=w.far_grid, mediators=["other_mediator"])
    assert Case.objects.filter(case_visible_q(w["far_cadre"]), pk=far.pk).exists()


def test_anonymous_gets_nothing(w):
    open_case(w)
    assert APIClient().get("/api/v1/mediation/cases/").status_code in (401, 403)
    assert not Case.objects.filter(case_visible_q(None)).exists()
