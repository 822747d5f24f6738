from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "lianxin.portal"
    label = "portal"
    verbose_name = _("宣传")

    def ready(self) -> None:
        from lianxin.demands import extensions
        from lianxin.portal.demand_links import demand_policies  # imports models, loaded only now

        extensions.lookups_register(related_policies=demand_policies)
