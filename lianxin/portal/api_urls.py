from django.urls import path

from lianxin.portal import api

urlpatterns = [
    path("portal/articles/", api.ArticleListView.as_view(), name="portal-articles"),
    path("portal/articles/<int:pk>/", api.ArticleDetailView.as_view(), name="portal-article"),
]
