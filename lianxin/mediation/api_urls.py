from django.urls import path, re_path

from lianxin.mediation import api

urlpatterns = [
    path("mediation/cases/", api.CaseListView.as_view(), name="mediation-cases"),
    path("mediation/cases/<int:pk>/", api.CaseDetailView.as_view(), name="mediation-case"),
    path("mediation/cases/<int:pk>/actions/", api.CaseActionView.as_view(), name="mediation-case-actions"),
    re_path(
        r"^mediation/cases/(?P<pk>[0-9]{1,18})/agreement\.(?P<kind>docx|pdf)$",
        api.AgreementView.as_view(),
        name="mediation-agreement",
    ),
]
