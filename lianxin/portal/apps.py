from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "lianxin.portal"
    label = "portal"
    verbose_name = _("宣传")

    def ready(self) -> None:
        from lianxin.portal import demand_links  # imports models, loaded only now

        demand_links.register()
