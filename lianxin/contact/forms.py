"""Forms of the visit diary: phone-friendly, limited to the cadre's own points and households."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.accounts.models import User
from lianxin.contact.models import ContactPoint, Household, VisitKind
from lianxin.contact.selectors import contact_point_list, household_list
from lianxin.contact.services import ProblemInput
from lianxin.org.models import Category

MAX_PROBLEMS = 5


class ProblemHouseholdField(forms.ModelChoiceField):
    """The household a problem is about: its contact (name, phone, address) goes into the demand."""


class ProblemCategoryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return ("— " * (obj.level - 1)) + obj.name


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleImageInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class VisitForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("方式"), choices=VisitKind.choices, widget=forms.RadioSelect)
    # The cadre's own, set in __init__.
    contact_point = forms.ModelChoiceField(
        label=_("联系点"), queryset=ContactPoint.objects.none(), required=False
    )
    households = forms.ModelMultipleChoiceField(
        label=_("走访户"),
        queryset=Household.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("民情记录"), widget=forms.Textarea(attrs={"rows": 5}))
    photos = MultipleImageField(
        label=_("照片"),
        required=False,
        widget=MultipleImageInput(attrs={"accept": "image/*", "multiple": True}),
    )

    def __init__(self, *args: Any, cadre: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        start = date(today.year - 1, 1, 1)
        self.fields["date"].initial = today
        self.fields["kind"].initial = VisitKind.FIELD
        points = contact_point_list(cadre=cadre, start=start, end=today)
        cast(forms.ModelChoiceField, self.fields["contact_point"]).queryset = points
        households = (
            (
                household_list(cadre=cadre, start=start, end=today)
                | Household.objects.filter(contact_point__in=points)
            )
            .distinct()
            .select_related("contact_point", "area")
        )
        cast(forms.ModelMultipleChoiceField, self.fields["households"]).queryset = households
        categories = Category.objects.filter(is_active=True, level__lte=2)
        # Each problem names the household it is about (its contact goes into the demand) and a category;
        # the page lists the options once for all rows (these lists), the fields check what is posted.
        self.household_options = list(households)
        self.category_options = list(categories)
        self.problem_rows = []
        for i in range(MAX_PROBLEMS):
            self.fields[f"problem_{i}_title"] = forms.CharField(
                label=_("问题"), required=False, max_length=200
            )
            self.fields[f"problem_{i}_content"] = forms.CharField(
                label=_("详情"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"problem_{i}_household"] = ProblemHouseholdField(
                label=_("反映人（联系户）"), queryset=households, required=False
            )
            self.fields[f"problem_{i}_category"] = ProblemCategoryField(
                label=_("问题分类"), queryset=categories, required=False
            )
            self.problem_rows.append(
                (
                    self[f"problem_{i}_title"],
                    self[f"problem_{i}_content"],
                    self[f"problem_{i}_household"],
                    self[f"problem_{i}_category"],
                )
            )

    def problems(self) -> list[ProblemInput]:
        out = []
        for i in range(MAX_PROBLEMS):
            title = (self.cleaned_data.get(f"problem_{i}_title") or "").strip()
            if title:
                household = self.cleaned_data.get(f"problem_{i}_household")
                category = self.cleaned_data.get(f"problem_{i}_category")
                out.append(
                    ProblemInput(
                        title=title,
                        content=self.cleaned_data.get(f"problem_{i}_content") or "",
                        household_id=household.pk if household else None,
                        category_id=category.pk if category else None,
                    )
                )
        return out
