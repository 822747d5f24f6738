from django.urls import path
from rest_framework.routers import SimpleRouter

from lianxin.analysis import api

router = SimpleRouter()
router.register("org/routing-rules", api.RoutingRuleViewSet, basename="org-routing-rule")

urlpatterns = [
    path("analysis/hot-issues/", api.HotIssueListView.as_view(), name="analysis-hot-issues"),
    path("analysis/suggestions/", api.SuggestionView.as_view(), name="analysis-suggestions"),
    *router.urls,
]
