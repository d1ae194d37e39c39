"""Rules of the pairing lifecycle: who is who in a pairing, who may do what from which state,
who confirms the outcome, deadlines, and the checks on input and on a proposed pairing. Reads
only: nothing here writes."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import SkillProfile
from competencies.models import Competency, RoleRequirement
from matching.models import MatchSettings, MentorOptOut, Pairing
from mentorship.dates import date_out_of_range
from mentorship.models import Employee, Organization

State = Pairing.State

DEFAULT_RESPONSE_DAYS = 5
REASON_MAX = 500
NOTE_MAX = 1000
PLAN_TEXT_MAX = 500
CHECK_IN_NOTES_MAX = 4000
FEEDBACK_MAX = 2000
REFLECTION_MAX = 4000
COHORT_NAME_MAX = 200
# Reminders: how long before the deadline, after the last check-in, before the end, after review.
RESPONSE_REMINDER_DAYS = 2
CHECK_IN_GAP_DAYS = 14
ENDING_REMINDER_DAYS = 3
REVIEW_REMINDER_DAYS = 2
# The task a pairing works on.
TASK_MIN_LENGTH = 10
TASK_MAX_LENGTH = 2000

# Where a state sits in the lifecycle: moving "back" is "no longer", moving ahead is "not yet".
_STAGE = {
    State.PROPOSED: 0,
    State.ACTIVE: 1,
    State.AWAITING_REVIEW: 2,
    State.COMPLETED: 3,
    State.DECLINED: 3,
    State.CANCELLED: 3,
    State.EXPIRED: 3,
}


# --- Who is who ---------------------------------------------------------------------------------


class Party:
    MENTEE = "mentee"
    MENTOR = "mentor"
    MANAGER = "manager"  # the mentee's manager
    HR = "hr"


def parties_of(pairing: Pairing, employee: Employee) -> set[str]:
    """How a member relates to a pairing: mentee, mentor, the mentee's manager, HR admin (any
    number of these; empty for everyone else)."""
    if employee.organization_id != pairing.organization_id:
        return set()
    roles: set[str] = set()
    if employee.pk == pairing.mentee_id:
        roles.add(Party.MENTEE)
    if employee.pk == pairing.mentor_id:
        roles.add(Party.MENTOR)
    if employee.pk == pairing.mentee.manager_id:
        roles.add(Party.MANAGER)
    if employee.is_hr_admin:
        roles.add(Party.HR)
    return roles


def require_party(pairing: Pairing, actor: Employee, allowed: set[str], message: str) -> set[str]:
    roles = parties_of(pairing, actor)
    if not roles & allowed:
        raise PermissionDenied(message)
    return roles


def confirming_manager(pairing: Pairing) -> Employee | None:
    """The mentee's manager when it is theirs to confirm the outcome: an active manager who is
    not also the mentor. None when an HR admin confirms instead (no manager, a deactivated one,
    or one who became the mentee's manager while mentoring them: a pairing is never proposed
    that way, because the confirmation is meant to be a second pair of eyes)."""
    manager = pairing.mentee.manager
    if manager is None or not manager.is_active or manager.pk == pairing.mentor_id:
        return None
    return manager


def may_confirm(pairing: Pairing, roles: set[str]) -> bool:
    """Whether someone with these roles confirms the outcome: the mentee's manager, or an HR admin
    when there is no manager to do it; never the mentee or the mentor, whatever else they are."""
    if roles & {Party.MENTEE, Party.MENTOR}:
        return False
    return (Party.MANAGER if confirming_manager(pairing) else Party.HR) in roles


def confirmer_label(pairing: Pairing) -> str:
    """Who confirms the outcome, for a sentence: the manager's name, or "an HR admin"."""
    manager = confirming_manager(pairing)
    return manager.name if manager else "an HR admin"


def as_hr_note(pairing: Pairing) -> str:
    """For HR admins asked to confirm, why it falls to them ("" when the manager confirms)."""
    if confirming_manager(pairing) is not None:
        return ""
    return f" (as an HR admin: {_why_hr_confirms(pairing)})"


def _why_hr_confirms(pairing: Pairing) -> str:
    manager = pairing.mentee.manager
    if manager is not None and manager.pk == pairing.mentor_id:
        return f"{manager.name} is both {pairing.mentee.name}'s manager and the mentor"
    return f"{pairing.mentee.name} has no active manager"


