from django.urls import path

from lianxin.contact import api

urlpatterns = [
    path("contact/points/", api.ContactPointListView.as_view(), name="contact-points"),
    path("contact/households/", api.HouseholdListView.as_view(), name="contact-households"),
    path("contact/visits/", api.VisitListView.as_view(), name="contact-visits"),
    path("contact/visits/<int:pk>/", api.VisitDetailView.as_view(), name="contact-visit"),
]
