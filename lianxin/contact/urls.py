from django.urls import path

from lianxin.contact import views

app_name = "contact"

urlpatterns = [
    path("", views.diary, name="diary"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("photos/<int:pk>/", views.visit_photo, name="photo"),
    path("coverage/", views.coverage, name="coverage"),
    path("contacts/", views.contacts, name="contacts"),
]
