"""Forms of the pairing pages. They parse input; `matching.pairings.rules` holds the rules and
messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from assessments.models import Rating
from competencies.models import Competency
from matching.forms import DateInput, mark_invalid
from matching.pairings.rules import (
    CHECK_IN_NOTES_MAX,
    COHORT_NAME_MAX,
    FEEDBACK_MAX,
    NOTE_MAX,
    PLAN_TEXT_MAX,
    REASON_MAX,
    REFLECTION_MAX,
    TASK_MAX_LENGTH,
    CheckInInput,
)
from mentorship.dates import validate_date_in_range
from mentorship.models import Employee

__all__ = [
    "CheckInForm",
    "CohortForm",
    "ExtendForm",
    "LevelForm",
    "PlanItemForm",
    "ReasonForm",
    "ReflectionForm",
    "ThankForm",
    "mark_invalid",
]


# The services' limits, so the form refuses exactly what the service would, in its words.
EVIDENCE_MAX = Rating._meta.get_field("evidence").max_length or 2000


def _limit(limit: int, what: str = "this") -> dict[str, Any]:
    return {
        "max_length": limit,
        "error_messages": {"max_length": f"Keep {what} under {limit:,} characters."},
    }


def _textarea(rows: int = 2, placeholder: str = "") -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-control", "rows": rows, "placeholder": placeholder})


class ReasonForm(forms.Form):
    """Decline, cancel or finish: a reason (required or not is the service's call)."""

    reason = forms.CharField(
        label="Reason",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(REASON_MAX, "the reason"),
    )


class ExtendForm(forms.Form):
    end_date = forms.DateField(
        validators=[validate_date_in_range],
        label="New end date",
        widget=DateInput(),
        error_messages={"required": "Enter the new end date.", "invalid": "Enter a valid date."},
    )
    reason = forms.CharField(
        label="Why more time?",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(REASON_MAX, "the reason"),
    )


class LevelForm(forms.Form):
    """A level of the organisation's scale and an evidence note (re-assessment, confirmation)."""

    level = forms.TypedChoiceField(
        label="Level",
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "Choose a level.", "invalid_choice": "Choose a level."},
    )
    evidence = forms.CharField(
        label="Evidence (optional)",
        required=False,
        strip=True,
        widget=_textarea(2, "What shows this level, e.g. the work you delivered."),
        **_limit(EVIDENCE_MAX, "the evidence note"),
    )

    def __init__(self, *args: Any, scale: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Choose…")] + [(str(level), f"{level} · {name}") for level, name in scale]
        self.fields["level"].choices = choices  # type: ignore[attr-defined]


class ThankForm(forms.Form):
    note = forms.CharField(
        label="Your note to the mentor",
        required=False,
        strip=True,
        widget=_textarea(2, "What helped you most?"),
        **_limit(NOTE_MAX, "the note"),
    )


class PlanItemForm(forms.Form):
    text = forms.CharField(
        label="Practice item",
        required=False,
        strip=True,
        **_limit(PLAN_TEXT_MAX, "it"),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "Something to practise on the task"}
        ),
    )


class CheckInForm(forms.Form):
    date = forms.DateField(
        validators=[validate_date_in_range],
        label="Date",
        widget=DateInput(),
        error_messages={"required": "Enter the date of the check-in.", "invalid": "Enter a date."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(CHECK_IN_NOTES_MAX),
    )
    went_well = forms.CharField(
        label="What went well",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(FEEDBACK_MAX),
    )
    to_improve = forms.CharField(
        label="What to improve",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(FEEDBACK_MAX),
    )
    why_it_matters = forms.CharField(
        label="Why it matters",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(FEEDBACK_MAX),
    )
    next_check_in = forms.DateField(
        validators=[validate_date_in_range],
        label="Next check-in",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter a date."},
    )

    def to_input(self) -> CheckInInput:
        return CheckInInput(**self.cleaned_data)


class ReflectionForm(forms.Form):
    what_i_did = forms.CharField(
        label="What I did",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(REFLECTION_MAX),
    )
    why = forms.CharField(
        label="Why", required=False, strip=True, widget=_textarea(2), **_limit(REFLECTION_MAX)
    )
    what_i_would_change = forms.CharField(
        label="What I would change",
        required=False,
        strip=True,
        widget=_textarea(2),
        **_limit(REFLECTION_MAX),
    )
    shared_with_mentor = forms.BooleanField(
        label="Share with my mentor",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        load = getattr(obj, "load", None)  # annotated on the cohort's mentor choices
        if load is None:
            return str(obj.name)
        free = obj.mentor_capacity - load
        return f"{obj.name} · {free} free slot{'s' if free != 1 else ''}"


class _PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class CohortForm(forms.Form):
    name = forms.CharField(
        label="Name (optional)",
        required=False,
        strip=True,
        **_limit(COHORT_NAME_MAX, "the name"),
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": "e.g. Negotiation circle, spring"}
        ),
    )
    mentor = _PersonChoice(
        label="Mentor",
        queryset=Employee.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        empty_label="Choose a mentor with a free slot…",
        error_messages={"required": "Choose the mentor.", "invalid_choice": "Choose a mentor."},
    )
    competency: forms.ModelChoiceField[Competency] = forms.ModelChoiceField(
        label="Competency",
        queryset=Competency.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        empty_label="Choose a competency…",
        error_messages={"required": "Choose the competency.", "invalid_choice": "Choose one."},
    )
    mentees = _PeopleChoice(
        label="Mentees",
        queryset=Employee.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        error_messages={"invalid_choice": "Choose people from the list."},
    )
    task = forms.CharField(
        label="Shared task",
        required=False,
        strip=True,
        **_limit(TASK_MAX_LENGTH, "the task"),
        widget=_textarea(2, "The real piece of work each of them practises on"),
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

    def __init__(
        self,
        *args: Any,
        mentors: QuerySet[Employee],
        mentees: QuerySet[Employee],
        competencies: QuerySet[Competency],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = mentors  # type: ignore[attr-defined]
        self.fields["mentees"].queryset = mentees  # type: ignore[attr-defined]
        self.fields["competency"].queryset = competencies  # type: ignore[attr-defined]
