from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from lianxin.core.models import Notification

admin.site.site_header = _("连心 管理后台")
admin.site.site_title = _("连心")
admin.site.index_title = _("配置")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title",)
    raw_id_fields = ("recipient",)
