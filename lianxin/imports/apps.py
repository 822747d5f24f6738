from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "lianxin.imports"
    label = "imports"
    verbose_name = _("数据导入")

    def ready(self) -> None:
        from lianxin.core.navigation import NavItem, nav_register
        from lianxin.demands.importers import import_listener_add
        from lianxin.imports import services

        import_listener_add(services.cli_import_done)
        nav_register(NavItem(_("数据导入"), "imports:start", ("operator", "admin")), before="demands:stats")
