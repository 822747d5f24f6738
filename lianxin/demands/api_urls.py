from django.urls import path

from lianxin.demands import api

urlpatterns = [
    path("demands/", api.DemandCollectionView.as_view(), name="demand-list"),
    path("demands/measures/", api.MeasuresView.as_view(), name="demand-measures"),
    path("demands/<int:pk>/", api.DemandDetailView.as_view(), name="demand-detail"),
    path("demands/<int:pk>/timeline/", api.DemandTimelineView.as_view(), name="demand-timeline"),
    path("demands/<int:pk>/transitions/", api.DemandTransitionView.as_view(), name="demand-transitions"),
    path("demands/<int:pk>/attachments/", api.DemandAttachmentView.as_view(), name="demand-attachments"),
    path("track/", api.TrackView.as_view(), name="demand-track"),
    path("units/", api.UnitListView.as_view(), name="unit-list"),
]
