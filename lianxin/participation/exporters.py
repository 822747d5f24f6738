"""Raw survey responses as xlsx, without personal data: no identity, no phone, only the area, the
time and the answers."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook

from lianxin.participation.models import Survey, SurveyAnswer


def survey_responses_xlsx(survey: Survey) -> bytes:
    questions = list(survey.questions.all())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("responses")
    ws.append(["response", "area", "time", *[f"Q{q.order + 1} {q.text}" for q in questions]])
    column = {q.pk: i for i, q in enumerate(questions)}
    current: int | None = None
    row: list[Any] = []
    meta: list[Any] = []
    answers = (
        SurveyAnswer.objects.filter(response__survey=survey)
        .order_by("response_id", "id")
        .values_list(
            "response_id", "response__area__name", "response__at", "question_id", "value", "choices", "text"
        )
        .iterator(chunk_size=5000)
    )
    for rid, area, at, qid, value, choices, text in answers:
        if rid != current:
            if current is not None:
                ws.append([current, *meta, *row])
            current, row, meta = rid, [""] * len(questions), [area, at.replace(tzinfo=None)]
        q = questions[column[qid]]
        cell: Any
        if q.kind == "multiple":
            cell = "、".join(q.options[i] for i in choices if 0 <= i < len(q.options))
        elif q.kind == "single":
            cell = q.options[int(value)] if value is not None and 0 <= int(value) < len(q.options) else ""
        elif q.kind == "text":
            from lianxin.intel.pii import mask_pii

            cell = mask_pii(text)
        else:
            cell = value
        row[column[qid]] = cell
    if current is not None:
        ws.append([current, *meta, *row])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
