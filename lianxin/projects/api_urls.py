from django.urls import path

from lianxin.projects import api

urlpatterns = [
    path("projects/", api.ProjectListView.as_view(), name="projects-list"),
    path("projects/<int:pk>/", api.ProjectDetailView.as_view(), name="projects-detail"),
    path("projects/<int:pk>/milestones/", api.MilestoneListView.as_view(), name="projects-milestones"),
    path(
        "projects/<int:pk>/milestones/<int:milestone>/done/",
        api.MilestoneDoneView.as_view(),
        name="projects-milestone-done",
    ),
    path("projects/<int:pk>/progress/", api.ProgressListView.as_view(), name="projects-progress"),
    path("projects/<int:pk>/transitions/", api.TransitionView.as_view(), name="projects-transitions"),
    path("projects/<int:pk>/comments/", api.CommentCreateView.as_view(), name="projects-comments"),
    path("projects/<int:pk>/rating-code/", api.RatingCodeView.as_view(), name="projects-rating-code"),
    path("projects/<int:pk>/ratings/", api.RatingView.as_view(), name="projects-ratings"),
    path(
        "projects/comments/<int:comment>/moderate/",
        api.CommentModerateView.as_view(),
        name="projects-comment-moderate",
    ),
]
