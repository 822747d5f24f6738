"""Mediation cases over the API (`/api/v1/mediation/…`), scoped as the pages are (`access`): a mediator
their cases, supervisors and admins all, cadres their area subtree, others nothing (an empty list, a 404
for one case). Parties' personal data is whole for the case's mediators, supervisors and admins and
masked for cadres. Actions go through the table (`transitions.TABLE`) via `services.case_act`."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lianxin.accounts.http import UserApiRequest
from lianxin.contact.models import Visit
from lianxin.core.api_docs import errors
from lianxin.core.api_pagination import cursor_by
from lianxin.core.dates import parse_day
from lianxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from lianxin.core.files import file_response
from lianxin.core.params import as_id
from lianxin.demands.models import Demand
from lianxin.mediation import documents, selectors, services
from lianxin.mediation.access import case_is_visible, party_view, sees_personal_data
from lianxin.mediation.choices import (
    DisputeType,
    Level,
    PartyKind,
    PartyRole,
    Performance,
    ReferralTo,
    Risk,
    Status,
)
from lianxin.mediation.models import Case, CaseMediator
from lianxin.mediation.transitions import API_ACTIONS
from lianxin.org.models import Area

TAGS = ["mediation"]

MAX_ID = 2**63 - 1


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CaseItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_no = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField(help_text=" | ".join(DisputeType.values))
    risk = serializers.CharField(help_text=" | ".join(Risk.values))
    status = serializers.CharField(help_text=" | ".join(Status.values))
    level = serializers.CharField(help_text=" | ".join(Level.values))
    start_level = serializers.CharField()
    source = serializers.CharField(help_text="direct | demand | visit")  # type: ignore[assignment]  # the case's source, not Field.source
    area = CaseRefSerializer()
    opened_at = serializers.DateTimeField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField(help_text="red-carded: past its deadline while active")


def case_item(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "case_no": case.case_no or "",
        "title": case.title,
        "type": case.type,
        "risk": case.risk,
        "status": case.status,
        "level": case.level,
        "start_level": case.start_level,
        "source": case.source,
        "area": {"id": case.area_id, "name": case.area.name},
        "opened_at": case.opened_at,
        "due_on": case.due_on,
        "overdue": case.overdue,
    }


class CasePartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="person | organisation")
    role = serializers.CharField(help_text="applicant | respondent | other")
    name = serializers.CharField(help_text="masked for cadres (a person's surname only)")
    id_number = serializers.CharField(help_text="masked for cadres")
    phone = serializers.CharField(help_text="masked for cadres")
    address = serializers.CharField(help_text="masked for cadres")
    signed = serializers.BooleanField()


class CaseMediatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    lead = serializers.BooleanField()


class CaseSessionSerializer(serializers.Serializer):
    held_at = serializers.DateTimeField()
    place = serializers.CharField()
    record = serializers.CharField()
    mediator = serializers.CharField()


class CaseFollowUpSerializer(serializers.Serializer):
    date = serializers.DateField()
    performance = serializers.CharField(help_text=" | ".join(Performance.values))
    note = serializers.CharField()


class CaseEventSerializer(serializers.Serializer):
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.CharField(allow_null=True)
    note = serializers.CharField()
    data = serializers.DictField()  # type: ignore[assignment]  # a field named like Serializer.data
    at = serializers.DateTimeField()


class CaseAgreementSerializer(serializers.Serializer):
    terms = serializers.CharField()
    agreed_at = serializers.DateTimeField(allow_null=True)
    signed_scan = serializers.BooleanField()
    docx = serializers.CharField(
        help_text="the 调解协议书 as DOCX (draft until agreed); '' when the caller may not have it"
    )
    pdf = serializers.CharField(help_text="the 调解协议书 as PDF")
    performance = serializers.CharField(help_text="the latest follow-up's finding, '' before one")


class CaseReferralSerializer(serializers.Serializer):
    to = serializers.CharField(help_text=" | ".join(ReferralTo.values) + " or ''")
    body = serializers.CharField()
    ref = serializers.CharField()
    at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseItemSerializer):
    summary = serializers.CharField()
    risk_proposed = serializers.CharField(help_text="the level the signs proposed")
    risk_reasons = serializers.ListField(child=serializers.DictField())
    prior_petitions = serializers.IntegerField()
    escalation_count = serializers.IntegerField()
    demand = serializers.IntegerField(allow_null=True)
    visit = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField(help_text="send it back with an action to refuse a stale retry")
    parties = CasePartySerializer(many=True)
    mediators = CaseMediatorSerializer(many=True)
    sessions = CaseSessionSerializer(many=True)
    follow_ups = CaseFollowUpSerializer(many=True)
    agreement = CaseAgreementSerializer()
    referral = CaseReferralSerializer()
    events = CaseEventSerializer(many=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


def case_detail(request: UserApiRequest, case: Case) -> dict[str, Any]:
    whole = sees_personal_data(request.user, case)
    links = list(case.mediator_links.select_related("user"))
    docs = {
        kind: (
            request.build_absolute_uri(reverse("mediation-agreement", args=[case.pk, kind])) if whole else ""
        )
        for kind in ("docx", "pdf")
    }
    return {
        **case_item(case),
        "summary": case.summary,
        "risk_proposed": case.risk_proposed,
        "risk_reasons": case.risk_reasons,
        "prior_petitions": case.prior_petitions,
        "escalation_count": case.escalation_count,
        "demand": case.demand_id,
        "visit": case.visit_id,
        "version": case.version,
        "parties": [
            {
                "id": p.pk,
                "kind": p.kind,
                "role": p.role,
                **party_view(p, whole=whole),
                "signed": p.signed_at is not None,
            }
            for p in case.parties.all()
        ],
        "mediators": [{"id": m.user_id, "name": str(m.user), "lead": m.lead} for m in links],
        "sessions": [
            {"held_at": s.held_at, "place": s.place, "record": s.record, "mediator": str(s.mediator)}
            for s in case.sessions.select_related("mediator")
        ],
        "follow_ups": [
            {"date": f.date, "performance": f.performance, "note": f.note} for f in case.follow_ups.all()
        ],
        "agreement": {
            "terms": case.agreement_terms,
            "agreed_at": case.agreed_at,
            "signed_scan": bool(case.agreement_scan),
            **docs,
            "performance": case.performance,
        },
        "referral": {
            "to": case.referral_to,
            "body": case.referral_body,
            "ref": case.referral_ref,
            "at": case.referred_at,
        },
        "events": [
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": str(e.actor) if e.actor else None,
                "note": e.note,
                "data": e.data,
                "at": e.created_at,
            }
            for e in case.events.select_related("actor")
        ],
        "allowed_actions": services.allowed_actions(request.user, case),
    }


class PartyInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=PartyKind.choices, default=PartyKind.PERSON)
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.APPLICANT)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=5000)
    type = serializers.ChoiceField(choices=DisputeType.choices)
    parties = PartyInSerializer(many=True, help_text="two at least (the dispute's sides)")
    area = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="default: the demand's area"
    )
    demand = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="open from this demand"
    )
    visit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="open from this visit"
    )
    risk = serializers.ChoiceField(choices=Risk.choices, required=False, help_text="default: the proposal")
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="default: the area's level"
    )
    prior_petitions = serializers.IntegerField(min_value=0, max_value=999, required=False, default=0)
    mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="default: the caller",
    )


class ActionSerializer(serializers.Serializer):
    """One action of the table with its arguments (`transitions.TABLE`: which ones each action takes and
    requires). `scan` (the signed agreement, PDF or image) needs multipart/form-data."""

    action = serializers.ChoiceField(choices=API_ACTIONS)
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    mediators = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False
    )
    lead = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    held_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(required=False, allow_blank=True, max_length=120)
    record = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    due_on = serializers.DateField(required=False)
    terms = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    signed_parties = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        help_text="ids of the parties who signed",
    )
    scan = serializers.FileField(required=False, help_text="the signed agreement's scan (PDF, PNG, JPEG)")
    referral_to = serializers.ChoiceField(choices=ReferralTo.choices, required=False)
    referral_body = serializers.CharField(required=False, allow_blank=True, max_length=120)
    referral_ref = serializers.CharField(required=False, allow_blank=True, max_length=60)
    date = serializers.DateField(required=False)
    performance = serializers.ChoiceField(choices=Performance.choices, required=False)


def _by_id(model: Any, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(
            _("参数 %(field)s 有误：不存在") % {"field": field}, fields={field: [_("不存在")]}
        )
    return found


def case_open_from(data: dict[str, Any], actor: Any) -> Case:
    """Call `case_open` with the validated body of a create request (the API's and the page's)."""
    demand = None
    if data.get("demand"):
        demand = Demand.objects.select_related("area").filter(pk=data["demand"]).first()
        if demand is None:
            raise NotFound(_("工单不存在或无权查看"))
    visit = None
    if data.get("visit"):
        visit = Visit.objects.select_related("contact_point__area").filter(pk=data["visit"]).first()
        if visit is None:
            raise NotFound(_("走访记录不存在或无权查看"))
    return services.case_open(
        actor=actor,
        title=data["title"],
        summary=data["summary"],
        type=data["type"],
        parties=[services.PartyInput(**p) for p in data["parties"]],
        area=_by_id(Area, data.get("area"), "area"),
        demand=demand,
        visit=visit,
        risk=data.get("risk", ""),
        level=data.get("level", ""),
        prior_petitions=data.get("prior_petitions", 0),
        mediators=data.get("mediators") or None,
    )


LIST_PARAMETERS = [
    OpenApiParameter("mine", OpenApiTypes.BOOL, description="only the cases the caller mediates"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=Status.values),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="red-carded (true) or not (false)"),
    OpenApiParameter("area", OpenApiTypes.INT, description="cases of this area's subtree"),
    OpenApiParameter("since", OpenApiTypes.DATE, description="opened on or after"),
    OpenApiParameter("until", OpenApiTypes.DATE, description="opened on or before"),
]


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if str(value).lower() in ("1", "true", "yes"):
        return True
    if str(value).lower() in ("0", "false", "no"):
        return False
    raise ValidationFailed(
        _("参数 %(field)s 有误：应为 true 或 false") % {"field": name}, fields={name: ["true | false"]}
    )


def list_filters(params: Any) -> dict[str, Any]:
    """The list's filters from a query string; a malformed one is a 400 naming it."""
    out: dict[str, Any] = {"mine": bool(_flag(params.get("mine"), "mine"))}
    status_ = params.get("status") or ""
    if status_ and status_ not in Status.values:
        raise ValidationFailed(
            _("参数 %(field)s 有误：不存在") % {"field": "status"},
            fields={"status": [" | ".join(Status.values)]},
        )
    out["status"] = status_
    out["overdue"] = _flag(params.get("overdue"), "overdue")
    if params.get("area"):
        pk = as_id(params["area"])
        area = Area.objects.filter(pk=pk).first() if pk else None
        if area is None:
            raise ValidationFailed(
                _("参数 %(field)s 有误：不存在") % {"field": "area"}, fields={"area": [_("不存在")]}
            )
        out["area"] = area
    for name in ("since", "until"):
        if params.get(name):
            try:
                out[name] = parse_day(params[name])
            except ValueError:
                raise ValidationFailed(
                    _("参数 %(field)s 有误：日期应为 YYYY-MM-DD（1970–2100）") % {"field": name},
                    fields={name: ["YYYY-MM-DD"]},
                ) from None
    return out


