from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "lianxin.notices"
    label = "notices"
    verbose_name = _("短信通知")

    def ready(self) -> None:
        from lianxin.core.navigation import NavItem, nav_register
        from lianxin.demands import extensions
        from lianxin.notices.listener import events_heard

        extensions.event_listener_register("notices", events_heard)
        nav_register(NavItem(_("短信回复"), "notices:queue", ("operator",)))
