"""Background work of participation: event reminders and closing what ran past its period."""

from __future__ import annotations

from django.utils import timezone

from lianxin.core.tasks import crontab, periodic
from lianxin.participation.models import Consultation, ConsultationStatus, Poll, PollStatus
from lianxin.participation.services import consultation_close, event_reminders_send, poll_close


@periodic(crontab(minute="*/15"))
def participation_sweep_task() -> int:
    """Every 15 minutes: remind people signed up for events starting soon; close consultations and polls
    whose period ended."""
    now = timezone.now()
    for c in Consultation.objects.filter(status=ConsultationStatus.OPEN, closes_at__lte=now):
        consultation_close(consultation=c, system=True, now=now)
    for p in Poll.objects.filter(status=PollStatus.OPEN, closes_at__lte=now):
        poll_close(poll=p, system=True, now=now)
    return event_reminders_send(now=now)
