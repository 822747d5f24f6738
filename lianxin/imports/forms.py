"""The import page's forms: the upload, and the column mapping (one select per field, guessed from the
file's headers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.demands.importers import TARGETS

FIELD_LABELS = {
    "id": _("留言编号（用于识别重复）"),
    "user": _("留言用户"),
    "title": _("留言主题"),
    "time": _("留言时间"),
    "content": _("留言详情"),
    "text": _("全文（代替主题和详情）"),
    "label": _("一级分类"),
    "likes": _("点赞数"),
    "dislikes": _("反对数"),
    "reply": _("答复意见"),
    "reply_time": _("答复时间"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("数据文件（.xlsx 或 .csv）"))


class MappingForm(forms.Form):
    """`field_<code>`: the index of the column that feeds the field, or empty (not imported)."""

    def __init__(self, *args: Any, header: list[str], guess: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("—（不导入）"))] + [
            (str(i), name or _("第%(n)s列") % {"n": i + 1}) for i, name in enumerate(header)
        ]
        for code in TARGETS:
            self.fields[f"field_{code}"] = forms.ChoiceField(
                label=FIELD_LABELS[code],
                choices=choices,
                required=False,
                initial=str(guess[code]) if code in guess else "",
            )

    def mapping(self) -> dict[str, int]:
        return {
            code: int(self.cleaned_data[f"field_{code}"])
            for code in TARGETS
            if self.cleaned_data.get(f"field_{code}") not in (None, "")
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = {
            code: str(data.get(f"field_{code}"))
            for code in TARGETS
            if data.get(f"field_{code}") not in (None, "")
        }
        seen: dict[str, str] = {}
        for code, column in chosen.items():
            if column in seen:
                self.add_error(
                    f"field_{code}", _("这一列已对应「%(field)s」") % {"field": FIELD_LABELS[seen[column]]}
                )
            else:
                seen[column] = code
        if "text" not in chosen and not ("title" in chosen or "content" in chosen):
            raise forms.ValidationError(_("请为「留言主题」「留言详情」或「全文」选择一列"))
        if "time" not in chosen:
            self.add_error("field_time", _("请选择留言时间列：没有时间的行不能导入"))
        return data
