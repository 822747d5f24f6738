from django.contrib import admin

from lianxin.org.models import Area, Category, Unit


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "path")
    list_filter = ("level",)
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "area", "parent", "accepts_dispatch", "is_active")
    list_filter = ("kind", "accepts_dispatch", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("area", "parent")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "code")
    autocomplete_fields = ("parent",)
