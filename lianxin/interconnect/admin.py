"""Admin of the interconnect app: exposed services, API clients (key shown once, revocable), platforms and
their work orders, webhook subscribers, and the delivery log with its attempts (retry given-up rows)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lianxin.interconnect import deliveries, keys
from lianxin.interconnect.models import (
    ApiClient,
    AreaShape,
    Delivery,
    DeliveryAttempt,
    Open311Attribute,
    Open311Request,
    Open311Service,
    Platform,
    Subscriber,
    WorkOrder,
)


class AttributeInline(admin.TabularInline):
    model = Open311Attribute
    extra = 0


@admin.register(Open311Service)
class Open311ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "group", "public_requests", "is_active")
    list_filter = ("is_active", "public_requests")
    search_fields = ("code", "name", "category__name")
    raw_id_fields = ("category",)
    inlines = [AttributeInline]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "rate_per_minute", "is_active", "revoked_at", "last_used_at")
    readonly_fields = ("prefix", "revoked_at", "created_at", "last_used_at")
    actions = ["revoke", "rekey"]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        client, key = keys.api_client_create(
            name=obj.name, rate_per_minute=obj.rate_per_minute, note=obj.note
        )
        obj.pk, obj.prefix, obj.key_hash = client.pk, client.prefix, client.key_hash
        obj._state.adding = False
        messages.warning(request, _("API key（只显示这一次，请立即保存）：%(key)s") % {"key": key})

    @admin.action(description=_("吊销所选客户端的 API key"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            keys.api_client_revoke(client=client)
        messages.success(request, _("已吊销 %(n)d 个") % {"n": queryset.count()})

    @admin.action(description=_("重新生成 API key"))
    def rekey(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        for client in queryset:
            key = keys.api_client_rekey(client=client)
            messages.warning(
                request,
                _("%(name)s 的新 API key（只显示这一次）：%(key)s") % {"name": client.name, "key": key},
            )


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ("token", "demand", "client", "created_at")
    raw_id_fields = ("demand",)
    readonly_fields = (
        "token",
        "demand",
        "client",
        "address_string",
        "email",
        "media_url",
        "device_id",
        "account_id",
        "attributes",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AreaShape)
class AreaShapeAdmin(admin.ModelAdmin):
    list_display = ("area", "min_lat", "max_lat", "min_lng", "max_lng", "imported_at")
    raw_id_fields = ("area",)


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "callback_url", "is_active")


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ("order_id", "platform", "demand", "deadline", "received_at")
    list_filter = ("platform",)
    search_fields = ("order_id",)
    raw_id_fields = ("demand",)
    readonly_fields = ("platform", "order_id", "demand", "deadline", "fingerprint", "received_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "events", "is_active", "created_at")
    list_filter = ("is_active",)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("at", "status_code", "error", "ms")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every message owed, its state, attempts and last error."""

    list_display = (
        "id",
        "kind",
        "subscriber",
        "platform",
        "demand_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "kind", "subscriber", "platform")
    search_fields = ("=id", "=demand_id")
    readonly_fields = (
        "subscriber",
        "platform",
        "event",
        "demand_id",
        "kind",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
    )
    inlines = [AttemptInline]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("立即重试所选投递"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        n = deliveries.deliveries_retry(ids=queryset.values_list("id", flat=True))
        messages.success(request, _("已重新排队 %(n)d 条") % {"n": n})
