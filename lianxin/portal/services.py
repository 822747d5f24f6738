"""Writes of the publishing site. Every change to an article writes an ArticleRevision in the same
transaction; publication needs a second editor (the author or the one who sent it for review cannot
approve it: the workflow's table is lianxin.portal.workflow); cached pages are invalidated after commit."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from lianxin.accounts.models import Role, User
from lianxin.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from lianxin.org.models import Category as DemandCategory
from lianxin.portal import search, workflow
from lianxin.portal.importing import read_rows
from lianxin.portal.models import (
    RESERVED_SLUGS,
    Article,
    ArticleKind,
    ArticleRevision,
    ArticleState,
    PortalCategory,
    RevisionAction,
    SiteSettings,
    Tag,
)
from lianxin.portal.sanitize import body_plain_text, clean_body, clean_text

GENERATION_KEY = "portal:generation"
MAX_TAGS = 10


def max_body_chars() -> int:
    return int(settings.LIANXIN_PORTAL_MAX_BODY_CHARS)


def max_image_bytes() -> int:
    return int(settings.LIANXIN_PORTAL_MAX_IMAGE_BYTES)


# --- cache generation ---------------------------------------------------------------------------


# The generation is read on every article request; each process keeps it for GENERATION_LOCAL_SECONDS,
# so another web node sees a change within that time (this process at once).
GENERATION_LOCAL_SECONDS = 1.0
_local_generation: list[float] = [0.0, -1.0]  # [value, expires at (monotonic)]


def content_changed() -> None:
    """Invalidate every cached portal page (they are keyed by this generation number)."""
    try:
        value = cache.incr(GENERATION_KEY)
    except ValueError:
        value = int(timezone.now().timestamp() * 1000)
        cache.set(GENERATION_KEY, value, timeout=None)
    _local_generation[:] = [float(value), time.monotonic() + GENERATION_LOCAL_SECONDS]


def content_generation() -> int:
    now = time.monotonic()
    if _local_generation[1] < now:
        _local_generation[:] = [float(cache.get(GENERATION_KEY) or 0), now + GENERATION_LOCAL_SECONDS]
    return int(_local_generation[0])


def _after_commit_invalidate() -> None:
    # Now (so this process never serves the old page) and again after commit (so a page rendered by
    # another request from the not-yet-committed state is not kept).
    content_changed()
    transaction.on_commit(content_changed)


# --- site and categories ------------------------------------------------------------------------


def site_settings_update(
    *, name: str, description: str = "", keywords: str = "", footer: str = ""
) -> SiteSettings:
    site, _created = SiteSettings.objects.get_or_create(pk=1)
    site.name = clean_text(name, max_length=60) or site.name
    site.description = clean_text(description, max_length=200)
    site.keywords = clean_text(keywords, max_length=200)
    site.footer = clean_text(footer, max_length=1000)
    site.save()
    _after_commit_invalidate()
    return site


def category_create(
    *,
    name: str,
    slug: str = "",
    parent: PortalCategory | None = None,
    order: int = 0,
    in_top_nav: bool = True,
    in_footer_nav: bool = False,
    description: str = "",
) -> PortalCategory:
    """A new section. The slug defaults to the name (Chinese allowed); reserved words are refused."""
    name = clean_text(name, max_length=40)
    if not name:
        raise ValidationFailed(_("栏目名称不能为空"), fields={"name": [_("必填")]})
    slug = slugify(clean_text(slug) or name, allow_unicode=True)[:60]
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationFailed(
            _("栏目网址名“%(slug)s”不可用") % {"slug": slug}, fields={"slug": [_("保留字或为空")]}
        )
    if PortalCategory.objects.filter(slug=slug).exists():
        raise Conflict(_("栏目网址名“%(slug)s”已存在") % {"slug": slug})
    category = PortalCategory.objects.create(
        name=name,
        slug=slug,
        parent=parent,
        order=order,
        in_top_nav=in_top_nav,
        in_footer_nav=in_footer_nav,
        description=clean_text(description, max_length=200),
    )
    _after_commit_invalidate()
    return category


# --- articles -----------------------------------------------------------------------------------


def split_tags(raw: str | Iterable[str]) -> list[str]:
    parts = re.split(r"[,，、;；\s]+", clean_text(raw)) if isinstance(raw, str) else list(raw)
    names: dict[str, None] = {}
    for part in parts:
        name = clean_text(part, max_length=30)
        if name and len(names) < MAX_TAGS:
            names.setdefault(name, None)
    return list(names)


def _tags_for(names: Sequence[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    return tags


def _check_body(raw: str) -> str:
    if len(raw or "") > max_body_chars():
        raise ValidationFailed(
            _("正文过长：%(n)d 个字符，上限为 %(limit)d 个字符。请拆分为多篇文章。")
            % {"n": len(raw), "limit": max_body_chars()},
            code="body_too_large",
            fields={"body": [_("上限 %(limit)d 个字符") % {"limit": max_body_chars()}]},
        )
    body = clean_body(raw)
    if not body_plain_text(body).strip() and "<img" not in body:
        raise ValidationFailed(_("正文不能为空"), fields={"body": [_("必填")]})
    return body


def check_cover(cover: UploadedFile) -> None:
    """Refuse oversized or non-image covers with a message a person can act on."""
    if cover.size is not None and cover.size > max_image_bytes():
        raise ValidationFailed(
            _("封面图过大：%(size)d KB，上限为 %(limit)d KB。")
            % {"size": cover.size // 1024, "limit": max_image_bytes() // 1024},
            code="image_too_large",
            fields={"cover": [_("上限 %(limit)d KB") % {"limit": max_image_bytes() // 1024}]},
        )
    try:
        cover.seek(0)
        with Image.open(io.BytesIO(cover.read())) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(
            _("封面图不是有效的图片文件"), code="image_invalid", fields={"cover": [_("无效图片")]}
        ) from exc
    finally:
        cover.seek(0)
    if fmt not in {"JPEG", "PNG", "GIF", "WEBP"}:
        raise ValidationFailed(
            _("封面图只接受 JPEG、PNG、GIF、WEBP 格式"), code="image_invalid", fields={"cover": [_("格式")]}
        )
    if width > 8000 or height > 8000:
        raise ValidationFailed(
            _("封面图尺寸过大：%(width)d×%(height)d，上限 8000×8000") % {"width": width, "height": height},
            code="image_too_large",
            fields={"cover": [_("尺寸")]},
        )


@dataclass
class ArticleInput:
    title: str
    category: PortalCategory
    body: str
    summary: str = ""
    source: str = ""
    author_unit: str = ""
    published_at: datetime | None = None
    tags: Sequence[str] | str = ()
    kind: str = ArticleKind.NEWS
    demand_categories: Sequence[DemandCategory] = ()
    cover: UploadedFile | None = None


def _apply(article: Article, data: ArticleInput) -> list[Tag]:
    title = clean_text(data.title, max_length=200)
    if not title:
        raise ValidationFailed(_("标题不能为空"), fields={"title": [_("必填")]})
    if data.kind not in ArticleKind.values:
        raise ValidationFailed(
            _("未知的文章类型：%(kind)s") % {"kind": data.kind}, fields={"kind": [_("无效")]}
        )
    article.title = title
    article.category = data.category
    article.kind = data.kind
    article.body = _check_body(data.body)
    plain = body_plain_text(article.body)
    article.summary = clean_text(data.summary, max_length=500) or _lead(" ".join(plain.split()), 120)
    article.source = clean_text(data.source, max_length=100)
    article.author_unit = clean_text(data.author_unit, max_length=100)
    article.published_at = data.published_at
    if data.cover is not None:
        check_cover(data.cover)
        article.cover = data.cover
    tag_names = split_tags(data.tags)
    article.search_text = search.segmented_text(title, title, article.summary, plain, " ".join(tag_names))
    return _tags_for(tag_names)


def _snapshot(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "category": article.category.slug,
        "kind": article.kind,
        "summary": article.summary,
        "body": article.body,
        "source": article.source,
        "author_unit": article.author_unit,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "tags": list(article.tags.values_list("name", flat=True)),
        "cover": article.cover.name if article.cover else "",
    }


def _revision(article: Article, *, action: str, actor: User | None, note: str = "") -> ArticleRevision:
    last = article.revisions.aggregate(n=Max("number"))["n"] or 0
    return ArticleRevision.objects.create(
        article=article,
        number=last + 1,
        action=action,
        state=article.state,
        actor=actor,
        note=clean_text(note, max_length=500),
        snapshot=_snapshot(article),
    )


def _not_an_editor() -> PermissionDenied:
    return PermissionDenied(_("只有编辑可以管理文章"))


def _require_editor(actor: User | None) -> None:
    if not workflow.is_editor(actor):
        raise _not_an_editor()


def _write(article: Article, data: ArticleInput, *, action: str, actor: User, note: str = "") -> Article:
    """Clean `data` into `article` and save it with its tags, demand categories and revision."""
    tags = _apply(article, data)
    article.save()
    article.tags.set(tags)
    article.demand_categories.set(data.demand_categories)
    _revision(article, action=action, actor=actor, note=note)
    _after_commit_invalidate()
    return article


@transaction.atomic
def article_create(*, actor: User, data: ArticleInput) -> Article:
    """A new draft by `actor` (an editor)."""
    _require_editor(actor)
    article = Article(state=ArticleState.DRAFT, author=actor)
    return _write(article, data, action=RevisionAction.CREATE, actor=actor)


@transaction.atomic
def article_update(*, article: Article, actor: User, data: ArticleInput, note: str = "") -> Article:
    """Edit a draft or a withdrawn article (workflow.EDITABLE_STATES). Articles in review or published
    are locked: a published article is withdrawn first, so every published text has passed a second
    editor."""
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.state not in workflow.EDITABLE_STATES:
        raise Conflict(
            _("“%(state)s”状态的文章不能修改，请先撤回或退回") % {"state": article.get_state_display()}
        )
    return _write(article, data, action=RevisionAction.EDIT, actor=actor, note=note)


def _refusal(action: str, article: Article, actor: User) -> ApplicationError | None:
    """Why `actor` may not take `action` on `article` now, or None when they may: the one answer for the
    editor's buttons (`actions_for`) and for the action itself (`article_transition`)."""
    if not workflow.is_editor(actor):
        return _not_an_editor()
    step = workflow.TABLE.get(action)
    if step is None:
        return ValidationFailed(
            _("未知操作：%(action)s") % {"action": action}, fields={"action": [_("无效")]}
        )
    if article.state not in step.sources:
        return Conflict(
            _("“%(state)s”状态的文章不能%(action)s")
            % {"state": article.get_state_display(), "action": _(step.label)}
        )
    if step.who == workflow.SECOND_EDITOR and actor.pk in (article.author_id, article.submitted_by_id):
        return PermissionDenied(
            _("审核须由另一位编辑进行：作者或送审人不能审核自己的文章"), code="second_editor_required"
        )
    return None


