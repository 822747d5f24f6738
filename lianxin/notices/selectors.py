"""Reads of the notices app: the operators' queue of SMS answers that were not recorded."""

from __future__ import annotations

from django.db.models import QuerySet

from lianxin.notices.models import OPEN_STATES, InboundSms

QUEUE_SIZE = 200


def inbound_queue() -> QuerySet[InboundSms]:
    """Messages an operator still has to deal with, oldest first (the centre's queue: operators see all)."""
    return (
        InboundSms.objects.filter(state__in=OPEN_STATES)
        .select_related("demand")
        .order_by("received_at", "pk")[:QUEUE_SIZE]
    )
