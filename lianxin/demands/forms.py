from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.demands.choices import DemandType, Outcome, Satisfaction, Urgency
from lianxin.org.models import Area, Category


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return ("— " * (obj.level - 1)) + obj.name


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return ("— " * obj.depth) + obj.name


class SubmitForm(forms.Form):
    type = forms.ChoiceField(label=_("诉求类型"), choices=DemandType.choices, initial=DemandType.HELP)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("诉求内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    category = CategoryChoiceField(
        label=_("问题分类"),
        queryset=Category.objects.filter(is_active=True, level__lte=2),
        required=False,
        empty_label=_("不确定（由工作人员判断）"),
    )
    area = AreaChoiceField(
        label=_("所在区域"),
        queryset=Area.objects.filter(depth__lte=3),
        required=False,
        empty_label=_("请选择（选填）"),
    )
    address = forms.CharField(label=_("详细地址"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("联系人（选填）"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("联系电话（选填）"), max_length=30, required=False)
    attachment = forms.FileField(label=_("图片或PDF（选填）"), required=False)
    confidential = forms.BooleanField(
        label=_("保密/不公开（不在任何公开列表中展示，仅本人和承办人员可见）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, operator: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if operator:
            self.fields["urgency"] = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("id", f"id_{name}")


class CitizenReopenForm(forms.Form):
    """群众申请重办 on the tracking page."""

    reason = forms.CharField(label=_("申请重办的理由"), max_length=500)


class TrackForm(forms.Form):
    ticket_no = forms.CharField(label=_("工单编号"), max_length=24)
    code = forms.CharField(label=_("查询码"), max_length=16)


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    resolved = forms.TypedChoiceField(
        label=_("问题是否解决"),
        choices=[("1", _("已解决")), ("0", _("未解决"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("意见（选填）"), max_length=500, required=False)


OUTCOME_CHOICES = Outcome.choices
