"""Imported letters analysed like new ones (issue 17.7): the intake check of a submission, for demands
that came in through an import.

Per demand, what `lianxin.analysis.intake` does for a new submission: the urgency proposal with its
reason, the kinds of personal data in the text, the category suggestions (stored on `DemandIntel`),
the similar-index change row (and the entry, when the demand is inside the index's window), and the
reply-quality score of its reply. Two differences, on purpose: an imported letter is history (closed,
often years old), so a 特急 proposal is stored but never escalated (nobody is notified about a drowning of
2013), and the 疑似特急 list flag is left off closed demands. Idempotent per demand: a demand that already
has its intel (and its reply score, when it has a reply) is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from lianxin.analysis.classifier import active_version_id
from lianxin.analysis.intake import intel_store
from lianxin.analysis.models import DemandIntel, ReplyAssessment, SimilarChange
from lianxin.analysis.services import reply_assess
from lianxin.analysis.similar import entries_refresh
from lianxin.demands.choices import Status
from lianxin.demands.models import Demand
from lianxin.demands.services import demand_intel_urgency_set

logger = logging.getLogger("lianxin.imports")


def analyse_demands(demand_ids: Sequence[int]) -> int:
    """Analyse the demands of `demand_ids` not analysed yet; returns how many were analysed now."""
    ids = [int(i) for i in demand_ids]
    if not ids:
        return 0
    with_intel = set(DemandIntel.objects.filter(demand_id__in=ids).values_list("demand_id", flat=True))
    scored = set(ReplyAssessment.objects.filter(demand_id__in=ids).values_list("demand_id", flat=True))
    demands = Demand.objects.filter(pk__in=ids).select_related("category").order_by("pk")
    version = active_version_id()
    done = 0
    changed: list[int] = []
    for demand in demands:
        needs_reply_score = bool(demand.reply_text) and demand.pk not in scored
        if demand.pk in with_intel and not needs_reply_score:
            continue
        if demand.pk not in with_intel:
            _intake(demand, version)
            changed.append(demand.pk)
        if needs_reply_score:
            try:
                reply_assess(demand=demand)
            except Exception:  # a broken scorer leaves the reply unscored, the rest of the batch goes on
                logger.exception("reply score failed for imported demand %s", demand.pk)
        done += 1
    if changed:
        SimilarChange.objects.bulk_create([SimilarChange(demand_id=pk) for pk in changed])
        entries_refresh(changed)  # only demands inside the index's window get an entry
    return done


def _intake(demand: Demand, version: int | None) -> None:
    with transaction.atomic():
        _, urgency = intel_store(demand, version=version)
        if demand.status != Status.CLOSED:
            demand_intel_urgency_set(demand_id=demand.pk, level=urgency.level)