def actions_for(article: Article, user: User) -> list[str]:
    """The actions `user` may take on `article` now (for the buttons of the editing UI)."""
    return [action for action in workflow.TABLE if _refusal(action, article, user) is None]


@transaction.atomic
def article_transition(*, article: Article, actor: User, action: str, note: str = "") -> Article:
    """Take `action` (a row of workflow.TABLE) on the article: draft → review → published → withdrawn.

    Raises PermissionDenied when the actor is not an editor, or approves/rejects an article they
    wrote or sent for review (code second_editor_required); ValidationFailed for an unknown action;
    Conflict when the action does not fit the current state."""
    _require_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    refusal = _refusal(action, article, actor)
    if refusal is not None:
        raise refusal
    step = workflow.TABLE[action]
    step.apply(article, actor, note)
    article.save()
    _revision(article, action=step.revision, actor=actor, note=note)
    _after_commit_invalidate()
    return article


def _lead(text: str, limit: int) -> str:
    """The opening of `text` as a summary: whole sentences when the first fits, else cut at `limit`
    characters with an ellipsis, never silently in the middle of a number or a word."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit) for mark in "。！？；")
    if cut >= 20:  # a whole first sentence, unless it is only a few words
        return text[: cut + 1]
    return text[: limit - 1] + "…"


# --- batch import -------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    row: int
    article: Article | None = None
    error: str = ""
    existing: bool = False  # the same article (category, title, body) was imported before

    def as_dict(self) -> dict[str, Any]:
        if self.article is not None:
            found = {"row": self.row, "id": self.article.pk, "url": self.article.get_absolute_url()}
            return {**found, "existing": True} if self.existing else found
        return {"row": self.row, "error": self.error}


def _category_by_name(value: str, *, create: bool) -> PortalCategory:
    value = clean_text(value, max_length=40)
    if not value:
        raise ValidationFailed(_("分类为空"))
    found = (
        PortalCategory.objects.filter(name=value).first() or PortalCategory.objects.filter(slug=value).first()
    )
    if found:
        return found
    if not create:
        raise NotFound(
            _("分类“%(name)s”不存在（可用 --create-categories 自动创建）") % {"name": value},
            code="unknown_category",
        )
    return category_create(name=value)


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed: datetime | None = value if isinstance(value, datetime) else None
    if parsed is None:
        text = str(value).strip().replace("/", "-").replace("T", " ")
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                parsed = datetime.strptime(text[:19], fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(str(value).strip())
            except ValueError as exc:
                raise ValidationFailed(_("时间格式无法识别：%(value)s") % {"value": value}) from exc
    assert parsed is not None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def import_counts(report: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many rows of an import report (`ImportOutcome.as_dict`) went in, were there already, were
    refused: the summary the page and the CLI print."""
    existing = sum(1 for r in report if r.get("existing"))
    refused = sum(1 for r in report if "error" in r)
    return {"taken": len(report) - existing - refused, "existing": existing, "refused": refused}


