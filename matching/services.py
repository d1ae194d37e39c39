"""Writes of the matching layer: mentor availability, accepting and dismissing suggestions,
proposing pairings, match settings. Recompute runs live in `matching.recompute`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import SkillProfile
from competencies.models import Competency, ProficiencyLevel, RoleRequirement
from matching.models import (
    FACTOR_NAMES,
    MatchRun,
    MatchSettings,
    MatchSuggestion,
    MentorOptOut,
    Pairing,
)
from matching.recompute import schedule_recompute
from mentorship.audit import audit_record, diff_fields
from mentorship.models import Employee, Organization

logger = logging.getLogger(__name__)

TASK_MIN_LENGTH = 10
TASK_MAX_LENGTH = 2000
CAPACITY_MAX = 10

# --- mentor availability --------------------------------------------------------------------


@transaction.atomic
def availability_update(
    *,
    employee: Employee,
    actor: Employee,
    available: bool,
    capacity: int,
    opted_out_competency_ids: list[int],
) -> Employee:
    """Set whether a person mentors, how many people at once, and what they do not mentor."""
    if actor.organization_id != employee.organization_id or not (
        actor.pk == employee.pk or actor.is_hr_admin
    ):
        raise PermissionDenied("Only the person themselves or an HR admin can change this.")
    if not isinstance(capacity, int) or isinstance(capacity, bool):
        raise ValidationError({"capacity": "Enter a whole number of mentoring slots."})
    if not 0 <= capacity <= CAPACITY_MAX:
        raise ValidationError(
            {"capacity": f"Choose between 0 and {CAPACITY_MAX} mentoring slots (got {capacity})."}
        )
    wanted = set(opted_out_competency_ids)
    known = set(
        Competency.objects.filter(organization_id=employee.organization_id, pk__in=wanted)
        .values_list("pk", flat=True)
        .order_by()
    )
    if wanted - known:
        raise ValidationError(
            {"opted_out_competency_ids": "Choose competencies of this organisation."}
        )

    locked = Employee.objects.select_for_update().get(
        organization_id=employee.organization_id, pk=employee.pk
    )
    current = set(
        MentorOptOut.objects.filter(organization_id=locked.organization_id, employee=locked)
        .values_list("competency_id", flat=True)
        .order_by()
    )
    changes: dict[str, list[Any]] = diff_fields(
        {"mentor_available": locked.mentor_available, "mentor_capacity": locked.mentor_capacity},
        {"mentor_available": bool(available), "mentor_capacity": capacity},
    )
    if wanted != current:
        changes["opted_out_competency_ids"] = [sorted(current), sorted(wanted)]
    if not changes:
        return locked

    locked.mentor_available, locked.mentor_capacity = bool(available), capacity
    locked.save(update_fields=["mentor_available", "mentor_capacity", "updated_at"])
    MentorOptOut.objects.filter(
        organization_id=locked.organization_id, employee=locked, competency_id__in=current - wanted
    ).delete()
    MentorOptOut.objects.bulk_create(
        MentorOptOut(organization_id=locked.organization_id, employee=locked, competency_id=pk)
        for pk in sorted(wanted - current)
    )
    summary = (
        f"Mentoring: {'available' if available else 'not available'}, "
        f"{capacity} slot{'s' if capacity != 1 else ''}, "
        f"{len(wanted)} competenc{'ies' if len(wanted) != 1 else 'y'} opted out"
    )
    audit_record(
        organization=locked.organization,
        actor=actor,
        subject_type="employee",
        subject_id=locked.pk,
        action="mentor_availability",
        summary=summary,
        changes=changes,
    )
    schedule_recompute(
        organization_id=locked.organization_id, trigger=MatchRun.Trigger.AVAILABILITY
    )
    return locked


# --- pairings -------------------------------------------------------------------------------


def default_pairing_dates(*, organization: Organization, today: dt.date) -> tuple[dt.date, dt.date]:
    """Start next Monday (a week today if today is a Monday); last the default number of weeks."""
    start = today + dt.timedelta(days=7 - today.weekday())
    return start, start + dt.timedelta(weeks=organization.default_pairing_weeks)


def _check_can_decide(*, actor: Employee, mentee: Employee) -> None:
    if actor.organization_id != mentee.organization_id or not (
        actor.pk == mentee.manager_id or actor.is_hr_admin
    ):
        raise PermissionDenied(f"Only {mentee.name}'s manager or an HR admin can do this.")


def _clean_pairing_input(
    *, organization: Organization, task: str, start_date: dt.date, end_date: dt.date
) -> str:
    """The task, stripped, once the task and the dates are valid; all field errors at once."""
    errors: dict[str, str] = {}
    text = (task or "").strip()
    if not text:
        errors["task"] = "Describe the real piece of work they will do together."
    elif len(text) < TASK_MIN_LENGTH:
        errors["task"] = (
            f"Describe the task in at least {TASK_MIN_LENGTH} characters: the real piece of "
            "work they will do together."
        )
    elif len(text) > TASK_MAX_LENGTH:
        errors["task"] = f"Keep the task under {TASK_MAX_LENGTH:,} characters."
    today = timezone.localdate()
    if not isinstance(start_date, dt.date):
        errors["start_date"] = "Enter a start date."
    elif start_date < today:
        errors["start_date"] = "The start date cannot be in the past."
    if not isinstance(end_date, dt.date):
        errors["end_date"] = "Enter an end date."
    elif isinstance(start_date, dt.date):
        max_weeks = organization.max_pairing_weeks
        if end_date <= start_date:
            errors["end_date"] = "The end date must be after the start date."
        elif end_date - start_date > dt.timedelta(weeks=max_weeks):
            latest = start_date + dt.timedelta(weeks=max_weeks)
            errors["end_date"] = (
                f"A pairing lasts at most {max_weeks} weeks: end it on "
                f"{latest.day} {latest:%b %Y} or earlier."
            )
    if errors:
        raise ValidationError(errors)
    return text


def _effective_level(*, employee_id: int, competency: Competency) -> int | None:
    return (
        SkillProfile.objects.filter(
            organization_id=competency.organization_id,
            employee_id=employee_id,
            competency=competency,
        )
        .values_list("effective_level", flat=True)
        .first()
    )


def _check_gap(*, mentee: Employee, competency: Competency) -> tuple[int, int]:
    """(baseline, target) of the mentee's gap in the competency, or a clear error."""
    if not mentee.is_active:
        raise ValidationError({"mentee": f"{mentee.name} is no longer active."})
    if competency.organization_id != mentee.organization_id:
        raise ValidationError({"competency": "Choose a competency of this organisation."})
    if competency.archived_at is not None:
        raise ValidationError({"competency": f"{competency.name} is archived."})
    required = (
        RoleRequirement.objects.filter(
            organization_id=mentee.organization_id, role_id=mentee.role_id, competency=competency
        )
        .values_list("required_level", flat=True)
        .first()
        if mentee.role_id
        else None
    )
    if required is None:
        raise ValidationError(
            {"competency": f"{competency.name} is not required for {mentee.name}'s role."}
        )
    baseline = _effective_level(employee_id=mentee.pk, competency=competency) or 0
    if baseline >= required:
        raise ValidationError(
            {
                "competency": f"{mentee.name} already reaches the required level in "
                f"{competency.name}; there is no gap to work on."
            }
        )
    if Pairing.objects.filter(
        organization_id=mentee.organization_id,
        mentee=mentee,
        competency=competency,
        state__in=Pairing.LOAD_STATES,
    ).exists():
        raise ValidationError(
            {"competency": f"{mentee.name} already has a pairing for {competency.name}."}
        )
    return baseline, required


