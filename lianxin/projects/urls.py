from django.urls import path

from lianxin.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/comment/", views.comment_post, name="comment"),
    path("<int:pk>/rate/", views.rating_post, name="rate"),
    path("photos/<int:pk>/", views.project_photo, name="photo"),
    path("mine/", views.project_mine, name="mine"),
    path("new/", views.project_new, name="new"),
    path("<int:pk>/manage/", views.project_manage, name="manage"),
    path("<int:pk>/manage/<slug:form>/", views.project_act, name="act"),
]
