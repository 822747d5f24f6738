from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lianxin.demands.models import (
    AssistRequest,
    CalendarDay,
    DeadlinePolicy,
    Demand,
    DemandAttachment,
    DemandEvent,
    IdempotencyRecord,
    ReplyReviewRule,
    RoutingRule,
    TransferTarget,
)
from lianxin.demands.workdays import uncovered_years

# The admin home shows the same warning, above Django's index.
admin.site.index_template = "admin/lianxin_index.html"


class CalendarWarningMixin(admin.ModelAdmin):
    """Shows admins a warning when a year is counted weekends-only (not covered by chinesecalendar)."""

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        for year in uncovered_years():
            messages.warning(
                request,
                _("%(year)s 年的法定节假日未收录，时限暂按周一至周五计算；请在「节假日/调休」中补录。")
                % {"year": year},
            )
        return super().changelist_view(request, extra_context)


class EventInline(admin.TabularInline):
    model = DemandEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the workbench so every change has its event row."""

    list_display = ("ticket_no", "title", "type", "status", "closure", "lead_unit", "created_at", "due_at")
    list_filter = ("status", "type", "urgency", "channel", "supervised", "confidential")
    search_fields = ("ticket_no", "title_masked")
    date_hierarchy = "created_at"
    raw_id_fields = ("category", "area", "lead_unit", "requester", "merged_into")
    inlines = [EventInline]
    exclude = ("contact_name", "contact_phone", "assisting_units")
    list_select_related = ("lead_unit",)

    def get_readonly_fields(self, request: HttpRequest, obj: Demand | None = None) -> list[str]:
        return [f.name for f in Demand._meta.fields if f.name not in ("contact_name", "contact_phone")]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "area", "unit", "priority", "is_fallback", "is_active")
    list_filter = ("is_fallback", "is_active")
    raw_id_fields = ("category", "area", "unit")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = (
        "type",
        "category",
        "urgency",
        "dispatch_minutes",
        "sign_hours",
        "sign_working_days",
        "reply_working_days",
        "followup_working_days",
        "is_active",
    )
    raw_id_fields = ("category",)


@admin.register(CalendarDay)
class CalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(DemandAttachment)
class DemandAttachmentAdmin(admin.ModelAdmin):
    """Attachments are added through the demand (content-checked there) and opened through the
    permission-checked attachment view: the file field's widget would link to an unserved /media/ path."""

    list_display = ("original_name", "demand", "content_type", "size", "created_at", "opened")
    fields = ("demand", "opened", "original_name", "content_type", "size", "uploaded_by", "created_at")
    readonly_fields = fields
    raw_id_fields = ("demand", "uploaded_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("文件"))
    def opened(self, obj: DemandAttachment) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("demands:attachment", args=[obj.pk]), obj.original_name
        )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("key", "demand", "created_at")
    raw_id_fields = ("demand",)


@admin.register(TransferTarget)
class TransferTargetAdmin(admin.ModelAdmin):
    """The emergency lines an operator may hand a demand to (紧急转办)."""

    list_display = ("name", "kind", "phone", "is_active", "order")
    list_filter = ("kind", "is_active")
    list_editable = ("is_active", "order")


@admin.register(ReplyReviewRule)
class ReplyReviewRuleAdmin(admin.ModelAdmin):
    """答复审核: which replies (category subtree and/or lead unit) the centre reviews first."""

    list_display = ("category", "unit", "is_active", "note")
    list_filter = ("is_active",)
    raw_id_fields = ("category", "unit")


@admin.register(AssistRequest)
class AssistRequestAdmin(admin.ModelAdmin):
    """协办意见: what each assisting unit owes a demand, read-only (written by the dispatch and the
    assisting unit's actions, which judge it)."""

    list_display = ("demand", "unit", "due_at", "signed_at", "submitted_at", "voided_at")
    list_filter = ("unit",)
    raw_id_fields = ("demand", "unit", "signed_by", "submitted_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
