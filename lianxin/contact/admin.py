from django.contrib import admin

from lianxin.contact.models import (
    Assignment,
    ContactPoint,
    CoverageRule,
    Household,
    Visit,
    VisitPhoto,
    VisitProblem,
)


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "area", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["head_name", "size", "contact_point", "area", "tags", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["head_name"]
    exclude = ["phone_hash"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["cadre", "contact_point", "household", "start", "end"]
    raw_id_fields = ["cadre", "household"]


class VisitPhotoInline(admin.TabularInline):
    model = VisitPhoto
    extra = 0


class VisitProblemInline(admin.TabularInline):
    model = VisitProblem
    extra = 0
    raw_id_fields = ["demand", "household"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "cadre", "kind", "contact_point"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    inlines = [VisitPhotoInline, VisitProblemInline]
    raw_id_fields = ["cadre"]
    filter_horizontal = ["households"]


@admin.register(CoverageRule)
class CoverageRuleAdmin(admin.ModelAdmin):
    list_display = ["target", "every_months"]
