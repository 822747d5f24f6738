from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "lianxin.assistance"
    label = "assistance"
    verbose_name = _("帮扶台账")

    def ready(self) -> None:
        from lianxin.assistance import contributions
        from lianxin.core.navigation import NavItem, nav_register

        contributions.register()
        nav_register(NavItem(_("帮扶台账"), "assistance:workbench", ("cadre", "supervisor", "admin")))
