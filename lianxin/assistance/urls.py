from django.urls import path

from lianxin.assistance import views

app_name = "assistance"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/<slug:form>/", views.plan_act, name="act"),
]
