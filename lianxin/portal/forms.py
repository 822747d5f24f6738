from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import Category as DemandCategory
from lianxin.portal.models import Article, ArticleKind, PortalCategory
from lianxin.portal.services import ArticleInput, max_body_chars


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ModelChoiceField(label=_("栏目"), queryset=PortalCategory.objects.all())
    kind = forms.ChoiceField(label=_("类型"), choices=ArticleKind.choices, initial=ArticleKind.NEWS)
    summary = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(
        label=_("正文"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "font-monospace"}),
        help_text=_("可使用段落、标题、列表、链接、图片等 HTML；脚本和样式会被自动去除。纯文本按行分段。"),
    )
    source = forms.CharField(label=_("来源"), max_length=100, required=False)
    author_unit = forms.CharField(label=_("作者单位"), max_length=100, required=False)
    published_at = forms.DateTimeField(
        label=_("发布时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("留空则在审核通过时发布；填写将来的时间即为定时发布。"),
    )
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("用空格或逗号分隔"))
    demand_categories = forms.ModelMultipleChoiceField(
        label=_("关联诉求分类（知识库）"),
        queryset=DemandCategory.objects.filter(level__lte=2, is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    cover = forms.ImageField(label=_("封面图"), required=False)

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if len(body) > max_body_chars():
            raise forms.ValidationError(
                _("正文过长：%(n)s 个字符，上限为 %(max)s 个字符。")
                % {"n": len(body), "max": max_body_chars()}
            )
        return body

    @classmethod
    def initial_for(cls, article: Article) -> dict[str, object]:
        return {
            "title": article.title,
            "category": article.category_id,
            "kind": article.kind,
            "summary": article.summary,
            "body": article.body,
            "source": article.source,
            "author_unit": article.author_unit,
            "published_at": article.published_at,
            "tags": " ".join(t.name for t in article.tags.all()),
            "demand_categories": list(article.demand_categories.all()),
        }

    def to_input(self) -> ArticleInput:
        d = self.cleaned_data
        return ArticleInput(
            title=d["title"],
            category=d["category"],
            kind=d["kind"],
            summary=d.get("summary") or "",
            body=d["body"],
            source=d.get("source") or "",
            author_unit=d.get("author_unit") or "",
            published_at=d.get("published_at"),
            tags=d.get("tags") or "",
            demand_categories=list(d.get("demand_categories") or []),
            cover=d.get("cover") or None,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV 或 JSON 文件"))
    create_categories = forms.BooleanField(label=_("自动创建不存在的栏目"), required=False)

    def __init__(self, *args, allow_create_categories: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not allow_create_categories:  # admins only: sections are the site's structure
            del self.fields["create_categories"]