def _import_rows(
    *, rows: Sequence[dict[str, Any]], create_categories: bool, actor: User | None, publish: bool
) -> list[ImportOutcome]:
    """Each row in its own savepoint: a bad row is refused with its reason while the others go in.
    Rows are numbered from 1 (the first data row). A row whose category, title and body match an
    article already there (in any state) reports that article instead of making a second one.

    `publish`: the row is published at once (at its time, else now); otherwise it becomes a draft of
    `actor` sent for review at once, its time kept as the proposed publication time."""
    outcomes = []
    for number, row in enumerate(rows, start=1):
        try:
            with transaction.atomic():
                category = _category_by_name(str(row.get("category") or ""), create=create_categories)
                published_at = _parse_time(row.get("time"))
                data = ArticleInput(
                    title=str(row.get("title") or ""),
                    category=category,
                    body=str(row.get("body") or ""),
                    summary=str(row.get("summary") or ""),
                    source=str(row.get("source") or ""),
                    author_unit=str(row.get("author_unit") or ""),
                    published_at=(published_at or timezone.now()) if publish else published_at,
                    tags=row.get("tags") or "",
                    kind=str(row.get("kind") or ArticleKind.NEWS),
                )
                state = ArticleState.PUBLISHED if publish else ArticleState.DRAFT
                article = Article(state=state, author=actor)
                tags = _apply(article, data)
                same = Article.objects.filter(
                    category=category, title=article.title, body=article.body
                ).first()
                if same is not None:
                    outcomes.append(ImportOutcome(row=number, article=same, existing=True))
                    continue
                article.save()
                article.tags.set(tags)
                _revision(article, action=RevisionAction.IMPORT, actor=actor)
                if not publish:
                    assert actor is not None  # articles_import_for_review: an editor
                    article = article_transition(article=article, actor=actor, action=RevisionAction.SUBMIT)
            outcomes.append(ImportOutcome(row=number, article=article))
        except (ValidationFailed, NotFound, Conflict) as exc:
            outcomes.append(ImportOutcome(row=number, error=exc.message))
    if any(o.article for o in outcomes):
        _after_commit_invalidate()
    return outcomes


