"""Writes of the matching layer: mentor availability, accepting and dismissing suggestions
(accepting proposes the pairing through `matching.pairings.services`), match settings.
Recompute runs live in `matching.recompute`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from competencies.models import Competency, ProficiencyLevel
from matching.models import (
    FACTOR_NAMES,
    MatchRun,
    MatchSettings,
    MatchSuggestion,
    MentorOptOut,
    Pairing,
)
from matching.pairings.rules import check_can_decide, effective_level
from matching.pairings.services import pairing_create
from matching.recompute import schedule_recompute
from mentorship.audit import audit_record, diff_fields
from mentorship.models import Employee, Organization

logger = logging.getLogger(__name__)

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


# --- suggestions ----------------------------------------------------------------------------


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
    check_can_decide(actor=actor, mentee=mentee)
    if not locked.is_open:
        raise ValidationError({"suggestion": "This suggestion is no longer open."})
    competency = Competency.objects.get(
        organization_id=locked.organization_id, pk=locked.competency_id
    )
    pairing = pairing_create(
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
    check_can_decide(actor=actor, mentee=mentee)
    if not locked.is_open:
        raise ValidationError({"suggestion": "This suggestion is no longer open."})
    text = (reason or "").strip()
    if len(text) > 500:
        raise ValidationError({"reason": "Keep the reason under 500 characters."})
    competency = Competency.objects.get(
        organization_id=locked.organization_id, pk=locked.competency_id
    )
    level = effective_level(employee_id=locked.mentor_id, competency=competency)
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