def hr_admins_of(organization_id: int) -> list[Employee]:
    return list(
        Employee.objects.filter(organization_id=organization_id, is_hr_admin=True, is_active=True)
        .select_related("user")
        .order_by("pk")
    )


def confirmers(pairing: Pairing, *, hr_admins: list[Employee] | None = None) -> list[Employee]:
    """Who is asked to confirm the outcome: the manager, else every active HR admin but the
    mentee and the mentor (pass `hr_admins` to reuse one list across pairings)."""
    manager = confirming_manager(pairing)
    if manager is not None:
        return [manager]
    people = hr_admins if hr_admins is not None else hr_admins_of(pairing.organization_id)
    return [e for e in people if e.pk not in (pairing.mentee_id, pairing.mentor_id)]


def confirm_refusal(pairing: Pairing, roles: set[str]) -> str:
    name = pairing.mentee.name
    manager = confirming_manager(pairing)
    if manager is not None:
        return f"Only {name}'s manager can confirm the outcome; ask {manager.name}."
    why = _why_hr_confirms(pairing)
    if Party.MENTEE in roles:
        return f"You cannot confirm your own pairing: {why}, so an HR admin confirms it."
    if Party.MENTOR in roles:
        return f"As the mentor you cannot confirm the outcome: {why}, so an HR admin confirms it."
    return f"Only an HR admin can confirm the outcome: {why}."


def require_state(pairing: Pairing, allowed: Iterable[str], verb: str, subject: str = "it") -> None:
    """A clear error unless the pairing is in one of the allowed states, e.g. "This pairing is
    completed; it can no longer be cancelled." or "...is proposed; it cannot be finished yet."."""
    allowed = tuple(allowed)
    if pairing.state in allowed:
        return
    label = pairing.get_state_display().lower()
    if _STAGE[State(pairing.state)] < min(_STAGE[State(s)] for s in allowed):
        message = f"This pairing is {label}; {subject} cannot be {verb} yet."
    else:
        message = f"This pairing is {label}; {subject} can no longer be {verb}."
    raise ValidationError({"state": message})


def manager_of_mentee(pairing: Pairing) -> Employee | None:
    return pairing.mentee.manager


def proposer_of(pairing: Pairing) -> Employee | None:
    """Who proposed the pairing (a manager or HR admin), else the mentee's manager."""
    if pairing.created_by_id and pairing.created_by_id != pairing.mentee_id:
        return Employee.objects.select_related("user").filter(
            organization_id=pairing.organization_id, pk=pairing.created_by_id
        ).first() or manager_of_mentee(pairing)
    return manager_of_mentee(pairing)


# --- Links, titles and text ----------------------------------------------------------------------


def pairing_url(pairing: Pairing) -> str:
    try:
        return reverse(
            "pairing_detail",
            kwargs={"org_slug": pairing.organization.slug, "pk": pairing.pk},
        )
    except NoReverseMatch:  # the pages are not mounted (a worker-only configuration)
        return ""


def pairing_title(pairing: Pairing) -> str:
    return (
        f"{pairing.mentee.name}'s pairing with {pairing.mentor.name} in {pairing.competency.name}"
    )


def clean_reason(reason: str, *, required: bool, what: str = "reason") -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ValidationError({"reason": f"Give a {what}: the others see it on the timeline."})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the {what} under {REASON_MAX} characters."})
    return text


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def behaviour_lines(text: str) -> list[str]:
    """A behaviour description as practice items: one per line, bullets stripped."""
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    return [line[:PLAN_TEXT_MAX] for line in lines if line]


# --- Deadlines ---------------------------------------------------------------------------------


def mentor_response_days(*, organization_id: int) -> int:
    """How many days a mentor has to answer a proposal in this organisation."""
    days = (
        MatchSettings.objects.filter(organization_id=organization_id)
        .values_list("mentor_response_days", flat=True)
        .first()
    )
    return days or DEFAULT_RESPONSE_DAYS


def response_deadline(pairing: Pairing, *, response_days: int) -> dt.datetime:
    """When a proposed pairing expires if the mentor has not answered."""
    return pairing.created_at + dt.timedelta(days=response_days)


def pairing_began(p: Pairing) -> dt.date:
    return min(p.start_date, timezone.localtime(p.created_at).date())


