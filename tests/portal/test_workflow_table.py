"""The article workflow is one table (lianxin.portal.workflow.TABLE) and one refusal (services._refusal):
the editor's buttons (`actions_for`) and the action itself (`article_transition`) agree for every state,
action and editor, and the second-editor rule refuses on both."""

from __future__ import annotations

import re
from collections import deque

import pytest
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.accounts.models import User
from lianxin.core.errors import ApplicationError, PermissionDenied
from lianxin.portal import services, workflow
from lianxin.portal.models import Article, ArticleRevision, ArticleState
from tests.factories import UserFactory
from tests.portal.factories import PortalCategoryFactory, editor

pytestmark = pytest.mark.django_db

ACTIONS = list(workflow.TABLE)
ROLES = ["author", "submitter", "other_editor", "citizen"]


def _path(start: str, goal: str) -> list[str]:
    """The shortest list of actions of the table leading from state `start` to state `goal`."""
    paths: dict[str, list[str]] = {start: []}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for action, step in workflow.TABLE.items():
            if state in step.sources and step.target not in paths:
                paths[step.target] = [*paths[state], action]
                queue.append(step.target)
    if goal not in paths:
        raise AssertionError(f"{goal} cannot be reached from {start}")
    return paths[goal]


class Cast:
    """An author, the editor who sends the article for review, an editor who reviews it, another editor
    who has done nothing to it, and a citizen."""

    def __init__(self) -> None:
        self.author, self.submitter, self.reviewer, self.other_editor = editor(), editor(), editor(), editor()
        self.citizen = UserFactory(roles="citizen")

    def __getitem__(self, role: str) -> User:
        return getattr(self, role)

    def actor_for(self, action: str) -> User:
        """Who takes `action` when setting an article up: a second editor when the rule asks for one."""
        return self.reviewer if workflow.TABLE[action].who == workflow.SECOND_EDITOR else self.submitter


def _article_in(state: str, cast: Cast) -> Article:
    """A real article in `state`, brought there by the services through review once (so that it has both
    an author and a submitter, whatever the state)."""
    article = services.article_create(
        actor=cast.author,
        data=services.ArticleInput(title="标题", category=PortalCategoryFactory(), body="正文"),
    )
    for action in _path(ArticleState.DRAFT, ArticleState.REVIEW) + _path(ArticleState.REVIEW, state):
        article = services.article_transition(article=article, actor=cast.actor_for(action), action=action)
    assert article.state == state
    return Article.objects.get(pk=article.pk)


def test_every_state_and_every_action_of_the_table_is_reachable_from_a_new_draft():
    for state in ArticleState.values:
        _path(ArticleState.DRAFT, state)
    reachable = {ArticleState.DRAFT, *(workflow.TABLE[a].target for a in ACTIONS)}
    for action, step in workflow.TABLE.items():
        assert step.sources & reachable, f"{action} starts from no state an article can be in"
        assert step.target in ArticleState.values and step.sources <= set(ArticleState.values)
        assert step.revision == action


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_of_the_table_can_be_taken_by_the_services(action):
    cast = Cast()
    step = workflow.TABLE[action]
    article = _article_in(sorted(step.sources)[0], cast)
    actor = cast.other_editor
    assert action in services.actions_for(article, actor)
    done = services.article_transition(article=article, actor=actor, action=action, note="说明")
    assert done.state == step.target
    last = done.revisions.order_by("-number").first()
    assert last is not None and last.action == step.revision and last.actor == actor and last.note == "说明"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", ArticleState.values)
def test_the_buttons_and_the_action_agree(state, action, role):
    cast = Cast()
    article = _article_in(state, cast)
    actor = cast[role]
    offered = action in services.actions_for(article, actor)
    refusal = services._refusal(action, article, actor)
    assert offered == (refusal is None)
    revisions = article.revisions.count()
    if offered:
        done = services.article_transition(article=article, actor=actor, action=action)
        assert done.state == workflow.TABLE[action].target
        assert article.revisions.count() == revisions + 1
        return
    assert refusal is not None
    with pytest.raises(ApplicationError) as raised:
        services.article_transition(article=article, actor=actor, action=action)
    assert type(raised.value) is type(refusal)
    assert (raised.value.code, raised.value.message) == (refusal.code, refusal.message)
    after = Article.objects.get(pk=article.pk)
    assert after.state == state and after.revisions.count() == revisions


