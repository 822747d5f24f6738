"""Every participation action, one keyword-only service each, a module per workflow: `consultations`
(征求意见 and adoption feedback), `polls` (民生实事 votes), `events` (组织群众) and `surveys` (幸福指数);
`common` holds the identity, the action-table check and the timeline entry they share."""

from lianxin.participation.services.consultations import (
    answers_submit,
    comment_add,
    comment_moderate,
    comment_support,
    consultation_close,
    consultation_create,
    consultation_feedback_publish,
    consultation_publish,
    feedback_add,
)
from lianxin.participation.services.events import (
    checkin_code,
    event_cancel,
    event_cancel_signup,
    event_check_in,
    event_create,
    event_follow_up_add,
    event_minutes_record,
    event_reminders_send,
    event_sign_up,
)
from lianxin.participation.services.polls import (
    poll_close,
    poll_create,
    poll_open,
    poll_projects_create,
    poll_publish,
    poll_vote,
)
from lianxin.participation.services.surveys import (
    survey_close,
    survey_create,
    survey_invite,
    survey_open,
    survey_respond,
)

__all__ = [
    "answers_submit",
    "checkin_code",
    "comment_add",
    "comment_moderate",
    "comment_support",
    "consultation_close",
    "consultation_create",
    "consultation_feedback_publish",
    "consultation_publish",
    "event_cancel",
    "event_cancel_signup",
    "event_check_in",
    "event_create",
    "event_follow_up_add",
    "event_minutes_record",
    "event_reminders_send",
    "event_sign_up",
    "feedback_add",
    "poll_close",
    "poll_create",
    "poll_open",
    "poll_projects_create",
    "poll_publish",
    "poll_vote",
    "survey_close",
    "survey_create",
    "survey_invite",
    "survey_open",
    "survey_respond",
]
