"""The notices app has no /api/v1/ doors: the gateway's callbacks are under /notices/sms/ (urls.py)."""

urlpatterns: list = []
