from django.contrib import admin

from lianxin.mediation.models import Case


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through their actions (the timeline), never by editing rows; parties'
    personal data is not shown here."""

    list_display = ("case_no", "title", "type", "risk", "level", "status", "due_on", "overdue")
    list_filter = ("status", "type", "risk", "level", "overdue")
    search_fields = ("case_no", "title_masked")  # the title is encrypted: its masked copy
    readonly_fields = [f.name for f in Case._meta.fields]
    exclude = ("agreement_scan",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
