from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from lianxin.core.models import Notification

admin.site.site_header = _("连心 管理后台")
admin.site.site_title = _("连心")
admin.site.index_title = _("配置")

# Column headings of Django 5.2's admin index (read by screen readers and shown without styles) that
# Django's own zh_Hans catalogue lacks: listed here so that our catalogue carries them.
ADMIN_HEADINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title_masked",)  # the title is encrypted: its masked copy is searched
    raw_id_fields = ("recipient",)
    readonly_fields = ("title_params", "body_msgs", "deliveries")
