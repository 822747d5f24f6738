from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianxin.accounts.http import UserRequest
from lianxin.core.models import Notification


@login_required
def inbox(request: UserRequest) -> HttpResponse:
    notifications = Notification.objects.filter(recipient=request.user)[:100]
    if request.method == "POST":
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return render(request, "accounts/inbox.html", {"notifications": notifications})
