from django.urls import path

from lianxin.assistance import api

urlpatterns = [
    path("assistance/plans/", api.PlanListView.as_view(), name="assistance-plans"),
    path("assistance/plans/<int:pk>/", api.PlanDetailView.as_view(), name="assistance-plan"),
    path(
        "assistance/plans/<int:pk>/follow-ups/", api.FollowUpListView.as_view(), name="assistance-follow-ups"
    ),
    path("assistance/plans/<int:pk>/measures/", api.MeasureListView.as_view(), name="assistance-measures"),
    path(
        "assistance/plans/<int:pk>/measures/<int:measure>/status/",
        api.MeasureStatusView.as_view(),
        name="assistance-measure-status",
    ),
    path("assistance/plans/<int:pk>/assess/", api.AssessView.as_view(), name="assistance-assess"),
]
