"""Evaluation over the API: the measures of a subject (the city, a cadre's remit, a unit) with the
records behind every figure, the league tables and scorecards, and the cadres' report files. Each door
has the rule of its page: the records page's subjects (`_subject`), the league tables for supervisors
and admins, a cadre's card and reports for that cadre and the overseers (another cadre's: 404)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.accounts.models import Role, User
from lianxin.accounts.permissions import HasRole
from lianxin.contact.access import OVERSEER_ROLES, cadre_named, may_view_cadre
from lianxin.contact.selectors import ContactMeasures
from lianxin.core.api_docs import errors, ok_example
from lianxin.core.api_etag import ETAG_PARAMETERS, NOT_MODIFIED, ETagMixin, bytes_etag, conditional
from lianxin.core.api_filters import choice_param, id_param, refuse
from lianxin.core.api_pagination import cursor_by
from lianxin.core.files import file_response
from lianxin.demands.measures import ANCHORS, LABELS, measure_get, measures_compute
from lianxin.demands.selectors import visible_demand_ids
from lianxin.evaluation import selectors, services
from lianxin.evaluation.figures import (
    EXTRA_RATES,
    OVERDUE_OPEN,
    SHOWN_RATES,
    Scope,
    cadre_scope,
    period_range,
)
from lianxin.evaluation.models import Report, ReportStatus
from lianxin.evaluation.scoring import wilson_interval
from lianxin.evaluation.selectors import CITY_ROLES, PERIOD_KINDS, Period, ScoreRow
from lianxin.intel.pii import mask_pii
from lianxin.org.models import Unit

TAGS = ["evaluation"]
RECORD_ROLES = (Role.OPERATOR, Role.CADRE, *OVERSEER_ROLES)  # the records page's and the dashboards'
CARD_ROLES = (Role.CADRE, *OVERSEER_ROLES)
# Figures the evaluation records page lists (views.TRACEABLE without the hot-issue narrowing).
PAGE_TRACEABLE = {*SHOWN_RATES, *EXTRA_RATES, "received", "overdue", "closed_resolved", OVERDUE_OPEN}
SUBJECTS = ["city", "cadre", "unit"]
PERIOD = OpenApiParameter(
    "period",
    OpenApiTypes.STR,
    description="`YYYY-MM`, `YYYY-Qn` or `YYYY`; default the latest complete period of `kind`",
)
KIND = OpenApiParameter("kind", OpenApiTypes.STR, enum=list(PERIOD_KINDS), description="default `month`")
SUBJECT_PARAMETERS = [
    OpenApiParameter(
        "subject",
        OpenApiTypes.STR,
        enum=SUBJECTS,
        description="city (operator, supervisor, admin), cadre (that cadre, supervisor, admin), unit "
        "(supervisor, admin); default the caller's dashboard: the city, or a cadre's own remit",
    ),
    OpenApiParameter("id", OpenApiTypes.STR, description="the cadre's id or username, or the unit's id"),
    PERIOD,
    KIND,
]


def period_of(request: Request) -> Period:
    """`?period=` (400 naming it when malformed), else the latest complete period of `?kind=`."""
    raw = (request.query_params.get("period") or "").strip()
    if raw:
        return Period.parse(raw)
    kind = choice_param(request.query_params, "kind", list(PERIOD_KINDS)) or "month"
    return selectors.default_period(kind)


def cadre_or_404(user: User, ident: str) -> User:
    cadre = cadre_named(ident)
    if cadre is None or not may_view_cadre(user, cadre):
        raise Http404
    return cadre


@dataclass(frozen=True)
class Subject:
    scope: Scope
    params: dict[str, str]  # the records page's subject (and id)
    name: str
    cadre: User | None = None


def subject_of(request: UserApiRequest) -> Subject:
    """The subject of `?subject=&id=` by the records page's rule: the city for operators, supervisors
    and admins; a cadre for that cadre and the overseers (another cadre's: 404); a unit for overseers.
    A role the subject is not for gets 403."""
    user, params = request.user, request.query_params
    default = "city" if user.has_role(*CITY_ROLES) else "cadre"
    subject = choice_param(params, "subject", SUBJECTS) or default
    ident = (params.get("id") or "").strip()
    if subject == "city":
        if not user.has_role(*CITY_ROLES):
            raise DrfPermissionDenied
        return Subject(Scope(), {"subject": "city"}, _("全市"))
    if subject == "cadre":
        if not user.has_role(*CARD_ROLES):
            raise DrfPermissionDenied
        cadre = cadre_or_404(user, ident or str(user.pk))
        return Subject(cadre_scope(cadre), {"subject": "cadre", "id": str(cadre.pk)}, str(cadre), cadre)
    if not user.has_role(*OVERSEER_ROLES):
        raise DrfPermissionDenied
    pk = id_param(params, "id")
    if pk is None:
        raise refuse("id", _("必填：单位 id"))
    unit = get_object_or_404(Unit, pk=pk)
    return Subject(Scope(unit=unit), {"subject": "unit", "id": str(unit.pk)}, unit.name)


def _absolute(request: Request, path: str) -> str:
    return request.build_absolute_uri(path)


def page_records(request: Request, subject: dict[str, str], period: Period, code: str, part: str) -> str:
    """The evaluation records page of one figure (what the scorecards link)."""
    return _absolute(request, selectors.records_url(subject, period, code, part))


def api_records(request: Request, subject: dict[str, str], period: Period, code: str, part: str) -> str:
    params = {**subject, "period": str(period), "measure": code, "part": part}
    return _absolute(request, reverse("evaluation-records") + "?" + urlencode(params))


def figure(
    request: Request,
    subject: dict[str, str],
    period: Period,
    *,
    code: str,
    label: str,
    kind: str,
    value: float | None,
    numerator: int,
    denominator: int | None,
    page: bool = True,
    api: bool = True,
) -> dict[str, Any]:
    """One figure and the addresses of its records: `records` the evaluation page (as the scorecards
    link it), `api_records` the list of demands through this API; a count has a numerator only."""
    parts = ["numerator", "denominator"] if denominator is not None else ["numerator"]
    return {
        "code": code,
        "label": str(label),
        "kind": kind,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "interval": (
            list(wilson_interval(numerator, denominator) or []) or None
            if kind == "rate" and denominator
            else None
        ),
        "records": {p: page_records(request, subject, period, code, p) for p in parts} if page else None,
        "api_records": {p: api_records(request, subject, period, code, p) for p in parts} if api else None,
    }


# --- serializers (documentation of the JSON shapes) ----------------------------------------------


class EvaluationRecordLinksSerializer(serializers.Serializer):
    numerator = serializers.URLField()
    denominator = serializers.URLField(required=False)


class EvaluationFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    kind = serializers.CharField(help_text="rate | count | score | hours")
    value = serializers.FloatField(allow_null=True)
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    interval = serializers.ListField(child=serializers.FloatField(), allow_null=True, help_text="95 % Wilson")
    records = EvaluationRecordLinksSerializer(
        allow_null=True, help_text="the evaluation records page of the figure"
    )
    api_records = EvaluationRecordLinksSerializer(
        allow_null=True, help_text="the demands counted, through this API"
    )


class EvaluationMeasuresSerializer(serializers.Serializer):
    subject = serializers.DictField(child=serializers.CharField())
    name = serializers.CharField()
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="exclusive")
    figures = EvaluationFigureSerializer(many=True)


class EvaluationScoreRowSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="unit | cadre")
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit_name = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    sample = serializers.IntegerField()
    min_sample = serializers.IntegerField()
    under_sample = serializers.BooleanField()
    figures = EvaluationFigureSerializer(many=True)
    card = serializers.URLField()


class EvaluationLeagueSerializer(serializers.Serializer):
    period = serializers.CharField()
    min_sample = serializers.IntegerField()
    results = EvaluationScoreRowSerializer(many=True)


class EvaluationCardSerializer(EvaluationScoreRowSerializer):
    period = serializers.CharField()
    rank_of = serializers.IntegerField(allow_null=True)


class EvaluationRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_no = serializers.CharField()
    title = serializers.CharField(help_text="personal data masked")
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    openable = serializers.BooleanField(help_text="whether the caller may open it at /api/v1/demands/{id}/")


class EvaluationReportFilesSerializer(serializers.Serializer):
    pdf = serializers.URLField()
    docx = serializers.URLField()


class EvaluationReportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cadre = serializers.DictField()
    period = serializers.CharField()
    status = serializers.CharField(help_text="draft | final")
    finalised_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    pdf_sha256 = serializers.CharField()
    docx_sha256 = serializers.CharField()
    files = EvaluationReportFilesSerializer()
    page = serializers.URLField()


# --- measures and their records ------------------------------------------------------------------


FIGURE_EXAMPLE = {
    "code": "response_rate",
    "label": "及时签收率",
    "kind": "rate",
    "value": 0.92,
    "numerator": 46,
    "denominator": 50,
    "interval": [0.81, 0.97],
    "records": {
        "numerator": "http://127.0.0.1:8000/evaluation/records/?subject=city&period=2026-11&measure=response_rate&part=numerator",
        "denominator": "http://127.0.0.1:8000/evaluation/records/?subject=city&period=2026-11&measure=response_rate&part=denominator",
    },
    "api_records": {
        "numerator": "http://127.0.0.1:8000/api/v1/evaluation/records/?subject=city&period=2026-11&measure=response_rate&part=numerator",
        "denominator": "http://127.0.0.1:8000/api/v1/evaluation/records/?subject=city&period=2026-11&measure=response_rate&part=denominator",
    },
}


class MeasuresView(ETagMixin, APIView):
    """Every demand measure (domain.md) of a subject and period, through `measures_compute`, each
    with the records behind it."""

    permission_classes = [IsAuthenticated, HasRole.of(*RECORD_ROLES)]

    @extend_schema(
        tags=TAGS,
        summary="Measures of the city, a cadre's remit or a unit (operator, cadre, supervisor, admin)",
        parameters=[*SUBJECT_PARAMETERS, *ETAG_PARAMETERS],
        responses={200: EvaluationMeasuresSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[
            ok_example(
                "city, one month",
                {
                    "subject": {"subject": "city"},
                    "name": "全市",
                    "period": "2026-11",
                    "start": "2026-11-01",
                    "end": "2026-12-01",
                    "figures": [FIGURE_EXAMPLE],
                },
            )
        ],
    )
    def get(self, request: UserApiRequest) -> Response:
        subject = subject_of(request)
        period = period_of(request)
        start, end = period_range(period)
        values = measures_compute(start=start, end=end, **subject.scope.kwargs())
        figures = [
            figure(
                request,
                subject.params,
                period,
                code=m.code,
                label=m.label,
                kind=m.kind,
                value=m.value,
                numerator=m.numerator,
                denominator=m.denominator if m.kind != "count" else None,
                page=m.code in PAGE_TRACEABLE,
            )
            for m in values.values()
        ]
        return Response(
            EvaluationMeasuresSerializer(
                {
                    "subject": subject.params,
                    "name": subject.name,
                    "period": str(period),
                    "start": start,
                    "end": end,
                    "figures": figures,
                }
            ).data
        )


class RecordsView(ETagMixin, generics.GenericAPIView):
    """The demands behind one figure (`measure_get(...).queryset(part)`), newest first, cursor-paginated;
    a demand is `openable` when the caller may open it (the demands app's rule)."""

    permission_classes = [IsAuthenticated, HasRole.of(*RECORD_ROLES)]
    serializer_class = EvaluationRecordSerializer
    pagination_class = cursor_by("-created_at", "-id")

    @extend_schema(
        tags=TAGS,
        summary="The demands counted in one figure",
        parameters=[
            *SUBJECT_PARAMETERS,
            OpenApiParameter("measure", OpenApiTypes.STR, required=True, enum=list(ANCHORS)),
            OpenApiParameter("part", OpenApiTypes.STR, enum=["numerator", "denominator"]),
            *ETAG_PARAMETERS,
        ],
        responses={
            200: EvaluationRecordSerializer(many=True),
            304: NOT_MODIFIED,
            **errors(400, 401, 403, 404),
        },
        examples=[
            ok_example(
                "a demand counted",
                {
                    "id": 1201,
                    "ticket_no": "LX202611020013",
                    "title": "路灯不亮",
                    "status": "closed",
                    "created_at": "2026-11-02T09:00:00+08:00",
                    "openable": True,
                },
            )
        ],
    )
    def get(self, request: UserApiRequest) -> Response:
        params = request.query_params
        code = choice_param(params, "measure", list(ANCHORS))
        if code is None:
            raise refuse("measure", _("必填"))
        part = choice_param(params, "part", ["numerator", "denominator"]) or "numerator"
        subject = subject_of(request)
        period = period_of(request)
        start, end = period_range(period)
        measure = measure_get(code=code, start=start, end=end, **subject.scope.kwargs())
        qs = measure.queryset(part).only("id", "ticket_no", "title", "status", "created_at")
        page = list(self.paginate_queryset(qs) or [])
        openable = (
            set(d.pk for d in page)
            if request.user.sees_all
            else visible_demand_ids(request.user, (d.pk for d in page))
        )
        return self.get_paginated_response(
            EvaluationRecordSerializer(
                [
                    {
                        "id": d.pk,
                        "ticket_no": d.ticket_no,
                        "title": mask_pii(d.title),
                        "status": d.status,
                        "created_at": d.created_at,
                        "openable": d.pk in openable,
                    }
                    for d in page
                ],
                many=True,
            ).data
        )


# --- scorecards ----------------------------------------------------------------------------------


def score_row(request: Request, row: ScoreRow, period: Period) -> dict[str, Any]:
    """A league row or card: score, rank, and every figure of it with its records."""
    subject = {"subject": row.kind, "id": str(row.key)}
    figures = [
        figure(
            request,
            subject,
            period,
            code=r.code,
            label=r.label,
            kind="rate",
            value=r.value,
            numerator=r.numerator,
            denominator=r.denominator,
        )
        for r in [*row.shown_rates, *row.extra_rates]
    ]
    counts = [("received", row.received), ("overdue", row.overdue), ("closed_resolved", row.closed_resolved)]
    for code, n in counts:
        figures.append(
            figure(
                request,
                subject,
                period,
                code=code,
                label=str(LABELS[code]),
                kind="count",
                value=float(n),
                numerator=n,
                denominator=None,
            )
        )
    figures.append(
        figure(
            request,
            subject,
            period,
            code=OVERDUE_OPEN,
            label=_("超期未办结"),
            kind="count",
            value=float(row.overdue_open),
            numerator=row.overdue_open,
            denominator=None,
            api=False,
        )
    )
    if row.contact is not None:
        figures += contact_figures(request, subject, period, row.contact)
    for module in row.modules:
        rate = module.rate
        figures.append(
            {
                "code": module.code,
                "label": str(module.measure.label),
                "kind": module.measure.kind,
                "value": rate.value,
                "numerator": rate.numerator,
                "denominator": rate.denominator if module.is_rate else None,
                "interval": None,
                "records": {"numerator": _absolute(request, module.records)} if module.records else None,
                "api_records": None,
            }
        )
    card = (
        reverse("evaluation:cadre_card", args=[row.key])
        if row.kind == "cadre"
        else reverse("evaluation:unit_card", args=[row.key])
    )
    return {
        "kind": row.kind,
        "id": row.key,
        "name": row.name,
        "unit_name": row.unit_name,
        "score": row.score,
        "rank": row.rank,
        "sample": row.sample,
        "min_sample": row.min_sample,
        "under_sample": row.under_sample,
        "figures": figures,
        "card": _absolute(request, card + "?" + urlencode({"period": str(period)})),
    }


def contact_figures(
    request: Request, subject: dict[str, str], period: Period, c: ContactMeasures
) -> list[dict[str, Any]]:
    """A cadre's contact-work figures, linked as the league table links them (the visit lists)."""

    def one(
        code: str, label: str, kind: str, value: float | None, n: int, d: int | None, parts: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "code": code,
            "label": label,
            "kind": kind,
            "value": value,
            "numerator": n,
            "denominator": d,
            "interval": None,
            "records": {p: page_records(request, subject, period, m, p) for p, m in parts.items()},
            "api_records": None,
        }

    return [
        one("visits", _("走访次数"), "count", float(c.visits), c.visits, None, {"numerator": "visits"}),
        one(
            "point_coverage",
            _("联系点覆盖"),
            "rate",
            c.point_coverage,
            c.points_covered,
            c.points_assigned,
            {"numerator": "point_coverage", "denominator": "point_coverage"},
        ),
        one(
            "household_coverage",
            _("联系户覆盖"),
            "rate",
            c.household_coverage,
            c.households_covered,
            c.households_assigned,
            {"numerator": "household_coverage", "denominator": "household_coverage"},
        ),
        one(
            "problem_solved_rate",
            _("走访问题解决"),
            "rate",
            c.problem_solved_rate,
            c.problems_solved,
            c.problems,
            {"numerator": "problems_solved", "denominator": "problems"},
        ),
    ]


ROW_EXAMPLE = {
    "kind": "cadre",
    "id": 4,
    "name": "张建国",
    "unit_name": "东风街道办事处",
    "score": 91.3,
    "rank": 1,
    "sample": 50,
    "min_sample": 10,
    "under_sample": False,
    "figures": [FIGURE_EXAMPLE],
    "card": "http://127.0.0.1:8000/evaluation/cards/cadre/4/?period=2026-11",
}


class _League(ETagMixin, APIView):
    permission_classes = [IsAuthenticated, HasRole.of(*OVERSEER_ROLES)]
    kind = ""

    def get(self, request: UserApiRequest) -> Response:
        period = period_of(request)
        rows = (
            selectors.unit_league(period=period)
            if self.kind == "unit"
            else selectors.cadre_league(period=period)
        )
        league = {
            "period": str(period),
            "min_sample": rows[0].min_sample if rows else 0,
            "results": [score_row(request, r, period) for r in rows],
        }
        return Response(EvaluationLeagueSerializer(league).data)


class UnitLeagueView(_League):
    kind = "unit"

    @extend_schema(
        tags=TAGS,
        summary="Unit league table (supervisor, admin)",
        parameters=[PERIOD, KIND, *ETAG_PARAMETERS],
        responses={200: EvaluationLeagueSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403)},
        examples=[
            ok_example(
                "units",
                {
                    "period": "2026-11",
                    "min_sample": 10,
                    "results": [{**ROW_EXAMPLE, "kind": "unit", "name": "市住建局"}],
                },
            )
        ],
    )
    def get(self, request: UserApiRequest) -> Response:
        return super().get(request)


class CadreLeagueView(_League):
    kind = "cadre"

    @extend_schema(
        tags=TAGS,
        summary="Cadre league table (supervisor, admin)",
        parameters=[PERIOD, KIND, *ETAG_PARAMETERS],
        responses={200: EvaluationLeagueSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403)},
        examples=[ok_example("cadres", {"period": "2026-11", "min_sample": 10, "results": [ROW_EXAMPLE]})],
    )
    def get(self, request: UserApiRequest) -> Response:
        return super().get(request)


