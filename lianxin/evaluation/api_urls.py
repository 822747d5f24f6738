from django.urls import path, re_path

from lianxin.evaluation import api

urlpatterns = [
    path("evaluation/measures/", api.MeasuresView.as_view(), name="evaluation-measures"),
    path("evaluation/records/", api.RecordsView.as_view(), name="evaluation-records"),
    path("evaluation/scorecards/units/", api.UnitLeagueView.as_view(), name="evaluation-unit-league"),
    path("evaluation/scorecards/units/<int:pk>/", api.UnitCardView.as_view(), name="evaluation-unit-card"),
    path("evaluation/scorecards/cadres/", api.CadreLeagueView.as_view(), name="evaluation-cadre-league"),
    re_path(
        r"^evaluation/scorecards/cadres/(?P<ident>[\w.@+-]+)/$",
        api.CadreCardView.as_view(),
        name="evaluation-cadre-card",
    ),
    path("evaluation/reports/", api.ReportListView.as_view(), name="evaluation-reports"),
    re_path(
        r"^evaluation/reports/(?P<username>[\w.@+-]+)/(?P<period>[0-9Qq-]{4,7})/(?P<fmt>pdf|docx)/$",
        api.ReportFileView.as_view(),
        name="evaluation-report-file",
    ),
]
