"""Settings of the participation app, each with its default here until the lead adds them to
`settings/base.py` (the app reads them only through this module)."""

from __future__ import annotations

from django.conf import settings

# Longest comment a citizen may leave on a consultation (characters).
COMMENT_MAX = int(getattr(settings, "LIANXIN_PARTICIPATION_COMMENT_MAX", 2000))
# Comments one identity may leave on one consultation ("one identity, one voice": a few, not a flood).
COMMENTS_PER_IDENTITY = int(getattr(settings, "LIANXIN_PARTICIPATION_COMMENTS_PER_IDENTITY", 3))
# Working days after the close within which the adoption feedback counts as published on time.
FEEDBACK_DAYS = int(getattr(settings, "LIANXIN_PARTICIPATION_FEEDBACK_DAYS", 15))
# Least number of responses in an area before its happiness index is published.
MIN_SAMPLE = int(getattr(settings, "LIANXIN_PARTICIPATION_MIN_SAMPLE", 30))
# Default weights of the happiness dimensions (a survey may carry its own).
WEIGHTS: dict[str, float] = dict(
    getattr(
        settings,
        "LIANXIN_HAPPINESS_WEIGHTS",
        {
            "income": 0.20,
            "housing": 0.15,
            "education": 0.12,
            "health": 0.13,
            "social_security": 0.12,
            "safety": 0.10,
            "environment": 0.08,
            "public_services": 0.10,
        },
    )
)
# Hours before an event starts when signed-up people are reminded.
REMIND_HOURS = int(getattr(settings, "LIANXIN_PARTICIPATION_REMIND_HOURS", 24))
