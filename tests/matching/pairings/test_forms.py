"""The pairing forms refuse over-long text at the services' limits, in the services' words."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms

from competencies.models import Competency
from matching.pairings import forms as f
from matching.pairings.rules import (
    CHECK_IN_NOTES_MAX,
    COHORT_NAME_MAX,
    FEEDBACK_MAX,
    NOTE_MAX,
    PLAN_TEXT_MAX,
    REASON_MAX,
    REFLECTION_MAX,
    TASK_MAX_LENGTH,
)
from mentorship.models import Employee

TODAY = dt.date(2026, 10, 1).isoformat()


def _cohort_form(data: dict[str, Any]) -> forms.Form:
    none = Employee.objects.none()
    return f.CohortForm(data, mentors=none, mentees=none, competencies=Competency.objects.none())


# (form factory, valid data apart from the field, field, limit, message)
CASES = [
    (f.ReasonForm, {}, "reason", REASON_MAX, "Keep the reason under 500 characters."),
    (
        f.ExtendForm,
        {"end_date": TODAY},
        "reason",
        REASON_MAX,
        "Keep the reason under 500 characters.",
    ),
    (
        lambda d: f.LevelForm(d, scale=[(1, "Aware"), (2, "Practising")]),
        {"level": "2"},
        "evidence",
        2000,
        "Keep the evidence note under 2,000 characters.",
    ),
    (f.ThankForm, {}, "note", NOTE_MAX, "Keep the note under 1,000 characters."),
    (f.PlanItemForm, {}, "text", PLAN_TEXT_MAX, "Keep it under 500 characters."),
    (
        f.CheckInForm,
        {"date": TODAY},
        "notes",
        CHECK_IN_NOTES_MAX,
        "Keep this under 4,000 characters.",
    ),
    *(
        (f.CheckInForm, {"date": TODAY}, name, FEEDBACK_MAX, "Keep this under 2,000 characters.")
        for name in ("went_well", "to_improve", "why_it_matters")
    ),
    *(
        (f.ReflectionForm, {}, name, REFLECTION_MAX, "Keep this under 4,000 characters.")
        for name in ("what_i_did", "why", "what_i_would_change")
    ),
    (_cohort_form, {}, "name", COHORT_NAME_MAX, "Keep the name under 200 characters."),
    (_cohort_form, {}, "task", TASK_MAX_LENGTH, "Keep the task under 2,000 characters."),
]


@pytest.mark.parametrize(("make", "data", "field", "limit", "message"), CASES)
def test_text_over_the_services_limit_is_refused_with_its_message(
    make, data, field, limit, message
) -> None:
    too_long = make({**data, field: "x" * (limit + 1)})
    assert not too_long.is_valid()
    assert too_long.errors[field] == [message]
    assert too_long.fields[field].widget.attrs["maxlength"] == str(limit)

    at_limit = make({**data, field: "  " + "x" * limit + "  "})  # stripped, as the service does
    at_limit.is_valid()
    assert field not in at_limit.errors
