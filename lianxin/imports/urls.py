from django.urls import path

from lianxin.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.start, name="start"),
    path("<int:pk>/", views.job, name="job"),
    path("<int:pk>/refused.csv", views.refused_report, name="refused"),
]