def _check_mentor(
    *, mentor: Employee, mentee: Employee, competency: Competency, target: int
) -> None:
    """The mentor is still eligible and has a free slot; call with the mentor's row locked."""
    org = mentee.organization
    name = mentor.name
    if mentor.organization_id != mentee.organization_id:
        raise ValidationError({"mentor": "Choose a mentor of this organisation."})
    if mentor.pk == mentee.pk:
        raise ValidationError({"mentor": "Nobody can mentor themselves."})
    if mentor.pk == mentee.manager_id or mentor.manager_id == mentee.pk:
        raise ValidationError(
            {"mentor": f"{name} is {mentee.name}'s manager or direct report; choose someone else."}
        )
    if not mentor.is_active:
        raise ValidationError({"mentor": f"{name} is no longer active."})
    if not mentor.mentor_available:
        raise ValidationError({"mentor": f"{name} is no longer available as a mentor."})
    if MentorOptOut.objects.filter(
        organization_id=org.pk, employee=mentor, competency=competency
    ).exists():
        raise ValidationError({"mentor": f"{name} does not mentor {competency.name}."})
    level = _effective_level(employee_id=mentor.pk, competency=competency)
    needed = max(org.mentor_threshold_level, target)
    if level is None or level < needed:
        raise ValidationError(
            {"mentor": f"{name}'s level in {competency.name} is below the level needed ({needed})."}
        )
    used = Pairing.objects.filter(
        organization_id=org.pk, mentor=mentor, state__in=Pairing.LOAD_STATES
    ).count()
    if used >= mentor.mentor_capacity:
        slots = mentor.mentor_capacity
        raise ValidationError(
            {
                "mentor": f"{name} is no longer available: all {slots} mentoring "
                f"slot{'s are' if slots != 1 else ' is'} taken."
            }
        )


