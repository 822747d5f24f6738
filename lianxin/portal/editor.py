"""The editors' pages (编辑部): lists by state, the article form, preview, review actions, import."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.accounts.models import Role, User
from lianxin.accounts.permissions import role_required
from lianxin.core.errors import ApplicationError
from lianxin.portal import counter, selectors, services, workflow
from lianxin.portal.forms import ArticleForm, ImportForm
from lianxin.portal.importing import parse_rows
from lianxin.portal.models import Article, ArticleState
from lianxin.portal.views import nav_context, or_404, template_for

editor_required = role_required(*workflow.EDITOR_ROLES)


class EditorRequest(HttpRequest):
    """The request of a page behind `editor_required`: its user is a signed-in editor."""

    user: User


def _get(pk: int) -> Article:
    return or_404(selectors.editor_article_get, pk)


def _form_error(form: ArticleForm, exc: ApplicationError) -> None:
    fields = exc.fields or {}
    placed = False
    for name in fields:
        if name in form.fields:
            form.add_error(name, exc.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


@editor_required
def home(request: EditorRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in ArticleState.values:
        state = ""
    mine = request.GET.get("mine") == "1"
    articles = selectors.editor_article_list(user=request.user, state=state, mine=mine)[:200]
    waiting = selectors.editor_article_list(user=request.user, state=ArticleState.REVIEW).exclude(
        author=request.user
    )
    return render(
        request,
        "portal/editor/home.html",
        {
            "articles": articles,
            "state": state,
            "mine": mine,
            "states": ArticleState.choices,
            "waiting_count": waiting.count(),
        },
    )


def _article_form(
    request: EditorRequest,
    *,
    article: Article | None,
    save: Callable[[services.ArticleInput], Article],
    saved: str,
) -> HttpResponse:
    """The article form, new (`article` None) or filled from `article`: a valid form is passed to `save`
    (one service), whose refusal is shown on the form; on success, `saved` and back to the article."""
    initial = ArticleForm.initial_for(article) if article is not None else None
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            written = save(form.to_input())
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, saved)
            return redirect("portal:editor_article", pk=written.pk)
    return render(request, "portal/editor/form.html", {"form": form, "article": article})


@editor_required
def article_new(request: EditorRequest) -> HttpResponse:
    return _article_form(
        request,
        article=None,
        save=lambda data: services.article_create(actor=request.user, data=data),
        saved=_("草稿已保存"),
    )


@editor_required
def article_edit(request: EditorRequest, pk: int) -> HttpResponse:
    article = _get(pk)
    return _article_form(
        request,
        article=article,
        save=lambda data: services.article_update(article=article, actor=request.user, data=data),
        saved=_("修改已保存"),
    )


@editor_required
def article_detail(request: EditorRequest, pk: int) -> HttpResponse:
    article = _get(pk)
    steps = [workflow.TABLE[a] for a in services.actions_for(article, request.user)]
    return render(
        request,
        "portal/editor/detail.html",
        {
            "article": article,
            "actions": [(step.action, _(step.label), step.tone) for step in steps],
            "editable": article.state in workflow.EDITABLE_STATES,
            "revisions": article.revisions.select_related("actor").order_by("-number"),
            "views": counter.views_total(article.pk),
            # an imported or hand-set time in the past: approving publishes the article under that date
            "backdated": article.state == ArticleState.REVIEW
            and article.published_at is not None
            and article.published_at < timezone.now(),
        },
    )


@editor_required
def article_preview(request: EditorRequest, pk: int) -> HttpResponse:
    """The article as the public will see it, whatever its state (never cached, never counted)."""
    article = _get(pk)
    mobile = request.GET.get("m") == "1"
    context = {
        **nav_context(mobile=mobile),
        "article": article,
        "tags": list(article.tags.all()),
        "related": [],
        "previous": None,
        "next": None,
        "view_count": article.view_count,
        "preview": True,
    }
    return render(request, template_for("article.html", mobile), context)


@editor_required
@require_POST
def article_transition(request: EditorRequest, pk: int) -> HttpResponse:
    article = _get(pk)
    try:
        services.article_transition(
            article=article,
            actor=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("操作成功"))
    return redirect("portal:editor_article", pk=article.pk)


@editor_required
def article_import(request: EditorRequest) -> HttpResponse:
    """Rows become articles sent for review by the importing editor (a second editor publishes them);
    only the operator's `lianxin portal import` publishes directly."""
    may_create = request.user.has_role(Role.ADMIN)
    form = ImportForm(request.POST or None, request.FILES or None, allow_create_categories=may_create)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = parse_rows(upload.read(), filename=upload.name)
            outcomes = services.articles_import_for_review(
                rows=rows,
                actor=request.user,
                create_categories=form.cleaned_data.get("create_categories", False),
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            report = [_import_row(o) for o in outcomes]
    return render(
        request,
        "portal/editor/import.html",
        {
            "form": form,
            "report": report,
            **services.import_counts(report or []),
        },
    )


def _import_row(outcome: services.ImportOutcome) -> dict[str, object]:
    # The editor's page of the article, not its public address: an imported article is not public yet.
    row: dict[str, object] = outcome.as_dict()
    if outcome.article is not None:
        row["editor_url"] = reverse("portal:editor_article", args=[outcome.article.pk])
        row["title"] = outcome.article.title
        row["state"] = outcome.article.get_state_display()
    return row
