from lianxin.mediation.models import Case


def test_demo_has_cases_in_every_state(demo, client):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert {"mediating", "closed", "referred", "open"} <= statuses
    assert Case.objects.filter(overdue=True).exists()
    assert Case.objects.filter(source="demand").exists()
    client.login(username="handler2", password="lianxin-demo")
    assert client.get("/mediation/").status_code == 200
    client.login(username="cadre", password="lianxin-demo")
    assert client.get("/mediation/stats/").status_code == 200
