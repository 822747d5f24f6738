from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lianxin.evaluation.models import Report, ReportBatch, ReportComment, ScoreWeight

# Archived files are written by the services and shown through the permission-checked download views:
# the file fields' own widgets would link to /media/ addresses, which are not served.
REPORT_FILES = ["pdf", "docx"]


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    list_display = ["measure", "weight"]
    list_editable = ["weight"]


class ReportCommentInline(admin.TabularInline):
    """批示 are kept with the archive as written: shown, never edited or removed here."""

    model = ReportComment
    extra = 0
    can_delete = False
    fields = ["author", "text", "created_at"]
    readonly_fields = ["author", "text", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["cadre", "period", "status", "finalised_at", "pdf_sha256"]
    list_filter = ["status", "period"]
    raw_id_fields = ["cadre", "finalised_by"]
    exclude = REPORT_FILES
    inlines = [ReportCommentInline]

    def get_readonly_fields(self, request, obj=None):
        # An archived report never changes.
        if obj is not None and obj.is_final:
            names = [f.name for f in obj._meta.fields if f.name not in REPORT_FILES]
        else:
            names = ["pdf_sha256", "docx_sha256", "content_sha256", "changes", "finalised_at", "finalised_by"]
        return [*names, "pdf_file", "docx_file"]

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_final) and super().has_delete_permission(request, obj)

    def _file_link(self, obj: Report, fmt: str) -> str:
        if obj.pk is None or not getattr(obj, fmt):
            return "—"
        url = reverse("evaluation:report_download", args=[obj.cadre.username, obj.period, fmt])
        return format_html('<a href="{}">{}</a>', url, fmt.upper())

    @admin.display(description=_("PDF"))
    def pdf_file(self, obj: Report) -> str:
        return self._file_link(obj, "pdf")

    @admin.display(description=_("DOCX"))
    def docx_file(self, obj: Report) -> str:
        return self._file_link(obj, "docx")


@admin.register(ReportBatch)
class ReportBatchAdmin(admin.ModelAdmin):
    list_display = ["unit_name", "period", "fmt", "status", "total", "done", "failed", "created_at"]
    readonly_fields = ["total", "done", "failed", "errors", "started_at", "finished_at", "archive_file"]
    exclude = ["archive"]

    @admin.display(description=_("压缩包"))
    def archive_file(self, obj: ReportBatch) -> str:
        if obj.pk is None or not obj.archive:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("evaluation:batch_download", args=[obj.pk]), obj.archive.name
        )
