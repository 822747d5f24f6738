from django.urls import path

from lianxin.demands import callers, views

app_name = "demands"

urlpatterns = [
    path("submit/", views.submit, name="submit"),
    path("submitted/<str:ticket_no>/", views.submitted, name="submitted"),
    path("similar/", views.already_reported, name="already_reported"),
    path("track/", views.track, name="track"),
    path("caller-history/", callers.caller_history_view, name="caller_history"),
    path("mine/", views.mine, name="mine"),
    path("workbench/", views.workbench, name="workbench"),
    path("unit/", views.unit_queue, name="unit_queue"),
    path("supervision/", views.supervision, name="supervision"),
    path("list/", views.demand_list_page, name="list"),
    path("export/", views.export, name="export"),
    path("stats/", views.stats, name="stats"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/reply-check/", views.reply_check, name="reply_check"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
