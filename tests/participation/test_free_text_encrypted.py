"""Issue 21 item 2 for participation: what is never published — a survey's free answers, the notes of
the organisers' timeline — is stored encrypted; what is published (comments, minutes) is not personal
data kept back and stays as it is."""

from __future__ import annotations

import importlib
from io import BytesIO

import pytest
from django.apps import apps
from django.db import connection
from openpyxl import load_workbook

from lianxin.core import crypto
from lianxin.participation import services
from lianxin.participation.exporters import survey_responses_xlsx
from lianxin.participation.models import SurveyAnswer, TimelineEntry
from tests.encryption import raw
from tests.participation import factories

pytestmark = pytest.mark.django_db

PHONE = "13987654321"


def assert_sealed(model, pk: int, column: str) -> None:
    stored = raw(model, pk, column)
    assert stored and PHONE not in stored and crypto.token_is_current(stored)


def _respond(survey, citizen, text):
    free = survey.questions.get(kind="text")
    answers = {q.pk: 4 for q in survey.questions.filter(kind="scale5")}
    return services.survey_respond(
        survey=survey, actor=citizen, answers={**answers, free.pk: text}, area=survey.area
    )


def test_a_free_answer_is_stored_encrypted_and_exported_masked(cadre, citizen, area):
    survey = factories.survey(cadre, area)
    text = f"楼下噪音大，请联系我{PHONE}"
    response = _respond(survey, citizen, text)
    answer = SurveyAnswer.objects.get(response=response, question__kind="text")
    assert_sealed(SurveyAnswer, answer.pk, "text")
    assert SurveyAnswer.objects.get(pk=answer.pk).text == text
    rows = list(load_workbook(BytesIO(survey_responses_xlsx(survey))).active.iter_rows(values_only=True))
    cells = [str(c) for c in rows[1] if c]
    assert any(c.startswith("楼下噪音大") for c in cells) and not any(PHONE in c for c in cells)


def test_a_note_on_the_timeline_is_stored_encrypted(cadre, editor, citizen, area):
    consultation = factories.consultation(cadre, area)
    comment = services.comment_add(consultation=consultation, actor=citizen, body=f"我的电话{PHONE}")
    reason = f"含有个人电话{PHONE}"
    services.comment_moderate(comment=comment, actor=editor, hide=True, reason=reason)
    entry = TimelineEntry.objects.get(object_id=comment.pk, action="hide")
    assert_sealed(TimelineEntry, entry.pk, "note")
    assert TimelineEntry.objects.get(pk=entry.pk).note == reason


def test_the_migration_encrypts_answers_stored_in_clear(cadre, citizen, area):
    survey = factories.survey(cadre, area)
    response = _respond(survey, citizen, "好")
    answer = SurveyAnswer.objects.get(response=response, question__kind="text")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE participation_surveyanswer SET text = %s WHERE id = %s", [PHONE, answer.pk])
    module = importlib.import_module("lianxin.participation.migrations.0002_free_text_encrypted")
    module.encrypt_existing(apps, None)
    assert_sealed(SurveyAnswer, answer.pk, "text")
    assert SurveyAnswer.objects.get(pk=answer.pk).text == PHONE
