from django.urls import path, re_path

from lianxin.mediation import views

app_name = "mediation"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("cases/", views.cases, name="cases"),
    path("new/", views.case_new, name="new"),
    path("stats/", views.stats, name="stats"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/act/", views.case_act, name="act"),
    path("cases/<int:pk>/scan/", views.scan, name="scan"),
    re_path(r"^cases/(?P<pk>[0-9]{1,18})/agreement\.(?P<kind>docx|pdf)$", views.agreement, name="agreement"),
]