# --- Proposing a pairing -----------------------------------------------------------------------


def default_pairing_dates(*, organization: Organization, today: dt.date) -> tuple[dt.date, dt.date]:
    """Start next Monday (a week today if today is a Monday); last the default number of weeks."""
    start = today + dt.timedelta(days=7 - today.weekday())
    return start, start + dt.timedelta(weeks=organization.default_pairing_weeks)


def check_can_decide(*, actor: Employee, mentee: Employee) -> None:
    if actor.organization_id != mentee.organization_id or not (
        actor.pk == mentee.manager_id or actor.is_hr_admin
    ):
        raise PermissionDenied(f"Only {mentee.name}'s manager or an HR admin can do this.")


def clean_pairing_input(
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
    start_out_of_range = date_out_of_range(start_date)
    if not isinstance(start_date, dt.date):
        errors["start_date"] = "Enter a start date."
    elif start_out_of_range:
        errors["start_date"] = start_out_of_range
    elif start_date < today:
        errors["start_date"] = "The start date cannot be in the past."
    if not isinstance(end_date, dt.date):
        errors["end_date"] = "Enter an end date."
    elif message := date_out_of_range(end_date):
        errors["end_date"] = message
    elif isinstance(start_date, dt.date) and not start_out_of_range:
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


def effective_level(*, employee_id: int, competency: Competency) -> int | None:
    return (
        SkillProfile.objects.filter(
            organization_id=competency.organization_id,
            employee_id=employee_id,
            competency=competency,
        )
        .values_list("effective_level", flat=True)
        .first()
    )


def check_gap(*, mentee: Employee, competency: Competency) -> tuple[int, int]:
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
    baseline = effective_level(employee_id=mentee.pk, competency=competency) or 0
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


def check_mentor(
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
    level = effective_level(employee_id=mentor.pk, competency=competency)
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


# --- The work: plan and check-ins --------------------------------------------------------------


PARTIES = {Party.MENTOR, Party.MENTEE}
PARTIES_ONLY = "Only the mentor and the mentee can change the practice plan."


@dataclass(frozen=True)
class CheckInInput:
    date: dt.date
    notes: str = ""
    went_well: str = ""
    to_improve: str = ""
    why_it_matters: str = ""
    next_check_in: dt.date | None = None


def clean_check_in(
    data: CheckInInput, *, earliest: dt.date, latest: dt.date, ends: str = "the pairing ends"
) -> dict[str, Any]:
    """The check-in's fields, stripped; `earliest` bounds its date, `latest` (the day `ends`
    describes) the next check-in's, which would otherwise be planned after the pairing is over."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    texts = {
        "notes": (data.notes or "").strip(),
        "went_well": (data.went_well or "").strip(),
        "to_improve": (data.to_improve or "").strip(),
        "why_it_matters": (data.why_it_matters or "").strip(),
    }
    if not isinstance(data.date, dt.date):
        errors["date"] = "Enter the date of the check-in."
    elif data.date > today:
        errors["date"] = "A check-in cannot be in the future: log it once it has happened."
    elif data.date < earliest:
        errors["date"] = f"The check-in cannot be before the pairing began ({day_label(earliest)})."
    if data.next_check_in is not None:
        if not isinstance(data.next_check_in, dt.date):
            errors["next_check_in"] = "Enter a date for the next check-in."
        elif isinstance(data.date, dt.date) and data.next_check_in <= data.date:
            errors["next_check_in"] = "The next check-in must be after this one."
        elif data.next_check_in > latest:
            errors["next_check_in"] = (
                f"The next check-in cannot be after {day_label(latest)}, when {ends}."
            )
    for name, limit in (
        ("notes", CHECK_IN_NOTES_MAX),
        ("went_well", FEEDBACK_MAX),
        ("to_improve", FEEDBACK_MAX),
        ("why_it_matters", FEEDBACK_MAX),
    ):
        if len(texts[name]) > limit:
            errors[name] = f"Keep this under {limit:,} characters."
    if not any(texts.values()):
        errors["went_well"] = (
            "Write what went well, what to improve and why it matters (or at least a note)."
        )
    if errors:
        raise ValidationError(errors)
    return {"date": data.date, "next_check_in": data.next_check_in, **texts}
