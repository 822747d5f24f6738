from django.conf import settings

from lianxin.core.navigation import nav_for


def site(request):
    user = request.user
    unread = 0
    if user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "site_name": settings.LIANXIN_SITE_NAME,
        "nav_items": nav_for(user),
        "unread_count": unread,
        # The Content-Security-Policy nonce of this response (lianxin.core.csp): <script nonce="{{ csp_nonce }}">.
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