class CadreCardView(ETagMixin, APIView):
    permission_classes = [IsAuthenticated, HasRole.of(*CARD_ROLES)]

    @extend_schema(
        tags=TAGS,
        summary="A cadre's scorecard (that cadre, supervisor, admin)",
        operation_id="evaluation_scorecards_cadre_card",
        parameters=[PERIOD, KIND, *ETAG_PARAMETERS],
        responses={200: EvaluationCardSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[ok_example("card", {**ROW_EXAMPLE, "period": "2026-11", "rank_of": 12})],
    )
    def get(self, request: UserApiRequest, ident: str) -> Response:
        cadre = cadre_or_404(request.user, ident)
        period = period_of(request)
        card = selectors.cadre_card(cadre=cadre, period=period)
        place, of = selectors.cadre_rank(cadre=cadre, period=period)
        card.rank = place
        return Response(
            EvaluationCardSerializer(
                {**score_row(request, card, period), "period": str(period), "rank_of": of}
            ).data
        )


class UnitCardView(ETagMixin, APIView):
    permission_classes = [IsAuthenticated, HasRole.of(*OVERSEER_ROLES)]

    @extend_schema(
        tags=TAGS,
        summary="A unit's scorecard (supervisor, admin)",
        operation_id="evaluation_scorecards_unit_card",
        parameters=[PERIOD, KIND, *ETAG_PARAMETERS],
        responses={200: EvaluationCardSerializer, 304: NOT_MODIFIED, **errors(400, 401, 403, 404)},
        examples=[
            ok_example(
                "card",
                {**ROW_EXAMPLE, "kind": "unit", "name": "市住建局", "period": "2026-11", "rank_of": None},
            )
        ],
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        unit = get_object_or_404(Unit, pk=pk)
        period = period_of(request)
        card = selectors.unit_card(unit=unit, period=period)
        row = {**score_row(request, card, period), "period": str(period), "rank_of": None}
        return Response(EvaluationCardSerializer(row).data)


# --- reports -------------------------------------------------------------------------------------

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def report_row(request: Request, r: Report) -> dict[str, Any]:
    cadre = r.cadre
    files = {
        fmt: _absolute(request, reverse("evaluation-report-file", args=[cadre.username, r.period, fmt]))
        for fmt in FORMATS
    }
    return {
        "id": r.pk,
        "cadre": {"id": cadre.pk, "username": cadre.username, "name": str(cadre)},
        "period": r.period,
        "status": r.status,
        "finalised_at": r.finalised_at,
        "updated_at": r.updated_at,
        "pdf_sha256": r.pdf_sha256,
        "docx_sha256": r.docx_sha256,
        "files": files,
        "page": _absolute(request, reverse("evaluation:report", args=[cadre.username, r.period])),
    }


class ReportListView(ETagMixin, generics.GenericAPIView):
    """Stored reports (drafts saved and final ones), newest change first: a cadre's own; any cadre's for
    supervisors and admins (`?cadre=` narrows to one)."""

    permission_classes = [IsAuthenticated, HasRole.of(*CARD_ROLES)]
    serializer_class = EvaluationReportRowSerializer
    pagination_class = cursor_by("-updated_at", "-id")

    @extend_schema(
        tags=TAGS,
        summary="Cadres' reports (the cadre; supervisor, admin)",
        parameters=[
            OpenApiParameter("cadre", OpenApiTypes.STR, description="a cadre's id or username"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=ReportStatus.values),
            OpenApiParameter("period", OpenApiTypes.STR, description="`YYYY-MM`, `YYYY-Qn` or `YYYY`"),
            *ETAG_PARAMETERS,
        ],
        responses={
            200: EvaluationReportRowSerializer(many=True),
            304: NOT_MODIFIED,
            **errors(400, 401, 403, 404),
        },
        examples=[
            ok_example(
                "final report",
                {
                    "id": 9,
                    "cadre": {"id": 4, "username": "cadre", "name": "张建国"},
                    "period": "2026-11",
                    "status": "final",
                    "finalised_at": "2026-12-01T10:00:00+08:00",
                    "updated_at": "2026-12-01T10:00:00+08:00",
                    "pdf_sha256": "9f2c…",
                    "docx_sha256": "41ab…",
                    "files": {
                        "pdf": "http://127.0.0.1:8000/api/v1/evaluation/reports/cadre/2026-11/pdf/",
                        "docx": "http://127.0.0.1:8000/api/v1/evaluation/reports/cadre/2026-11/docx/",
                    },
                    "page": "http://127.0.0.1:8000/evaluation/reports/cadre/2026-11/",
                },
            )
        ],
    )
    def get(self, request: UserApiRequest) -> Response:
        params, user = request.query_params, request.user
        qs = Report.objects.select_related("cadre")
        ident = (params.get("cadre") or "").strip()
        if ident:
            qs = qs.filter(cadre=cadre_or_404(user, ident))
        elif not user.has_role(*OVERSEER_ROLES):
            qs = qs.filter(cadre=user)
        status = choice_param(params, "status", ReportStatus.values)
        if status:
            qs = qs.filter(status=status)
        if (params.get("period") or "").strip():
            qs = qs.filter(period=str(Period.parse(params["period"])))
        page = self.paginate_queryset(qs)
        rows = [report_row(request, r) for r in page or []]
        return self.get_paginated_response(EvaluationReportRowSerializer(rows, many=True).data)


class ReportFileView(APIView):
    """A cadre's report as PDF or DOCX: the archived file once final, rendered from the data while a
    draft (the page's download). Strong ETag of the bytes."""

    permission_classes = [IsAuthenticated, HasRole.of(*CARD_ROLES)]

    @extend_schema(
        tags=TAGS,
        summary="Download a report file (the cadre; supervisor, admin)",
        parameters=[ETAG_PARAMETERS[0]],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="the PDF"),
            (200, FORMATS["docx"]): OpenApiResponse(OpenApiTypes.BINARY, description="the DOCX"),
            304: NOT_MODIFIED,
            **errors(400, 401, 403, 404),
        },
        examples=[ok_example("a PDF", "%PDF-1.7 …")],
    )
    def get(self, request: UserApiRequest, username: str, period: str, fmt: str) -> HttpResponseBase:
        cadre = cadre_or_404(request.user, username)
        month = Period.parse(period)
        data = services.report_render(cadre=cadre, period=month, fmt=fmt, actor=request.user)
        filename = f"{cadre.username}-{cadre}-{month}.{fmt}"
        response = file_response(io.BytesIO(data), FORMATS[fmt], filename=filename, as_attachment=True)
        return conditional(request, response, bytes_etag(data))
