"""Forms of the matching pages. They parse input; the services hold the rules (and the messages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from competencies.models import Competency, ProficiencyLevel
from matching.models import FACTOR_NAMES
from mentorship.dates import validate_date_in_range

TASK_PLACEHOLDER = (
    "The real piece of work they will do together, e.g. “Write the Q3 pricing proposal for the "
    "Nordics and present it to the sales leads”."
)
FACTOR_LABELS = {
    "priority": "Gap priority",
    "margin": "Mentor's margin above the target",
    "confirmed": "Confirmed by a manager",
    "other_department": "From another department",
    "low_load": "Lower mentoring load",
    "new_connection": "Never paired before",
}


def mark_invalid(form: forms.Form) -> forms.Form:
    """Flag the widgets of fields with errors (Bootstrap's red outline, linked to the message)."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-describedby"] = f"{form[name].auto_id}_error"
    return form


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", attrs={"class": "form-control"}, **kwargs)


class AcceptForm(forms.Form):
    """Accept a suggested mentor: the task and the dates (checked by `suggestion_accept`)."""

    task = forms.CharField(
        label="Task",
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={"class": "form-control", "rows": 3, "placeholder": TASK_PLACEHOLDER}
        ),
        help_text="One concrete piece of work from their job, not a course.",
    )
    start_date = forms.DateField(
        validators=[validate_date_in_range],
        label="Start",
        widget=DateInput(),
        error_messages={"required": "Enter a start date."},
    )
    end_date = forms.DateField(
        validators=[validate_date_in_range],
        label="End",
        widget=DateInput(),
        error_messages={"required": "Enter an end date."},
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "e.g. already busy"}
        ),
    )


class AvailabilityForm(forms.Form):
    available = forms.BooleanField(
        label="I am open to mentoring colleagues",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input", "role": "switch"}),
    )
    capacity = forms.IntegerField(
        label="How many people at once",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 0, "max": 10}),
        error_messages={"required": "Enter how many people you can mentor at once (0–10)."},
    )
    opted_out: forms.ModelMultipleChoiceField[Competency] = forms.ModelMultipleChoiceField(
        label="Competencies I do not want to mentor",
        queryset=Competency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose competencies of this organisation."},
    )

    def __init__(self, *args: Any, competencies: QuerySet[Competency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["opted_out"].queryset = competencies  # type: ignore[attr-defined]


class MatchSettingsForm(forms.Form):
    """HR's tuning of the matching; ranges are checked by `match_settings_update`."""

    k = forms.IntegerField(
        label="Mentors suggested per gap",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": 20}),
    )
    spread = forms.FloatField(
        label="Spread",
        help_text="A mentor appears in at most spread × their free slots suggestion lists.",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 0.1, "step": 0.1}),
    )
    mentor_threshold_level = forms.TypedChoiceField(
        label="Mentor threshold",
        coerce=int,
        help_text="The level at or above which a person can mentor a competency.",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    recompute_interval_minutes = forms.IntegerField(
        label="Recompute every (minutes)",
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1, "max": 1440}),
    )

    def __init__(self, *args: Any, scale: list[ProficiencyLevel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor_threshold_level"].choices = [  # type: ignore[attr-defined]
            (step.level, f"{step.level} · {step.name}") for step in scale[1:]
        ]
        for name in FACTOR_NAMES:
            self.fields[f"weight_{name}"] = forms.FloatField(
                label=FACTOR_LABELS[name],
                widget=forms.NumberInput(attrs={"class": "form-control", "min": 0, "step": 0.1}),
            )

    @property
    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{name}"] for name in FACTOR_NAMES]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        names = ("k", "spread", "mentor_threshold_level", "recompute_interval_minutes")
        return [self[name] for name in names]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "weights": {name: data[f"weight_{name}"] for name in FACTOR_NAMES},
            "k": data["k"],
            "spread": data["spread"],
            "mentor_threshold_level": data["mentor_threshold_level"],
            "recompute_interval_minutes": data["recompute_interval_minutes"],
        }
