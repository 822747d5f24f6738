"""The new-case form and its parties (a formset of up to MAX_FORM_PARTIES rows; empty rows are ignored)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.mediation.choices import DisputeType, Level, PartyKind, PartyRole, Risk
from lianxin.org.models import Area

MAX_FORM_PARTIES = 8


class CaseForm(forms.Form):
    title = forms.CharField(label=_("纠纷简题"), max_length=200)
    summary = forms.CharField(label=_("纠纷事实"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    type = forms.ChoiceField(label=_("纠纷类型"), choices=DisputeType.choices)
    area = forms.ModelChoiceField(label=_("发生地"), queryset=Area.objects.all(), required=False)
    level = forms.ChoiceField(
        label=_("受理层级"), choices=[("", _("按发生地"))] + list(Level.choices), required=False
    )
    risk = forms.ChoiceField(
        label=_("风险等级"), choices=[("", _("按系统建议"))] + list(Risk.choices), required=False
    )
    prior_petitions = forms.IntegerField(
        label=_("此前信访次数"), min_value=0, max_value=999, initial=0, required=False
    )
    demand = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)
    visit = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)

    def body(self, parties: list[dict[str, Any]]) -> dict[str, Any]:
        data = self.cleaned_data
        out = {k: data[k] for k in ("title", "summary", "type") if data.get(k)}
        for key in ("level", "risk"):
            if data.get(key):
                out[key] = data[key]
        out["prior_petitions"] = data.get("prior_petitions") or 0
        for key in ("demand", "visit"):
            if data.get(key):
                out[key] = data[key]
        if data.get("area"):
            out["area"] = data["area"].pk
        out["parties"] = parties
        return out


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=PartyKind.choices, initial=PartyKind.PERSON)
    role = forms.ChoiceField(label=_("身份"), choices=PartyRole.choices, initial=PartyRole.APPLICANT)
    name = forms.CharField(label=_("姓名/名称"), max_length=120, required=False)
    id_number = forms.CharField(label=_("证件号码"), max_length=30, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)


PartyFormSet = forms.formset_factory(
    PartyForm, extra=4, max_num=MAX_FORM_PARTIES, absolute_max=MAX_FORM_PARTIES
)


def parties_of(formset: Any) -> list[dict[str, Any]]:
    """The filled rows (a name given) of a valid formset."""
    return [
        {k: f.cleaned_data.get(k) or "" for k in ("kind", "role", "name", "id_number", "phone", "address")}
        for f in formset.forms
        if f.cleaned_data.get("name")
    ]
