from django.urls import path, re_path

from lianxin.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.scorecards, name="scorecards"),
    path("cards/cadre/<str:ident>/", views.cadre_card, name="cadre_card"),
    path("cards/unit/<int:pk>/", views.unit_card, name="unit_card"),
    path("records/", views.records, name="records"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/", views.dashboard_data, name="dashboard_data"),
    path("reports/", views.reports, name="reports"),
    path("reports/batches/", views.batch_start, name="batch_start"),
    path("reports/batches/<int:pk>/", views.batch_detail, name="batch"),
    path("reports/batches/<int:pk>/download.zip", views.batch_download, name="batch_download"),
    re_path(r"^reports/(?P<username>[\w.@+-]+)/(?P<period>[^/]+)/$", views.report_detail, name="report"),
    re_path(
        r"^reports/(?P<username>[\w.@+-]+)/(?P<period>[^/]+)/download\.(?P<fmt>pdf|docx)$",
        views.report_download,
        name="report_download",
    ),
]