class CaseListView(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    pagination_class = cursor_by("-opened_at", "-id")
    serializer_class = CaseItemSerializer

    @extend_schema(
        tags=TAGS,
        summary="Cases the caller may see, newest first",
        parameters=LIST_PARAMETERS,
        responses={200: CaseItemSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request: UserApiRequest) -> Response:
        qs = selectors.case_list(user=request.user, **list_filters(request.query_params))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([case_item(c) for c in page or []])

    @extend_schema(
        tags=TAGS,
        summary="Open a case (directly, from a demand or from a visit)",
        request=CaseCreateSerializer,
        responses={201: CaseDetailSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request: UserApiRequest) -> Response:
        body = CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = case_open_from(dict(body.validated_data), request.user)
        return Response(case_detail(request, case), status=status.HTTP_201_CREATED)


def _case(request: UserApiRequest, pk: int) -> Case:
    case = selectors.case_get(user=request.user, pk=pk)
    case = (
        Case.objects.prefetch_related(
            "parties",
            "follow_ups",
            Prefetch("mediator_links", queryset=CaseMediator.objects.select_related("user")),
        )
        .select_related("area")
        .get(pk=case.pk)
    )
    return case


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="One case with its parties, sessions, timeline",
        responses={200: CaseDetailSerializer, **errors(401, 404)},
    )
    def get(self, request: UserApiRequest, pk: int) -> Response:
        return Response(case_detail(request, _case(request, pk)))


class CaseActionView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        summary="Take one action of the table on a case",
        request={"application/json": ActionSerializer, "multipart/form-data": ActionSerializer},
        responses={200: CaseDetailSerializer, **errors(400, 401, 403, 404, 409)},
        description="400 naming a missing or malformed field (an agreement without the signatures of all parties: "
        "`signatures_missing`); 409 when the state does not allow the action (`bad_state`) or the `version` sent is stale.",
    )
    def post(self, request: UserApiRequest, pk: int) -> Response:
        case = selectors.case_get(user=request.user, pk=pk)
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = dict(body.validated_data)
        action = args.pop("action")
        version = args.pop("version", None)
        case = services.case_act(case=case, actor=request.user, action=action, version=version, **args)
        if not case_is_visible(request.user, case):  # e.g. a mediator who assigned the case away
            return Response(case_item(case))
        return Response(case_detail(request, _case(request, case.pk)))


class AgreementView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=TAGS,
        summary="The 调解协议书 as DOCX or PDF (a draft until agreed)",
        responses={
            (200, documents.FORMATS["pdf"]): OpenApiResponse(OpenApiTypes.BINARY, description="the PDF"),
            (200, documents.FORMATS["docx"]): OpenApiResponse(OpenApiTypes.BINARY, description="the DOCX"),
            **errors(401, 403, 404),
        },
        description="Only those who see the parties' data whole (the case's mediators, supervisors, admins); cadres get 403.",
    )
    def get(self, request: UserApiRequest, pk: int, kind: str) -> HttpResponseBase:
        case = selectors.case_get(user=request.user, pk=pk)
        if not sees_personal_data(request.user, case):
            raise PermissionDenied(_("协议书含当事人完整信息，仅调解员、督查和管理员可下载"))
        content, content_type, filename = documents.agreement_document(case, kind)
        return file_response(io.BytesIO(content), content_type, filename=filename, as_attachment=True)
