"""Wire shapes of the demand API (contract.md). Codes are English; labels travel beside them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from lianxin.accounts.models import User
from lianxin.core.masking import mask_address, mask_name, mask_phone
from lianxin.core.params import MAX_ID, by_id
from lianxin.demands import extensions
from lianxin.demands.choices import (
    Action,
    AppealReason,
    ContactMethod,
    DemandType,
    Outcome,
    Satisfaction,
    Status,
    Urgency,
)
from lianxin.demands.intel_port import mask_pii
from lianxin.demands.models import AttachmentPurpose, Demand, DemandAttachment, DemandEvent
from lianxin.demands.selectors import (
    TEXT_FIELDS,
    assist_requests_of,
    citizen_events,
    demand_contact,
    demand_texts,
)
from lianxin.demands.services import (
    PHONE_FORMAT_ERROR,
    demand_allowed_actions,
    phone_is_plausible,
    refusal,
)
from lianxin.demands.transitions import API_ACTIONS, TABLE, missing_arguments
from lianxin.org.models import Area, Category


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


class LookupField(serializers.CharField):
    """An Area or Category by id, code or name (forms and integrators know different handles)."""

    def __init__(self, model: type[Area] | type[Category], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        text = str(super().to_internal_value(data)).strip()
        if not text:
            return None
        qs = self.model.objects.all()
        found = by_id(qs, text) or qs.filter(code=text).first() or qs.filter(name=text).order_by("pk").first()
        if found is None:
            raise serializers.ValidationError(_("未找到「%(name)s」") % {"name": text[:40]})
        return found


def _plausible_phone(value: str) -> None:
    # checked with the other fields, so that one answer names every wrong field (services re-check)
    if value and not phone_is_plausible(value):
        raise serializers.ValidationError(str(PHONE_FORMAT_ERROR))


class DemandSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=5000)
    type = serializers.ChoiceField(choices=DemandType.choices, required=False, default=DemandType.HELP)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    category = LookupField(Category, help_text=gettext_lazy("分类 id、编码或名称"))
    area = LookupField(Area, help_text=gettext_lazy("区域 id、编码或名称"))
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lat = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    contact_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", validators=[_plausible_phone]
    )
    confidential = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("保密/不公开：不在任何公开列表中出现，仅诉求人和承办人员可见"),
    )


@cache
def _submit_fields(language: str | None) -> dict[str, serializers.Field]:
    # one set per language: DRF's length and range messages keep the text of their first rendering
    return dict(DemandSubmitSerializer().fields)


def submission_values(data: Any) -> dict[str, Any]:
    """`DemandSubmitSerializer(data=data)`'s validated data, checked by fields bound once per process.

    Every public submission passes here, and a serializer instance deep-copies its declared fields,
    which cost more than the checks themselves. Field validation keeps no state, so the bound fields
    serve every request in their language (this serializer has no validate_<field> or validate methods)."""
    if not isinstance(data, Mapping):  # the serializer's own refusal of a list or a scalar
        DemandSubmitSerializer(data=data).is_valid(raise_exception=True)
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name, field in _submit_fields(get_language()).items():
        try:
            values[name] = field.run_validation(field.get_value(data))
        except serializers.ValidationError as exc:
            errors[name] = exc.detail
        except SkipField:
            pass
    if errors:
        raise serializers.ValidationError(errors)
    return values


class DemandSubmittedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_no = serializers.CharField()
    query_code = serializers.CharField(help_text=gettext_lazy("查询码：凭工单编号和查询码查询进度"))
    status = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    title = serializers.CharField()
    type = serializers.CharField()
    urgency = serializers.CharField()


_DATETIME = serializers.DateTimeField()


def submitted_payload(demand: Demand) -> dict[str, Any]:
    """What DemandSubmittedSerializer(demand).data gives, built directly: it answers every submission,
    and a serializer instance (deep-copied fields, bound per call) costs more than the rest of it."""
    return {
        "id": demand.pk,
        "ticket_no": str(demand.ticket_no),
        "query_code": str(demand.query_code),
        "status": str(demand.status),
        "due_at": _DATETIME.to_representation(demand.due_at) if demand.due_at else None,
        "created_at": _DATETIME.to_representation(demand.created_at),
        "title": str(demand.title),
        "type": str(demand.type),
        "urgency": str(demand.urgency),
    }


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    masked = serializers.BooleanField()


class DemandListSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="status_display", read_only=True)
    category = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "ticket_no",
            "title",
            "type",
            "urgency",
            "status",
            "status_label",
            "closure",
            "channel",
            "category",
            "area",
            "lead_unit",
            "created_at",
            "stage",
            "due_at",
            "warning_level",
            "supervised",
        ]

    def to_representation(self, instance: Demand) -> dict[str, Any]:
        """Personal data written into the texts is masked for whoever sees the contact masked
        (a cadre, an assisting unit), as in exports (`exporters.demand_rows`)."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        shown = [name for name in TEXT_FIELDS if name in data]  # the list has only the title
        return {**data, **demand_texts(getattr(request, "user", None), instance, shown)}

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_category(self, obj: Demand) -> dict[str, Any] | None:
        return _ref(obj.category)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_area(self, obj: Demand) -> dict[str, Any] | None:
        return _ref(obj.area)

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_lead_unit(self, obj: Demand) -> dict[str, Any] | None:
        return _ref(obj.lead_unit)


