from django.contrib import admin

from lianxin.evaluation.models import Report, ReportBatch, ScoreWeight


@admin.register(ScoreWeight)
class ScoreWeightAdmin(admin.ModelAdmin):
    list_display = ["measure", "weight"]
    list_editable = ["weight"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["cadre", "period", "status", "finalised_at", "pdf_sha256"]
    list_filter = ["status", "period"]
    raw_id_fields = ["cadre", "finalised_by"]

    def get_readonly_fields(self, request, obj=None):
        # An archived report never changes.
        if obj is not None and obj.is_final:
            return [f.name for f in obj._meta.fields]
        return ["pdf_sha256", "docx_sha256", "finalised_at", "finalised_by"]


@admin.register(ReportBatch)
class ReportBatchAdmin(admin.ModelAdmin):
    list_display = ["unit", "period", "fmt", "status", "total", "done", "failed", "created_at"]
    readonly_fields = ["total", "done", "failed", "errors", "finished_at"]
