from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "lianxin.contact"
    label = "contact"
    verbose_name = _("联系群众")

    def ready(self) -> None:
        from lianxin.contact import demand_links  # imports models, loaded only now

        demand_links.register()
