from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterconnectConfig(AppConfig):
    name = "lianxin.interconnect"
    label = "interconnect"
    verbose_name = _("互联互通")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from lianxin.demands import extensions
        from lianxin.interconnect import tasks  # noqa: F401 - registers the Huey tasks and periodic jobs
        from lianxin.interconnect.listener import events_heard
        from lianxin.interconnect.models import Platform, Subscriber
        from lianxin.interconnect.webhooks import subscribers_changed
        from lianxin.interconnect.workorders import platforms_changed

        extensions.event_listener_register("interconnect", events_heard)
        for signal in (post_save, post_delete):
            signal.connect(subscribers_changed, sender=Subscriber, dispatch_uid="interconnect-subscribers")
            signal.connect(platforms_changed, sender=Platform, dispatch_uid="interconnect-platforms")