@pytest.mark.parametrize("role", ["author", "submitter"])
def test_the_second_editor_rule_refuses_the_author_and_the_submitter_on_both_paths(role):
    cast = Cast()
    article = _article_in(ArticleState.REVIEW, cast)
    actor = cast[role]
    second_editor_only = [a for a, step in workflow.TABLE.items() if step.who == workflow.SECOND_EDITOR]
    assert second_editor_only  # approve and reject
    for action in second_editor_only:
        assert action not in services.actions_for(article, actor)
        with pytest.raises(PermissionDenied) as raised:
            services.article_transition(article=article, actor=actor, action=action)
        assert raised.value.code == "second_editor_required"
        assert raised.value.message == "审核须由另一位编辑进行：作者或送审人不能审核自己的文章"
        assert action in services.actions_for(article, cast.other_editor)
    assert Article.objects.get(pk=article.pk).state == ArticleState.REVIEW


@pytest.mark.parametrize("state", ArticleState.values)
def test_the_editor_page_shows_the_buttons_of_the_table(client, state):
    cast = Cast()
    article = _article_in(state, cast)
    for role in ["author", "submitter", "other_editor"]:
        viewer = Client()
        viewer.force_login(cast[role])
        html = viewer.get(f"/portal/editor/{article.pk}/").content.decode()
        buttons = re.findall(r'name="action" value="([a-z_]+)"', html)
        assert buttons == services.actions_for(article, cast[role])
        for action in buttons:
            assert f">{workflow.TABLE[action].label}</button>" in html
        assert (f"/portal/editor/{article.pk}/edit/" in html) == (state in workflow.EDITABLE_STATES)


@pytest.mark.parametrize("role", ROLES)
def test_an_unknown_action_is_refused_alike_on_both_paths(role):
    cast = Cast()
    article = _article_in(ArticleState.REVIEW, cast)
    refusal = services._refusal("explode", article, cast[role])
    assert refusal is not None and "explode" not in services.actions_for(article, cast[role])
    with pytest.raises(ApplicationError) as raised:
        services.article_transition(article=article, actor=cast[role], action="explode")
    assert type(raised.value) is type(refusal) and raised.value.message == refusal.message


def test_every_button_label_has_an_english_translation():
    with translation.override("en"):
        for action, step in workflow.TABLE.items():
            assert translation.gettext(step.label) != step.label, action


def _invariants(article: Article) -> None:
    assert article.state in ArticleState.values
    if article.state == ArticleState.PUBLISHED:
        assert article.published_at is not None
        assert article.reviewer_id not in (None, article.author_id, article.submitted_by_id)
    if article.state != ArticleState.DRAFT:
        assert article.submitted_by_id is not None  # nothing leaves draft without being sent for review


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ROLES)), max_size=14))
def test_no_sequence_of_actions_breaks_the_rule_and_the_buttons_always_tell(moves):
    cast = Cast()
    article = services.article_create(
        actor=cast.author,
        data=services.ArticleInput(title="标题", category=PortalCategoryFactory(), body="正文"),
    )
    taken = 0
    for action, role in moves:
        actor = cast[role]
        before = Article.objects.get(pk=article.pk)
        offered = action in services.actions_for(before, actor)
        try:
            article = services.article_transition(article=before, actor=actor, action=action)
        except ApplicationError:
            assert not offered
            assert Article.objects.get(pk=article.pk).state == before.state
        else:
            assert offered
            assert before.state in workflow.TABLE[action].sources
            assert article.state == workflow.TABLE[action].target
            taken += 1
        _invariants(Article.objects.get(pk=article.pk))
    assert ArticleRevision.objects.filter(article_id=article.pk).count() == 1 + taken
