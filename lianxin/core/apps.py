from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "lianxin.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from lianxin.core.files import pillow_limits

        pillow_limits()