def _pairing_create(
    *,
    mentee: Employee,
    mentor_id: int,
    competency: Competency,
    actor: Employee,
    task: str,
    start_date: dt.date,
    end_date: dt.date,
    suggestion: MatchSuggestion | None,
) -> Pairing:
    org = mentee.organization
    text = _clean_pairing_input(
        organization=org, task=task, start_date=start_date, end_date=end_date
    )
    baseline, target = _check_gap(mentee=mentee, competency=competency)
    # The row lock serialises everyone pairing with this mentor: the slot count below cannot
    # change until this transaction ends.
    mentor = (
        Employee.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(organization=org, pk=mentor_id)
        .order_by()
        .first()
    )
    if mentor is None:
        raise ValidationError({"mentor": "Choose a mentor of this organisation."})
    _check_mentor(mentor=mentor, mentee=mentee, competency=competency, target=target)
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                organization=org,
                mentee=mentee,
                mentor=mentor,
                competency=competency,
                suggestion=suggestion,
                task=text,
                baseline_level=baseline,
                target_level=target,
                start_date=start_date,
                end_date=end_date,
                created_by=actor,
            )
    except IntegrityError:  # another manager paired this gap at the same moment
        raise ValidationError(
            {"competency": f"{mentee.name} already has a pairing for {competency.name}."}
        ) from None
    audit_record(
        organization=org,
        actor=actor,
        subject_type="pairing",
        subject_id=pairing.pk,
        action="proposed",
        summary=f"Proposed {mentor.name} as mentor of {mentee.name} in {competency.name}",
        changes={
            "mentee_id": [None, mentee.pk],
            "mentor_id": [None, mentor.pk],
            "competency_id": [None, competency.pk],
            "start_date": [None, start_date.isoformat()],
            "end_date": [None, end_date.isoformat()],
            "suggestion_id": [None, suggestion.pk if suggestion else None],
        },
    )
    schedule_recompute(organization_id=org.pk, trigger=MatchRun.Trigger.AVAILABILITY)
    # The lifecycle module builds on this one, so it is imported where it is needed.
    from matching.pairings import pairing_notify_proposed

    pairing_notify_proposed(pairing=pairing)
    return pairing


def _locked_suggestion(suggestion: MatchSuggestion) -> MatchSuggestion:
    locked = (
        MatchSuggestion.objects.select_for_update(of=("self",))
        .filter(organization_id=suggestion.organization_id, pk=suggestion.pk)
        .order_by()
        .first()
    )
    if locked is None:
        raise ValidationError({"suggestion": "This suggestion is no longer open."})
    return locked


