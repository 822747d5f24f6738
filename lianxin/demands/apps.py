from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "lianxin.demands"
    label = "demands"
    verbose_name = _("诉求工单")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lianxin.demands import checks  # noqa: F401 - registers the calendar coverage check
        from lianxin.demands.models import CalendarDay
        from lianxin.demands.workdays import overrides_clear

        def _clear(**kwargs):
            overrides_clear()

        post_save.connect(_clear, sender=CalendarDay, dispatch_uid="demands_calendar_save")
        post_delete.connect(_clear, sender=CalendarDay, dispatch_uid="demands_calendar_delete")
