from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "lianxin.analysis"
    label = "analysis"
    verbose_name = _("民意分析")

    def ready(self) -> None:
        # models are loaded only now: these modules import them
        from lianxin.analysis import tasks  # noqa: F401 - registers the Huey tasks and periodic jobs
        from lianxin.analysis.panels import panels_register
        from lianxin.analysis.port import AnalysisIntel
        from lianxin.demands import intel_port

        intel_port.register(AnalysisIntel())
        panels_register()
        from lianxin.analysis.intake import accepts_heard
        from lianxin.demands import extensions

        # every 受理 with a category (the demand page's one accept form, the API) is recorded against
        # intel's suggestion, so that retraining learns from the operators' corrections
        extensions.event_listener_register("analysis_confirm", accepts_heard)
