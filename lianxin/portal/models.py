"""The publishing site (宣传群众): site settings, a category tree with navigation, articles and revisions.

An article's text fields are stored already cleaned (services.article_* sanitise on save): the body is
HTML filtered by nh3, every other field is plain text. `search_text` is the jieba-segmented text that the
full-text index reads (an FTS5 table on SQLite, a tsvector column on PostgreSQL — see migrations and
lianxin.portal.search).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

RESERVED_SLUGS = frozenset(
    {"m", "search", "feed", "tag", "editor", "related", "static", "media", "admin", "api"}
)


class SiteSettings(models.Model):
    """One row (pk=1): the name shown in the breadcrumb and title, and the footer."""

    name = models.CharField(_("站名"), max_length=60, default="连心宣传")
    description = models.CharField(_("站点简介"), max_length=200, blank=True)
    keywords = models.CharField(_("站点关键词"), max_length=200, blank=True)
    footer = models.TextField(_("页脚文字"), blank=True)

    class Meta:
        verbose_name = _("站点设置")
        verbose_name_plural = _("站点设置")

    def __str__(self) -> str:
        return self.name


class PortalCategory(models.Model):
    """A section of the publishing site (栏目); a tree, shown in the top and/or footer navigation."""

    name = models.CharField(_("名称"), max_length=40)
    slug = models.CharField(_("网址名"), max_length=60, unique=True, help_text=_("用于网址，如 policy"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级栏目"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    in_top_nav = models.BooleanField(_("顶部导航"), default=True)
    in_footer_nav = models.BooleanField(_("底部导航"), default=False)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:category", kwargs={"slug": self.slug})


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portal:tag", kwargs={"name": self.name})


class ArticleState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class ArticleKind(models.TextChoices):
    NEWS = "news", _("工作动态")
    POLICY = "policy", _("政策解读")
    LAW = "law", _("法规讲解")
    NOTICE = "notice", _("通知公告")
    ESSAY = "essay", _("理论文章")


class Article(models.Model):
    title = models.CharField(_("标题"), max_length=200)
    category = models.ForeignKey(
        PortalCategory, on_delete=models.PROTECT, related_name="articles", verbose_name=_("栏目")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ArticleKind.choices, default=ArticleKind.NEWS)
    summary = models.CharField(_("摘要"), max_length=500, blank=True)
    body = models.TextField(_("正文"))
    source = models.CharField(_("来源"), max_length=100, blank=True)
    author_unit = models.CharField(_("作者单位"), max_length=100, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("标签"))
    demand_categories = models.ManyToManyField(
        "org.Category", blank=True, related_name="policy_articles", verbose_name=_("关联诉求分类")
    )
    cover = models.ImageField(_("封面图"), upload_to="portal/covers/%Y/%m/", blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=ArticleState.choices, default=ArticleState.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_articles",
        verbose_name=_("编辑"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("送审人"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    review_note = models.CharField(_("审核意见"), max_length=500, blank=True)
    view_count = models.PositiveIntegerField(_("已入库阅读数"), default=0)
    search_text = models.TextField(_("分词文本"), blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["state", "category", "published_at"], name="portal_art_state_cat_pub")
        ]
        verbose_name = _("文章")
        verbose_name_plural = _("文章")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:article", kwargs={"slug": self.category.slug, "pk": self.pk})

    def get_mobile_url(self) -> str:
        return reverse("portal:m_article", kwargs={"slug": self.category.slug, "pk": self.pk})


class RevisionAction(models.TextChoices):
    CREATE = "create", _("创建")
    EDIT = "edit", _("修改")
    SUBMIT = "submit", _("送审")
    APPROVE = "approve", _("审核通过并发布")
    REJECT = "reject", _("退回修改")
    WITHDRAW = "withdraw", _("撤回")
    REDRAFT = "redraft", _("重新编辑")
    IMPORT = "import", _("批量导入")


class ArticleRevision(models.Model):
    """Every change to an article: who, when, what action, and a snapshot of the content after it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("文章")
    )
    number = models.PositiveIntegerField(_("版本号"))
    action = models.CharField(_("操作"), max_length=20, choices=RevisionAction.choices)
    state = models.CharField(_("操作后状态"), max_length=20, choices=ArticleState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    snapshot = models.JSONField(_("内容快照"), default=dict)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="portal_revision_unique_number")
        ]
        verbose_name = _("修订记录")
        verbose_name_plural = _("修订记录")

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number} {self.action}"
