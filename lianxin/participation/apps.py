from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "lianxin.participation"
    label = "participation"
    verbose_name = _("群众参与")

    def ready(self) -> None:
        from lianxin.core.contributions import measure_register, report_section_register
        from lianxin.core.navigation import PUBLIC, NavItem, nav_register
        from lianxin.participation.measures import MEASURES, SECTIONS

        for measure in MEASURES:
            measure_register(measure)
        for section in SECTIONS:
            report_section_register(section)
        nav_register(NavItem(_("群众参与"), "participation:home", (PUBLIC,)))
        nav_register(
            NavItem(
                _("参与工作台"),
                "participation:workbench",
                ("cadre", "handler", "operator", "supervisor", "admin"),
            )
        )
