"""The article workflow (draft → review → published → withdrawn) as one table.

Each row is one action: the states it may start from, the state it leads to, who may take it, its button
(label and tone) and what it records on the article. An action's name is what the editor's button posts
and the RevisionAction its revision row records. `services.article_transition` applies a row and
`services._refusal` says why one may not be taken, which also leaves its button out of the editor's page.
Adding an action is one row here (and its RevisionAction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext_noop

from lianxin.accounts.models import Role, User
from lianxin.portal.models import Article, ArticleState, RevisionAction
from lianxin.portal.sanitize import clean_text

EDITOR_ROLES = (Role.EDITOR, Role.ADMIN)

# Who may take an action: any editor, or a second editor — neither the author nor the one who sent the
# article for review, so that every published text has passed another editor (the four-eyes rule).
Who = Literal["editor", "second_editor"]
ANY_EDITOR: Who = "editor"
SECOND_EDITOR: Who = "second_editor"

# The button's Bootstrap colour on the editor's page.
Tone = Literal["primary", "success", "danger"]

# Articles in review or published are locked: a published article is withdrawn before it is edited.
EDITABLE_STATES = frozenset({ArticleState.DRAFT, ArticleState.WITHDRAWN})


def is_editor(user: User | None) -> bool:
    return user is not None and user.is_authenticated and user.has_role(*EDITOR_ROLES)


# What an action records on the article besides its new state: (article, actor, note) -> None.
Effect = Callable[[Article, User, str], None]


def _submitter(article: Article, actor: User, note: str) -> None:
    article.submitted_by = actor


def _review(article: Article, actor: User, note: str) -> None:
    article.reviewer = actor
    article.review_note = clean_text(note, max_length=500)


def _publication_time(article: Article, actor: User, note: str) -> None:
    # A time set beforehand (scheduled, or an imported article's date) is kept.
    if article.published_at is None:
        article.published_at = timezone.now()


@dataclass(frozen=True)
class Step:
    action: str  # a RevisionAction: the button's value and the revision the action writes
    sources: frozenset[str]
    target: str
    who: Who
    label: str  # Chinese, marked for translation; translated where shown (the buttons, the Conflict)
    tone: Tone
    effects: tuple[Effect, ...] = ()

    @property
    def revision(self) -> str:
        return self.action

    def apply(self, article: Article, actor: User, note: str) -> None:
        for effect in self.effects:
            effect(article, actor, note)
        article.state = self.target


def _step(
    action: str,
    sources: Iterable[str],
    target: str,
    who: Who,
    label: str,
    tone: Tone,
    effects: Iterable[Effect] = (),
) -> Step:
    return Step(str(action), frozenset(sources), target, who, label, tone, tuple(effects))


A, S = RevisionAction, ArticleState

# fmt: off
TABLE: dict[str, Step] = {s.action: s for s in [
    #     action      from             to            who            label                      tone       also records
    _step(A.SUBMIT,   [S.DRAFT],       S.REVIEW,     ANY_EDITOR,    gettext_noop("送审"),      "primary", [_submitter]),
    _step(A.APPROVE,  [S.REVIEW],      S.PUBLISHED,  SECOND_EDITOR, gettext_noop("审核发布"),  "success", [_review, _publication_time]),
    _step(A.REJECT,   [S.REVIEW],      S.DRAFT,      SECOND_EDITOR, gettext_noop("退回修改"),  "danger",  [_review]),
    _step(A.WITHDRAW, [S.PUBLISHED],   S.WITHDRAWN,  ANY_EDITOR,    gettext_noop("撤回"),      "danger"),
    _step(A.REDRAFT,  [S.WITHDRAWN],   S.DRAFT,      ANY_EDITOR,    gettext_noop("重新编辑"),  "primary"),
]}
# fmt: on
