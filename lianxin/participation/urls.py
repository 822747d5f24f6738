from django.urls import path

from lianxin.participation import views

app_name = "participation"

urlpatterns = [
    path("", views.home, name="home"),
    path("phone-code/", views.phone_code, name="phone_code"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:pk>/manage/", views.consultation_manage, name="consultation_manage"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("polls/<int:pk>/", views.poll_detail, name="poll"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("surveys/<int:pk>/respond/", views.survey_respond, name="survey"),
    path("surveys/<int:pk>/export/", views.survey_export, name="survey_export"),
    path("happiness/", views.happiness, name="happiness"),
    path("happiness/<int:pk>/", views.happiness, name="happiness_survey"),
    path("board/<int:area>/", views.board, name="board"),
    path("workbench/", views.workbench, name="workbench"),
    path("statistics/", views.statistics, name="statistics"),
]