class AssistOpinionSerializer(serializers.Serializer):
    """One assisting unit's part (协办): its due time, its sign, its opinion (empty until given)."""

    unit = RefSerializer()
    due_at = serializers.DateTimeField()
    signed_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    opinion = serializers.CharField(allow_blank=True)
    late = serializers.BooleanField(help_text=gettext_lazy("超过协办时限才提交，或已过时限仍未提交"))


class DemandDetailSerializer(DemandListSerializer):
    contact = serializers.SerializerMethodField()
    assisting_units = serializers.SerializerMethodField()
    assist_opinions = serializers.SerializerMethodField(
        help_text=gettext_lazy("协办单位的意见（仅工作人员可见；群众为空列表）")
    )
    merged_into = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField(
        help_text=gettext_lazy("来源走访记录的 id（走访中发现的问题转成的诉求），否则为 null")
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta(DemandListSerializer.Meta):
        fields = [
            *DemandListSerializer.Meta.fields,
            "content",
            "address",
            "lat",
            "lng",
            "contact",
            "assisting_units",
            "assist_opinions",
            "reply_text",
            "outcome",
            "satisfaction",
            "resolved",
            "accepted_at",
            "dispatched_at",
            "signed_at",
            "replied_at",
            "rated_at",
            "closed_at",
            "dispatch_due_at",
            "sign_due_at",
            "reply_due_at",
            "followup_due_at",
            "extension_pending_until",
            "extension_count",
            "reopen_count",
            "return_count",
            "urge_count",
            "was_overdue",
            "confidential",
            "transferred_at",
            "reply_held",
            "merged_into",
            "visit",
            "version",
            "allowed_actions",
        ]

    def to_representation(self, instance: Demand) -> dict[str, Any]:
        """A reply held for review (答复审核) is not shown to the citizen until the centre approves it."""
        data = super().to_representation(instance)
        viewer = self._viewer()
        if (
            instance.reply_held
            and instance.status == Status.REPLIED
            and not (viewer and viewer.is_staff_member)
        ):
            data.update(status=Status.IN_PROGRESS, reply_text="", outcome="", replied_at=None)
        return data

    def _viewer(self) -> User | None:
        """The signed-in user of the request in the context; None for anyone else."""
        user = getattr(self.context.get("request"), "user", None)
        return user if isinstance(user, User) else None

    @extend_schema_field(ContactSerializer)
    def get_contact(self, obj: Demand) -> dict[str, Any]:
        contact = demand_contact(self._viewer(), obj)
        return {"name": contact["name"], "phone": contact["phone"], "masked": contact["masked"] == "yes"}

    @extend_schema_field(RefSerializer(many=True))
    def get_assisting_units(self, obj: Demand) -> list[dict[str, Any]]:
        return [{"id": u.pk, "name": u.name} for u in obj.assisting_units.all()]

    @extend_schema_field(AssistOpinionSerializer(many=True))
    def get_assist_opinions(self, obj: Demand) -> list[dict[str, Any]]:
        """The assisting units' opinions for staff who see the demand; never for the citizen."""
        viewer = self._viewer()
        if viewer is None or not viewer.is_staff_member:
            return []
        now = timezone.now()
        return [
            {
                "unit": {"id": r.unit_id, "name": r.unit.name},
                "due_at": r.due_at,
                "signed_at": r.signed_at,
                "submitted_at": r.submitted_at,
                "opinion": r.opinion,
                "late": (r.submitted_at or now) > r.due_at,
            }
            for r in assist_requests_of(obj, viewer)
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_merged_into(self, obj: Demand) -> str | None:
        return obj.merged_into.ticket_no if obj.merged_into_id and obj.merged_into else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_visit(self, obj: Demand) -> int | None:
        return extensions.visit_id(obj)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Demand) -> list[str]:
        return [str(a) for a in demand_allowed_actions(demand=obj, actor=self._viewer())]


class DemandEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = DemandEvent
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "note",
            "data",
            "created_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, obj: DemandEvent) -> str | None:
        return str(obj.actor) if obj.actor_id and obj.actor else None


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, str(Action(a).label)) for a in API_ACTIONS])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    unit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID, help_text="dispatch: lead unit id"
    )
    assisting_units = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )
    days = serializers.IntegerField(
        required=False, min_value=1, max_value=365, help_text="request_extension: working days"
    )
    text = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text="reply / answer: the text"
    )
    article = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="answer: a published policy article cited"
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False)
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    method = serializers.ChoiceField(
        choices=ContactMethod.choices, required=False, help_text="first_contact: how the caller was reached"
    )
    reason_kind = serializers.ChoiceField(
        choices=AppealReason.choices, required=False, help_text="appeal: why the demand is unreasonable"
    )
    upheld = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="decide_appeal: the appeal stands"
    )
    target = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="transfer: transfer target id",
    )
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="transfer: the reference number given"
    )
    parent = serializers.IntegerField(  # type: ignore[assignment]  # a field named like Field.parent: the serializer's metaclass moves declared fields out of the class
        required=False, min_value=1, max_value=MAX_ID, help_text="merge: parent demand id"
    )
    type = serializers.ChoiceField(choices=DemandType.choices, required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    category = LookupField(Category)
    area = LookupField(Area)
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="optimistic check: 409 when the demand changed",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        action = attrs["action"]
        missing = {name: [_("该字段是必填项。")] for name in missing_arguments(action, attrs)}
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class TimelinePublicSerializer(serializers.Serializer):
    action = serializers.CharField()
    action_label = serializers.CharField()
    to_status = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReplyAttachmentPublicSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class TrackSerializer(serializers.Serializer):
    ticket_no = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    closure = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    area = serializers.CharField(allow_null=True)
    address = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    lead_unit = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    reply_text = serializers.CharField()
    outcome = serializers.CharField()
    replied_at = serializers.DateTimeField(allow_null=True)
    satisfaction = serializers.CharField()
    merged_into = serializers.CharField(allow_null=True)
    reject_reason = serializers.CharField(help_text="不予受理: the operator's reason and where to go instead")
    can_rate = serializers.BooleanField()
    can_reopen = serializers.BooleanField(
        help_text="群众申请重办: the caller may ask for the demand to be handled again"
    )
    timeline = TimelinePublicSerializer(many=True)
    reply_attachments = ReplyAttachmentPublicSerializer(
        many=True,
        help_text="答复附件 shown with the reply (none while it is held for review); download each at "
        "/demands/attachments/{id}/?ticket_no=…&code=…",
    )


def _answered(demand: Demand) -> tuple[Demand, bool]:
    """The demand whose reply the caller is shown (a merged caller's: the parent's), and whether the
    caller's own reply is held for review (答复审核: not shown until approved)."""
    held = demand.status == Status.REPLIED and demand.reply_held
    parent = demand.merged_into if demand.status == Status.MERGED else None
    if parent is not None and parent.reply_text and not parent.reply_held:
        return parent, held
    return demand, held


def citizen_reply_attachments(demand: Demand) -> list[DemandAttachment]:
    """答复附件 the caller of `demand` is shown with the reply: none while there is no reply shown or it is
    held for review; the only files of a demand a caller without a staff role may have besides their own."""
    answered, held = _answered(demand)
    if held or not answered.reply_text or answered.reply_held:
        return []
    return list(DemandAttachment.objects.filter(demand_id=answered.pk, purpose=AttachmentPurpose.REPLY))


def track_payload(demand: Demand) -> dict[str, Any]:
    """What anyone holding the ticket number and query code may see: personal data masked, also
    personal data written into the title or the reply (intel_port.mask_pii)."""

    # a reply held for review (答复审核) is not shown until approved: the demand is still being handled
    events = citizen_events(demand.events.all())
    # a merged caller is told the answer the parent demand got, and rates it on their own
    answered, held = _answered(demand)
    shown = answered if not held else Demand()
    return {
        "ticket_no": demand.ticket_no,
        "title": mask_pii(demand.title),
        "type": demand.type,
        "status": Status.IN_PROGRESS if held else demand.status,
        "status_label": demand.status_display,
        "closure": demand.closure,
        "category": demand.category.name if demand.category_id and demand.category else None,
        "area": demand.area.name if demand.area_id and demand.area else None,
        "address": mask_address(demand.address),
        "contact_name": mask_name(demand.contact_name),
        "contact_phone": mask_phone(demand.contact_phone),
        "lead_unit": demand.lead_unit.name if demand.lead_unit_id and demand.lead_unit else None,
        "created_at": demand.created_at,
        "due_at": demand.due_at,
        # a unit's reply: its published phone or office address stays readable, a person's is masked
        "reply_text": mask_pii(shown.reply_text, official=True),
        "outcome": shown.outcome,
        "replied_at": shown.replied_at,
        "satisfaction": demand.satisfaction,
        "merged_into": demand.merged_into.ticket_no if demand.merged_into_id and demand.merged_into else None,
        # 不予受理: the citizen is told why, and where to go instead (the operator's reason says)
        "reject_reason": next((mask_pii(e.note) for e in events if e.action == Action.REJECT), "")
        if demand.status == Status.REJECTED
        else "",
        "can_rate": (demand.status == Status.REPLIED and not held)
        or (
            demand.status == Status.MERGED
            and answered.status in (Status.REPLIED, Status.CLOSED)
            and answered is not demand
        ),
        "can_reopen": can_citizen_reopen(demand),
        "timeline": [
            {
                "action": e.action,
                "action_label": str(e.get_action_display()),
                "to_status": e.to_status,
                "created_at": e.created_at,
            }
            for e in events
        ],
        "reply_attachments": [
            {"id": a.pk, "name": a.original_name, "content_type": a.content_type, "size": a.size}
            for a in citizen_reply_attachments(demand)
        ],
    }


def can_citizen_reopen(demand: Demand) -> bool:
    """Whether the caller may ask for 重办 now (群众申请重办: the table's states and `refusal`)."""
    t = TABLE[Action.CITIZEN_REOPEN]
    return demand.status in t.sources and refusal(Action.CITIZEN_REOPEN, demand, timezone.now()) is None


class TrackRateSerializer(serializers.Serializer):
    ticket_no = serializers.CharField(max_length=24)
    code = serializers.CharField(max_length=16)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    resolved = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    area = RefSerializer()
