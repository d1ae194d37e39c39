"""Forms of the assessments pages. They parse and shape input; the services hold the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from assessments.models import AssessmentRequest
from competencies.models import Competency, ProficiencyLevel, Role
from mentorship.dates import validate_date_in_range
from mentorship.models import Department, Organization


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields get theirs, the rest go on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _style(form: forms.Form) -> None:
    """Bootstrap classes on the widgets, so templates can render `{{ field }}` as is."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class _ScaleLevelField(forms.IntegerField):
    """A level of the organisation's scale, refused with the scale's bounds in the message."""

    def __init__(self, *, scale: list[ProficiencyLevel], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.levels = [step.level for step in scale]

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and self.levels and value not in self.levels:
            low, high = min(self.levels), max(self.levels)
            raise ValidationError(
                f"Level {value} is outside this organisation's scale ({low}–{high}).",
                code="outside_scale",
            )


class RatingForm(forms.Form):
    """One autosaved item of a self or manager assessment."""

    competency: forms.ModelChoiceField[Competency] = forms.ModelChoiceField(
        queryset=Competency.objects.none(),
        error_messages={"invalid_choice": "This competency is not one of the role's competencies."},
    )
    evidence = forms.CharField(required=False, max_length=2000, strip=True)

    def __init__(
        self,
        data: Any,
        *,
        competencies: QuerySet[Competency],
        scale: list[ProficiencyLevel],
    ) -> None:
        super().__init__(data)
        self.fields["competency"].queryset = competencies  # type: ignore[attr-defined]
        self.fields["level"] = _ScaleLevelField(
            scale=scale,
            error_messages={"required": "Pick a level first; the note is saved with it."},
        )


class RoleChoiceForm(forms.Form):
    """Choose one of the organisation's active roles (explore it, or save it as a goal)."""

    role: forms.ModelChoiceField[Role] = forms.ModelChoiceField(
        queryset=Role.objects.none(),
        label="Role to explore",
        empty_label="Choose a role…",
        error_messages={"invalid_choice": "Choose one of your organisation's active roles."},
    )

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data)
        self.fields["role"].queryset = Role.objects.filter(  # type: ignore[attr-defined]
            organization=organization, archived_at__isnull=True
        ).order_by("name")
        _style(self)


class CompetencyGoalForm(forms.Form):
    """Aim for a level of one competency."""

    competency: forms.ModelChoiceField[Competency] = forms.ModelChoiceField(
        queryset=Competency.objects.none(),
        empty_label="Choose a competency…",
        error_messages={"invalid_choice": "Choose one of your organisation's competencies."},
    )

    def __init__(
        self, data: Any = None, *, organization: Organization, scale: list[ProficiencyLevel]
    ) -> None:
        super().__init__(data)
        self.fields["competency"].queryset = Competency.objects.filter(  # type: ignore[attr-defined]
            organization=organization, archived_at__isnull=True
        ).order_by("category", "name")
        self.fields["target_level"] = _ScaleLevelField(
            scale=scale,
            label="Target level",
            widget=forms.Select(
                choices=[("", "Choose a level…")]
                + [(s.level, f"{s.level} · {s.name}") for s in scale]
            ),
        )
        _style(self)


class AssessmentRequestForm(forms.Form):
    audience = forms.ChoiceField(
        choices=AssessmentRequest.Audience.choices,
        initial=AssessmentRequest.Audience.ORGANIZATION,
        widget=forms.RadioSelect,
        label="Who should assess themselves",
    )
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        empty_label="Choose a department…",
        help_text="Only for “A department”.",
    )
    role: forms.ModelChoiceField[Role] = forms.ModelChoiceField(
        queryset=Role.objects.none(),
        required=False,
        empty_label="Choose a role…",
        help_text="Only for “A role”.",
    )
    due_date = forms.DateField(
        validators=[validate_date_in_range],
        label="Due date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: why now, and what you hope people get from it.",
    )

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data, initial={"due_date": timezone.localdate() + dt.timedelta(days=14)})
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")
        self.fields["role"].queryset = Role.objects.filter(  # type: ignore[attr-defined]
            organization=organization, archived_at__isnull=True
        ).order_by("name")
        _style(self)
