from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.models import Role, User


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def prepare_value(self, value):
        if isinstance(value, str):
            return [r for r in value.split(",") if r]
        return value

    def clean(self, value):
        return ",".join(super().clean(value))


class UserAdminForm(forms.ModelForm):
    roles = RolesField(label=_("角色"), choices=Role.choices, required=False)

    class Meta:
        model = User
        fields = "__all__"  # noqa: DJ007 - the admin decides the fieldsets


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    list_display = ("username", "display_name", "roles", "unit", "area_scope", "is_active")
    list_filter = ("is_active", "unit__kind")
    search_fields = ("username", "display_name")
    autocomplete_fields = ("unit", "area_scope")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("连心"), {"fields": ("display_name", "roles", "unit", "area_scope", "post", "title", "phone")}),
    )
