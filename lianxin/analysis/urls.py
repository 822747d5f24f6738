from django.urls import path

from lianxin.analysis import views

app_name = "analysis"

urlpatterns = [
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/refresh/", views.hotspots_refresh, name="hotspots_refresh"),
    path("demands/<int:pk>/accept/", views.accept, name="accept"),
    path("replies/", views.reply_quality, name="reply_quality"),
    path("replies/list/", views.reply_quality_unit, name="reply_quality_unit"),
]
