from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "lianxin.demands"
    label = "demands"
    verbose_name = _("诉求工单")

    def ready(self) -> None:
        # models are loaded only now: these modules import them
        from lianxin.demands import (
            callers,
            checks,  # noqa: F401 - registers the calendar coverage check
            pickers,
        )
        from lianxin.demands.models import CalendarDay, DeadlinePolicy
        from lianxin.demands.policy_cache import policies_changed
        from lianxin.demands.workdays import overrides_clear

        def _calendar_changed(**kwargs: object) -> None:
            overrides_clear()

        # weak=False: the receiver is local to this method and would otherwise be collected at once
        post_save.connect(
            _calendar_changed, sender=CalendarDay, weak=False, dispatch_uid="demands_calendar_save"
        )
        post_delete.connect(
            _calendar_changed, sender=CalendarDay, weak=False, dispatch_uid="demands_calendar_delete"
        )
        # Submissions read the policy table from a per-process copy (policy_cache); forget it on change.
        post_save.connect(policies_changed, sender=DeadlinePolicy, dispatch_uid="demands_policy_save")
        post_delete.connect(policies_changed, sender=DeadlinePolicy, dispatch_uid="demands_policy_delete")
        callers.register()  # the phone-intake form's caller history (来电历史)
        pickers.register()  # the dispatch form's learned top-3 units
