"""Admin: classifier versions (upload, retrain, activate, rollback, status), router versions (retrain,
activate) and unit successions, hot-issue runs, intel rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.http import UserRequest
from lianxin.analysis import routing, services
from lianxin.analysis.models import (
    ClassifierVersion,
    DemandIntel,
    HotIssue,
    HotIssueRun,
    ReplyAssessment,
    RouterVersion,
    UnitSuccession,
)
from lianxin.analysis.selectors import classifier_status
from lianxin.core.errors import ApplicationError


class UploadForm(forms.Form):
    file = forms.FileField(label=_("模型文件（lianxin classify train 生成）"))
    name = forms.CharField(label=_("名称"), max_length=100, required=False)


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "source",
        "state",
        "progress",
        "is_active",
        "n_train",
        "cv_f1",
        "started_by",
        "created_at",
        "activated_at",
    )
    list_filter = ("state", "source", "is_active")
    readonly_fields = (
        "name",
        "source",
        "state",
        "progress",
        "message",
        "is_active",
        "size",
        "checksum",
        "n_train",
        "labels",
        "cv",
        "info",
        "started_by",
        "created_at",
        "finished_at",
        "activated_at",
    )
    exclude = ("data",)
    actions = ["activate", "retrain", "rollback"]
    change_list_template = "admin/analysis/classifierversion/change_list.html"

    @admin.display(description=_("交叉验证 macro-F1"))
    def cv_f1(self, obj: ClassifierVersion) -> str:
        value = obj.cv_macro_f1
        return "—" if value is None else f"{value:.4f}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClassifierVersion]:
        return super().get_queryset(request).defer("data")

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="analysis_classifierversion_upload",
            ),
            path(
                "retrain/",
                self.admin_site.admin_view(self.retrain_view),
                name="analysis_classifierversion_retrain",
            ),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "intel_status": classifier_status()}
        return super().changelist_view(request, extra_context)

    # The views and actions below run behind the admin's login: the user is a staff member.

    def upload_view(self, request: UserRequest) -> HttpResponse:
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                version = services.classifier_version_upload(
                    data=upload.read(), name=form.cleaned_data["name"] or upload.name, actor=request.user
                )
            except ApplicationError as exc:
                form.add_error("file", exc.message)
            else:
                self.message_user(request, f"已保存模型版本 #{version.pk}", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:analysis_classifierversion_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("上传分类模型"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/analysis/classifierversion/upload.html", context)

    def retrain_view(self, request: UserRequest) -> HttpResponse:
        if request.method == "POST":
            version = services.classifier_retrain_start(actor=request.user)
            self.message_user(
                request, f"已开始后台训练：模型版本 #{version.pk}（进度见列表）", messages.SUCCESS
            )
        return HttpResponseRedirect(reverse("admin:analysis_classifierversion_changelist"))

    @admin.action(description=_("启用所选模型版本"))
    def activate(self, request: UserRequest, queryset: QuerySet[ClassifierVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个版本启用", messages.ERROR)
            return
        chosen = queryset.first()
        assert chosen is not None  # there is one
        try:
            version = services.classifier_version_activate(version=chosen, actor=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"已启用模型版本 #{version.pk}", messages.SUCCESS)

    @admin.action(description=_("用已办结工单重新训练（后台任务）"))
    def retrain(self, request: UserRequest, queryset: QuerySet[ClassifierVersion]) -> None:
        version = services.classifier_retrain_start(actor=request.user)
        self.message_user(request, f"已开始后台训练：模型版本 #{version.pk}", messages.SUCCESS)

    @admin.action(description=_("回退到上一个启用的版本"))
    def rollback(self, request: UserRequest, queryset: QuerySet[ClassifierVersion]) -> None:
        try:
            version = services.classifier_version_rollback(actor=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"已回退到模型版本 #{version.pk}", messages.SUCCESS)


class HotIssueInline(admin.TabularInline):
    model = HotIssue
    fields = ("rank", "heat", "place_or_group", "summary", "n_messages", "n_users", "start", "end")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(HotIssueRun)
class HotIssueRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "state",
        "window_start",
        "window_end",
        "n_messages",
        "seconds",
        "message",
        "finished_at",
    )
    readonly_fields = (
        "window_start",
        "window_end",
        "state",
        "n_messages",
        "message",
        "started_by",
        "started_at",
        "finished_at",
        "seconds",
    )
    inlines = [HotIssueInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DemandIntel)
class DemandIntelAdmin(admin.ModelAdmin):
    list_display = (
        "demand",
        "urgency",
        "urgency_reason",
        "escalated_at",
        "confirmed_category",
        "corrected",
        "created_at",
    )
    list_filter = ("urgency", "corrected")
    list_select_related = ("demand", "confirmed_category")
    raw_id_fields = ("demand", "confirmed_category", "model_version")
    readonly_fields = ("created_at",)


@admin.register(ReplyAssessment)
class ReplyAssessmentAdmin(admin.ModelAdmin):
    list_display = ("demand", "unit", "score", "flags", "flagged", "replied_at")
    list_filter = ("flagged",)
    list_select_related = ("demand", "unit")
    raw_id_fields = ("demand", "unit")


@admin.register(RouterVersion)
class RouterVersionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "state",
        "progress",
        "is_active",
        "n_train",
        "n_units",
        "accuracy",
        "message",
        "created_at",
        "activated_at",
    )
    list_filter = ("state", "is_active")
    readonly_fields = (
        "name",
        "state",
        "progress",
        "message",
        "is_active",
        "size",
        "checksum",
        "n_train",
        "n_units",
        "cv",
        "info",
        "started_by",
        "created_at",
        "finished_at",
        "activated_at",
    )
    exclude = ("data",)
    actions = ["activate", "retrain"]

    @admin.display(description=_("首选单位准确率（交叉验证）"))
    def accuracy(self, obj: RouterVersion) -> str:
        value = obj.cv_accuracy
        return "—" if value is None else f"{value:.3f}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[RouterVersion]:
        return super().get_queryset(request).defer("data")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a version is trained (action below, or `lianxin route train`), never typed in

    @admin.action(description=_("启用所选派单模型"))
    def activate(self, request: UserRequest, queryset: QuerySet[RouterVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个版本启用", messages.ERROR)
            return
        chosen = queryset.first()
        assert chosen is not None  # there is one
        try:
            version = routing.router_version_activate(version=chosen, actor=request.user)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"已启用派单模型 #{version.pk}", messages.SUCCESS)

    @admin.action(description=_("用已办理工单重新训练派单模型（后台任务）"))
    def retrain(self, request: UserRequest, queryset: QuerySet[RouterVersion]) -> None:
        version = routing.router_retrain_start(actor=request.user)
        self.message_user(request, f"已开始后台训练：派单模型 #{version.pk}", messages.SUCCESS)


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(admin.ModelAdmin):
    list_display = ("old_unit", "new_unit", "since", "note")
    list_select_related = ("old_unit", "new_unit")
    raw_id_fields = ("old_unit", "new_unit")
    search_fields = ("old_unit__name", "new_unit__name")
