"""Input forms of the competency-model editor. They parse input; the services hold the rules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: known fields get theirs, the rest go on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class CompetencyForm(forms.Form):
    name = forms.CharField(max_length=200)
    category = forms.CharField(
        max_length=120,
        required=False,
        help_text="Groups related competencies, e.g. “Social Skills”.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    code = forms.CharField(
        max_length=50, required=False, help_text="Optional stable code, e.g. an O*NET element id."
    )


class RoleForm(forms.Form):
    name = forms.CharField(max_length=200)
    family = forms.CharField(
        max_length=120, required=False, help_text="A group of related roles, e.g. “Engineering”."
    )
    code = forms.CharField(
        max_length=50, required=False, help_text="Optional stable code, e.g. an O*NET-SOC code."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class BehaviourForm(forms.Form):
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        strip=True,
        help_text="Leave empty to remove the behaviour.",
    )


class ScaleLevelForm(forms.Form):
    name = forms.CharField(max_length=60)
    description = forms.CharField(max_length=300, required=False)


class RequirementForm(forms.Form):
    """One cell pair of the matrix: an empty level means "not required"."""

    required_level = forms.IntegerField(required=False)
    importance = forms.IntegerField(required=False)
