from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "lianxin.mediation"
    label = "mediation"
    verbose_name = _("矛盾纠纷调处")

    def ready(self) -> None:
        from lianxin.core.navigation import NavItem, nav_register
        from lianxin.mediation import demand_links, scorecard  # import models, loaded only now

        demand_links.register()
        scorecard.register()
        nav_register(
            NavItem(
                _("矛盾调处"), "mediation:workbench", ("operator", "handler", "cadre", "supervisor", "admin")
            )
        )
