from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

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
    search_fields = ["contact_point__name"]  # the householder's name is encrypted: not searchable
    exclude = ["phone_hash"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["cadre", "contact_point", "household", "start", "end"]
    raw_id_fields = ["cadre", "household"]


class VisitPhotoInline(admin.TabularInline):
    """Photos are added through the diary (content-checked there) and shown through the permission-checked
    photo view: the file field's own widget would link to a /media/ address that is not served."""

    model = VisitPhoto
    extra = 0
    fields = ["photo", "width", "height"]
    readonly_fields = ["photo", "width", "height"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("照片"))
    def photo(self, obj: VisitPhoto) -> str:
        url = reverse("contact:photo", args=[obj.pk])
        return format_html('<a href="{}"><img src="{}" alt="" style="max-height: 6rem"></a>', url, url)


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
