from django.urls import path

from lianxin.participation import api

urlpatterns = [
    path("participation/phone-code/", api.PhoneCodeView.as_view(), name="participation-phone-code"),
    path("consultations/", api.ConsultationsView.as_view(), name="consultation-list"),
    path("consultations/<int:pk>/", api.ConsultationDetailView.as_view(), name="consultation-detail"),
    path(
        "consultations/<int:pk>/actions/", api.ConsultationActionView.as_view(), name="consultation-actions"
    ),
    path("consultations/<int:pk>/comments/", api.CommentsView.as_view(), name="consultation-comments"),
    path(
        "consultations/<int:pk>/comments/<int:cid>/support/",
        api.CommentSupportView.as_view(),
        name="comment-support",
    ),
    path(
        "consultations/<int:pk>/comments/<int:cid>/moderation/",
        api.CommentModerationView.as_view(),
        name="comment-moderation",
    ),
    path("consultations/<int:pk>/answers/", api.AnswersView.as_view(), name="consultation-answers"),
    path("consultations/<int:pk>/feedback/", api.FeedbackView.as_view(), name="consultation-feedback"),
    path("polls/", api.PollsView.as_view(), name="poll-list"),
    path("polls/<int:pk>/", api.PollDetailView.as_view(), name="poll-detail"),
    path("polls/<int:pk>/actions/", api.PollActionView.as_view(), name="poll-actions"),
    path("polls/<int:pk>/vote/", api.VoteView.as_view(), name="poll-vote"),
    path("polls/<int:pk>/results/", api.ResultsView.as_view(), name="poll-results"),
    path("events/", api.EventsView.as_view(), name="event-list"),
    path("events/<int:pk>/", api.EventDetailView.as_view(), name="event-detail"),
    path("events/<int:pk>/signups/", api.SignUpView.as_view(), name="event-signup"),
    path(
        "events/<int:pk>/signups/<int:sid>/cancel/",
        api.SignUpCancelView.as_view(),
        name="event-signup-cancel",
    ),
    path("events/<int:pk>/checkin/", api.CheckInView.as_view(), name="event-checkin"),
    path("surveys/", api.SurveysView.as_view(), name="survey-list"),
    path("surveys/<int:pk>/", api.SurveyDetailView.as_view(), name="survey-detail"),
    path("surveys/<int:pk>/actions/", api.SurveyActionView.as_view(), name="survey-actions"),
    path("surveys/<int:pk>/respond/", api.RespondView.as_view(), name="survey-respond"),
    path("surveys/<int:pk>/index/", api.IndexView.as_view(), name="survey-index"),
]
