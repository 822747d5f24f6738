from __future__ import annotations

from datetime import date

import pytest

from lianxin.core.contributions import Subject, module_measures, report_sections
from lianxin.participation import measures
from lianxin.participation.models import Consultation, Event, Poll, Survey

pytestmark = pytest.mark.django_db


def test_demo_pages_measures_and_report_sections(demo, client):
    from lianxin.accounts.models import User

    cadre = User.objects.get(username="cadre")
    assert Consultation.objects.filter(status="feedback").exists()
    assert Poll.objects.filter(status="published").exists() and Event.objects.filter(status="held").exists()
    survey = Survey.objects.get()
    for url in [
        "/participation/",
        f"/participation/happiness/{survey.pk}/",
        f"/participation/board/{cadre.area_scope_id}/",
    ]:
        assert client.get(url).status_code == 200, url
    for c in Consultation.objects.all():
        assert client.get(f"/participation/consultations/{c.pk}/").status_code == 200
    page = client.get(f"/participation/board/{cadre.area_scope_id}/").content.decode()
    assert "13912345678" not in page
    client.force_login(cadre)
    for url in [
        "/participation/workbench/",
        "/participation/statistics/",
        f"/participation/surveys/{survey.pk}/export/",
    ]:
        assert client.get(url).status_code == 200, url
    codes = {m.code for m in module_measures() if m.module == "participation"}
    assert {"consultations_held", "adoption_rate", "events_held", "happiness_index"} <= codes
    assert all(m.weight == 0 for m in module_measures() if m.module == "participation")
    keys = {s.key for s in report_sections()}
    assert {"participation_organise", "participation_democracy", "participation_happiness"} <= keys

    subject = Subject(kind="cadre", key=cadre.pk, unit_id=cadre.unit_id, area_path=cadre.area_scope.path)
    start, end = date(2000, 1, 1), date(2100, 1, 1)
    assert measures.events_held([subject], start, end)[cadre.pk][0] == 2
    assert measures.event_attendance([subject], start, end)[cadre.pk] == (12, 25)
    n, d = measures.adoption_rate([subject], start, end)[cadre.pk]
    assert (n, d) == (4, 5)
    assert measures.happiness_index([subject], start, end)[cadre.pk][1] == 10_000
    section = measures.organise_section(cadre, start, end)
    assert section is not None and "2" in section.paragraphs[0]
    assert measures.democracy_section(cadre, start, end) is not None
    assert measures.happiness_section(cadre, start, end) is not None
