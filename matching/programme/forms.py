"""The filters of HR's list of every pairing."""

from __future__ import annotations

from typing import Any

from django import forms

from competencies.models import Competency
from matching.models import Pairing
from mentorship.forms import StyledForm
from mentorship.models import Department, Organization


class ProgrammeFilterForm(StyledForm):
    """Filters of HR's list of every pairing; invalid values are ignored rather than refused."""

    q = forms.CharField(label="Search", required=False, max_length=200)
    state = forms.ChoiceField(
        label="State", required=False, choices=[("", "Any state"), *Pairing.State.choices]
    )
    competency: forms.ModelChoiceField[Competency] = forms.ModelChoiceField(
        label="Competency",
        queryset=Competency.objects.none(),
        required=False,
        empty_label="Any competency",
    )
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        label="Department",
        queryset=Department.objects.none(),
        required=False,
        empty_label="Any department",
    )
    stalled = forms.BooleanField(label="Reviews waiting over a week", required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["competency"].queryset = Competency.objects.filter(
            organization=organization
        ).order_by("name")
        fields["department"].queryset = Department.objects.filter(
            organization=organization
        ).order_by("name")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.pairing_list`."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        competency = data.get("competency")
        department = data.get("department")
        return {
            "search": data.get("q") or "",
            "state": data.get("state") or "",
            "competency_id": competency.pk if competency else None,
            "department_id": department.pk if department else None,
            "stalled": bool(data.get("stalled")),
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())
