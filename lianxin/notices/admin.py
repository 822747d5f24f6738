"""Admin views of the notices app: phones are shown masked, never in full."""

from django.contrib import admin
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lianxin.core.masking import mask_phone
from lianxin.core.models import SmsMessage, SmsStatus
from lianxin.notices.models import DeliveryReceipt, InboundSms, Notice, OptOut


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("key", "purpose", "status", "sms_status", "created_at")
    list_filter = ("purpose", "status")
    search_fields = ("key",)
    readonly_fields = ("key", "demand", "purpose", "phone_hash", "status", "sms", "created_at")
    exclude = ("phone_hash",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        # the message's state in the same query as the list (one query per row before)
        sent = SmsMessage.objects.filter(key=OuterRef("key")).values("status")[:1]
        return super().get_queryset(request).annotate(sms_state=Subquery(sent))

    @admin.display(description=_("短信"))
    def sms_status(self, obj: Notice) -> str:
        state = getattr(obj, "sms_state", None)
        return str(SmsStatus(state).label) if state else "-"


@admin.register(InboundSms)
class InboundSmsAdmin(admin.ModelAdmin):
    list_display = ("gateway_id", "masked_phone", "state", "answer", "demand", "received_at")
    list_filter = ("state", "answer")
    search_fields = ("gateway_id",)
    exclude = ("phone", "phone_hash")
    readonly_fields = (
        "masked_phone",
        "gateway_id",
        "text",
        "answer",
        "state",
        "reason",
        "demand",
        "event",
        "received_at",
        "handled_by",
        "handled_at",
    )

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: InboundSms) -> str:
        return mask_phone(obj.phone)


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("masked_phone", "created_at")
    exclude = ("phone", "phone_hash")
    readonly_fields = ("masked_phone", "inbound", "created_at")

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj: OptOut) -> str:
        return mask_phone(obj.phone)


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(admin.ModelAdmin):
    list_display = ("ref", "status", "sms", "detail", "received_at")
    list_filter = ("status",)
    search_fields = ("ref",)
    readonly_fields = ("ref", "sms", "status", "detail", "received_at")