def _mentee_of(suggestion: MatchSuggestion) -> Employee:
    return Employee.objects.select_related("organization", "user").get(
        organization_id=suggestion.organization_id, pk=suggestion.mentee_id
    )


@transaction.atomic
def suggestion_accept(
    *,
    suggestion: MatchSuggestion,
    actor: Employee,
    task: str,
    start_date: dt.date,
    end_date: dt.date,
) -> Pairing:
    """Turn a suggestion into a proposed pairing, re-checking the mentor's capacity under lock."""
    locked = _locked_suggestion(suggestion)
    mentee = _mentee_of(locked)
    _check_can_decide(actor=actor, mentee=mentee)
    if not locked.is_open:
        raise ValidationError({"suggestion": "This suggestion is no longer open."})
    competency = Competency.objects.get(
        organization_id=locked.organization_id, pk=locked.competency_id
    )
    pairing = _pairing_create(
        mentee=mentee,
        mentor_id=locked.mentor_id,
        competency=competency,
        actor=actor,
        task=task,
        start_date=start_date,
        end_date=end_date,
        suggestion=locked,
    )
    locked.status = MatchSuggestion.Status.ACCEPTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.updated_at = locked.decided_at
    locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return pairing


@transaction.atomic
def suggestion_dismiss(
    *, suggestion: MatchSuggestion, actor: Employee, reason: str = ""
) -> MatchSuggestion:
    """Set a suggestion aside; it comes back only once the mentor's level in it changes."""
    locked = _locked_suggestion(suggestion)
    mentee = _mentee_of(locked)
    _check_can_decide(actor=actor, mentee=mentee)
    if not locked.is_open:
        raise ValidationError({"suggestion": "This suggestion is no longer open."})
    text = (reason or "").strip()
    if len(text) > 500:
        raise ValidationError({"reason": "Keep the reason under 500 characters."})
    competency = Competency.objects.get(
        organization_id=locked.organization_id, pk=locked.competency_id
    )
    level = _effective_level(employee_id=locked.mentor_id, competency=competency)
    locked.status = MatchSuggestion.Status.DISMISSED
    locked.dismissed_reason = text
    locked.mentor_level = level if level is not None else locked.mentor_level
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.updated_at = locked.decided_at
    locked.save(
        update_fields=[
            "status",
            "dismissed_reason",
            "mentor_level",
            "decided_by",
            "decided_at",
            "updated_at",
        ]
    )
    mentor = Employee.objects.select_related("user").get(
        organization_id=locked.organization_id, pk=locked.mentor_id
    )
    audit_record(
        organization=mentee.organization,
        actor=actor,
        subject_type="match_suggestion",
        subject_id=locked.pk,
        action="dismissed",
        summary=f"Dismissed {mentor.name} as mentor of {mentee.name} in {competency.name}",
        changes={"status": ["open", "dismissed"], "reason": [None, text]},
    )
    return locked


@transaction.atomic
def pairing_propose(
    *,
    mentee: Employee,
    mentor: Employee,
    competency: Competency,
    actor: Employee,
    task: str,
    start_date: dt.date,
    end_date: dt.date,
) -> Pairing:
    """A manager pairs a report with a mentor of their choosing, with the same checks as accept."""
    mentee = Employee.objects.select_related("organization", "user").get(
        organization_id=mentee.organization_id, pk=mentee.pk
    )
    _check_can_decide(actor=actor, mentee=mentee)
    if mentor.organization_id != mentee.organization_id:
        raise ValidationError({"mentor": "Choose a mentor of this organisation."})
    return _pairing_create(
        mentee=mentee,
        mentor_id=mentor.pk,
        competency=competency,
        actor=actor,
        task=task,
        start_date=start_date,
        end_date=end_date,
        suggestion=None,
    )


# --- match settings -------------------------------------------------------------------------

SPREAD_MAX = 100.0
WEIGHT_MAX = 100.0


