from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "lianxin.analysis"
    label = "analysis"
    verbose_name = _("民意分析")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from lianxin.analysis import tasks  # noqa: F401 - registers the Huey tasks and periodic jobs
        from lianxin.analysis.intake import demand_saved

        post_save.connect(demand_saved, sender="demands.Demand", dispatch_uid="analysis_demand_saved")
