"""The organisation under /api/v1/org/ (mounted at the API root by lianxin/urls.py)."""

from rest_framework.routers import SimpleRouter

from lianxin.org import api

router = SimpleRouter()
router.register("org/areas", api.AreaViewSet, basename="org-area")
router.register("org/categories", api.CategoryViewSet, basename="org-category")
router.register("org/units", api.UnitViewSet, basename="org-unit")

urlpatterns = router.urls