def _settings_errors(
    *,
    organization: Organization,
    weights: dict[str, float],
    k: int,
    spread: float,
    mentor_threshold_level: int,
    recompute_interval_minutes: int,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, value in weights.items():
        if not 0.0 <= value <= WEIGHT_MAX:
            errors[f"weight_{name}"] = f"Choose a weight between 0 and {WEIGHT_MAX:g}."
    complete = len(weights) == len(FACTOR_NAMES)
    if complete and not errors and not any(value > 0 for value in weights.values()):
        errors["weight_priority"] = "Give at least one factor a weight above 0."
    if not 1 <= k <= 20:
        errors["k"] = "Suggest between 1 and 20 mentors per gap."
    if not 0.1 <= spread <= SPREAD_MAX:
        errors["spread"] = f"Choose a spread between 0.1 and {SPREAD_MAX:g}."
    levels = sorted(
        ProficiencyLevel.objects.filter(organization=organization).values_list("level", flat=True)
    )
    if levels and mentor_threshold_level not in levels[1:]:
        errors["mentor_threshold_level"] = (
            f"Choose a level of the scale above the lowest ({levels[1]}–{levels[-1]})."
            if len(levels) > 1
            else "The scale needs at least two levels."
        )
    if not 1 <= recompute_interval_minutes <= 24 * 60:
        errors["recompute_interval_minutes"] = "Recompute every 1 to 1,440 minutes."
    return errors


@transaction.atomic
def match_settings_update(
    *,
    organization: Organization,
    actor: Employee,
    weights: dict[str, float],
    k: int,
    spread: float,
    mentor_threshold_level: int,
    recompute_interval_minutes: int,
) -> MatchSettings:
    """HR tunes the matching: factor weights, list length, spread, who counts as strong, how often
    suggestions are recomputed. A change schedules a recompute so that the lists follow it."""
    if actor.organization_id != organization.pk or not actor.is_hr_admin:
        raise PermissionDenied("Only HR admins can change the match settings.")
    unknown = set(weights) - set(FACTOR_NAMES)
    if unknown:
        raise ValidationError({"weights": f"Unknown factors: {', '.join(sorted(unknown))}."})
    errors = _settings_errors(
        organization=organization,
        weights=weights,
        k=k,
        spread=spread,
        mentor_threshold_level=mentor_threshold_level,
        recompute_interval_minutes=recompute_interval_minutes,
    )
    if errors:
        raise ValidationError(errors)

    org = Organization.objects.select_for_update().get(pk=organization.pk)
    current = MatchSettings.objects.filter(organization=org).first()
    if current is None:
        current = MatchSettings.objects.create(organization=org)
    before: dict[str, Any] = {
        **{f"weight_{n}": v for n, v in current.weight_values.items()},
        "k": current.k,
        "spread": current.spread,
        "mentor_threshold_level": org.mentor_threshold_level,
        "recompute_interval_minutes": org.recompute_interval_minutes,
    }
    after: dict[str, Any] = {
        **{f"weight_{n}": float(v) for n, v in weights.items()},
        "k": k,
        "spread": float(spread),
        "mentor_threshold_level": mentor_threshold_level,
        "recompute_interval_minutes": recompute_interval_minutes,
    }
    changes = diff_fields(before, after)
    if not changes:
        return current

    settings_fields = [f for f in changes if f.startswith("weight_") or f in ("k", "spread")]
    for name in settings_fields:
        setattr(current, name, after[name])
    if settings_fields:
        current.save(update_fields=[*settings_fields, "updated_at"])
    org_fields = [f for f in changes if f not in settings_fields]
    for name in org_fields:
        setattr(org, name, after[name])
    if org_fields:
        org.save(update_fields=org_fields)
    organization.mentor_threshold_level = org.mentor_threshold_level
    organization.recompute_interval_minutes = org.recompute_interval_minutes
    audit_record(
        organization=org,
        actor=actor,
        subject_type="match_settings",
        subject_id=current.pk,
        action="updated",
        summary="Changed the match settings: " + ", ".join(sorted(changes)),
        changes=changes,
    )
    # No trigger of its own: a settings change asks for a recompute like "Recompute now".
    schedule_recompute(organization_id=org.pk, trigger=MatchRun.Trigger.MANUAL)
    return current