def articles_import(
    *, rows: Sequence[dict[str, Any]], create_categories: bool = False, actor: User | None = None
) -> list[ImportOutcome]:
    """Publish each row as an article: the trusted operator's batch import (`lianxin portal import`,
    see contract.md), which bypasses review. Never call it for a web user: see
    `articles_import_for_review`. Importing a file again is safe (`existing`)."""
    return _import_rows(rows=rows, create_categories=create_categories, actor=actor, publish=True)


def articles_import_for_review(
    *, rows: Sequence[dict[str, Any]], actor: User, create_categories: bool = False
) -> list[ImportOutcome]:
    """The editors' batch import (the page /portal/editor/import/): each row becomes an article by
    `actor`, sent for review at once, so that, like any article an editor writes, a second editor
    approves it before it is published. The row's time is only the proposed publication time, shown
    to the reviewer. Importing a file again is safe (`existing`).

    Raises PermissionDenied when `actor` is not an editor, or asks to create categories without
    being an admin (sections are the site's structure, not an editor's to add in passing)."""
    _require_editor(actor)
    if create_categories and not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("只有管理员可以在导入时新建栏目"), code="create_categories_admin_only")
    return _import_rows(rows=rows, create_categories=create_categories, actor=actor, publish=False)


def articles_import_file(
    *, path: str, create_categories: bool = False, actor: User | None = None
) -> list[ImportOutcome]:
    return articles_import(rows=read_rows(path), create_categories=create_categories, actor=actor)
