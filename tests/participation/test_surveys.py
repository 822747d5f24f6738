from __future__ import annotations

import random
from io import BytesIO

import pytest
from openpyxl import load_workbook

from lianxin.core.errors import Conflict, ValidationFailed
from lianxin.participation import happiness, selectors, services
from lianxin.participation.exporters import survey_responses_xlsx
from lianxin.participation.models import SurveyResponse
from tests.factories import UserFactory
from tests.participation import factories

pytestmark = pytest.mark.django_db


def _answers(survey, value):
    return {q.pk: value for q in survey.questions.filter(kind="scale5")}


def test_index_method_by_hand():
    # two dimensions, weights 3:1; a response of 5 and 3 on a 1–5 scale → 100 and 50 → (300+50)/4 = 87.5
    scores = happiness.dimension_scores([("income", 5, 5), ("housing", 3, 5)])
    assert scores == {"income": 100.0, "housing": 50.0}
    assert happiness.response_index(scores, {"income": 3, "housing": 1}) == pytest.approx(87.5)
    figures = happiness.index_of(
        [("a", {"income": 100.0}), ("a", {"income": 0.0})], {"income": 1}, min_sample=2
    )
    f = figures["a"]
    assert f.index == 50 and f.low < 50 < f.high and f.published
    assert not happiness.index_of([("a", {"income": 1.0})], {"income": 1}, min_sample=2)["a"].published


def test_responses_index_by_area_min_sample_and_export_without_personal_data(
    cadre, area, communities, settings
):
    from lianxin.participation import conf

    survey = factories.survey(cadre, area)
    rng = random.Random(1)
    for i in range(conf.MIN_SAMPLE):
        services.survey_respond(
            survey=survey,
            actor=UserFactory(),
            answers=_answers(survey, rng.randint(3, 5)),
            area=communities[0],
        )
    for i in range(3):
        services.survey_respond(
            survey=survey, actor=UserFactory(), answers=_answers(survey, 1), area=communities[1]
        )
    idx = selectors.survey_index(survey=survey)
    by_name = {c.area.name: c.figure for c in idx["children"]}
    assert by_name["社区0"].published and 50 <= by_name["社区0"].index <= 100
    assert not by_name["社区1"].published and by_name["社区1"].n == 3
    assert idx["total"].n == conf.MIN_SAMPLE + 3
    book = load_workbook(BytesIO(survey_responses_xlsx(survey)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 1 + conf.MIN_SAMPLE + 3
    assert rows[0][:3] == ("response", "area", "time")
    assert not any("u:" in str(cell) for row in rows for cell in row)


@pytest.mark.parametrize("value", [0, 6, "abc", 2.5])
def test_answer_out_of_range_refused(cadre, citizen, area, value):
    survey = factories.survey(cadre, area)
    with pytest.raises(ValidationFailed) as err:
        services.survey_respond(survey=survey, actor=citizen, answers=_answers(survey, value), area=area)
    assert any(k.startswith("answers.") for k in err.value.fields)
    assert not SurveyResponse.objects.exists()


def test_one_response_per_identity_and_sampled_needs_invite(cadre, citizen, area):
    survey = factories.survey(cadre, area)
    services.survey_respond(survey=survey, actor=citizen, answers=_answers(survey, 4), area=area)
    with pytest.raises(Conflict):
        services.survey_respond(survey=survey, actor=citizen, answers=_answers(survey, 4), area=area)
    sampled = factories.survey(cadre, area, distribution="sampled")
    (invite,) = services.survey_invite(survey=sampled, actor=cadre, area=area, phones=["13500001111"])
    services.survey_respond(survey=sampled, actor=None, answers=_answers(sampled, 5), token=invite.token)
    with pytest.raises(Conflict):
        services.survey_respond(survey=sampled, actor=None, answers=_answers(sampled, 5), token=invite.token)


def test_weights_validated(cadre, area):
    with pytest.raises(ValidationFailed):
        services.survey_create(
            actor=cadre,
            title="x",
            area=area,
            period_start=area and __import__("datetime").date(2026, 1, 1),
            period_end=__import__("datetime").date(2026, 1, 2),
            questions=[{"text": "q", "kind": "scale5"}],
            weights={"luck": 1},
        )


def test_api_index_and_respond(client, cadre, citizen, area):
    survey = factories.survey(cadre, area)
    client.force_login(citizen)
    body = {"answers": {str(k): v for k, v in _answers(survey, 4).items()}, "area": area.pk}
    assert (
        client.post(
            f"/api/v1/surveys/{survey.pk}/respond/", body, content_type="application/json"
        ).status_code
        == 201
    )
    body["answers"][str(survey.questions.first().pk)] = 9
    assert (
        client.post(
            f"/api/v1/surveys/{survey.pk}/respond/", body, content_type="application/json"
        ).status_code
        == 400
    )
    r = client.get(f"/api/v1/surveys/{survey.pk}/index/")
    assert r.status_code == 200 and r.json()["total"]["n"] == 1
