from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "lianxin.projects"
    label = "projects"
    verbose_name = _("民生实事")

    def ready(self) -> None:
        from lianxin.core.navigation import PUBLIC, NavItem, nav_register
        from lianxin.projects import contributions

        contributions.register()
        nav_register(NavItem(_("民生实事"), "projects:list", (PUBLIC,)))
        nav_register(NavItem(_("办实事管理"), "projects:mine", ("cadre", "handler", "supervisor", "admin")))
