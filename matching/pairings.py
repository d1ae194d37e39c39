"""The pairing lifecycle: the mentor's answer, the work (practice plan, check-ins, reflections),
the end (finish, re-assessment, the manager's confirmation), cancellation, extension, expiry,
group mentoring (cohorts), reminders, and what happens when someone leaves.

States: proposed → active (the mentor accepts) | declined | expired (no answer in time) |
cancelled; active → awaiting review (end date reached, or finished early) | cancelled;
awaiting review → completed (the mentee's manager confirms, or an HR admin when there is no
manager to do it; outcome achieved or not).

Every transition locks the pairing row, checks who is acting (PermissionDenied) and from which
state (ValidationError with a clear message), writes a PairingEvent for the timeline and an audit
entry, and tells the people concerned. Nothing is half-written: each service is one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from assessments.models import Assessment, SkillProfile
from assessments.services import assessment_submit_focused
from competencies.models import Competency, LevelBehaviour, ProficiencyLevel
from matching.models import (
    CheckIn,
    Cohort,
    MatchRun,
    MatchSettings,
    Pairing,
    PairingEvent,
    PlanItem,
    Reflection,
    ReminderSent,
)
from matching.recompute import schedule_recompute
from matching.services import pairing_propose
from mentorship.audit import audit_record
from mentorship.models import Employee, Organization
from mentorship.notifications import notify

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


def _require_party(pairing: Pairing, actor: Employee, allowed: set[str], message: str) -> set[str]:
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


def _as_hr_note(pairing: Pairing) -> str:
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


def _confirm_refusal(pairing: Pairing, roles: set[str]) -> str:
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


def _require_state(
    pairing: Pairing, allowed: Iterable[str], verb: str, subject: str = "it"
) -> None:
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


def _locked(pairing: Pairing) -> Pairing:
    """The pairing re-read under a row lock, so two transitions cannot interleave."""
    locked = (
        Pairing.objects.select_for_update(of=("self",))
        .select_related(
            "organization", "mentee__user", "mentee__manager__user", "mentor__user", "competency"
        )
        .filter(organization_id=pairing.organization_id, pk=pairing.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"pairing": "This pairing no longer exists."})
    return locked


# --- Recording and telling ----------------------------------------------------------------------


def pairing_url(pairing: Pairing) -> str:
    try:
        return reverse(
            "pairing_detail",
            kwargs={"org_slug": pairing.organization.slug, "pk": pairing.pk},
        )
    except NoReverseMatch:  # the pages are not mounted (a worker-only configuration)
        return ""


def _title(pairing: Pairing) -> str:
    return (
        f"{pairing.mentee.name}'s pairing with {pairing.mentor.name} in {pairing.competency.name}"
    )


def _record(
    pairing: Pairing,
    *,
    actor: Employee | None,
    action: str,
    from_state: str,
    reason: str = "",
    summary: str,
    changes: dict[str, Any] | None = None,
) -> PairingEvent:
    event = PairingEvent.objects.create(
        organization_id=pairing.organization_id,
        pairing=pairing,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=pairing.state,
        reason=reason,
    )
    audit_record(
        organization=pairing.organization,
        actor=actor,
        subject_type="pairing",
        subject_id=pairing.pk,
        action=action,
        summary=summary,
        changes={
            **({"state": [from_state, pairing.state]} if from_state != pairing.state else {}),
            **({"reason": [None, reason]} if reason else {}),
            **(changes or {}),
        },
    )
    return event


def _move(
    pairing: Pairing,
    *,
    to: str,
    actor: Employee | None,
    action: str,
    reason: str = "",
    summary: str,
    fields: Iterable[str] = (),
) -> PairingEvent:
    before = pairing.state
    pairing.state = to
    pairing.save(update_fields=["state", "updated_at", *fields])
    return _record(
        pairing, actor=actor, action=action, from_state=before, reason=reason, summary=summary
    )


def _tell(
    people: Iterable[Employee | None],
    *,
    actor: Employee | None,
    pairing: Pairing,
    kind: str,
    message: str,
    email_subject: str = "",
) -> None:
    """Notify each person once, never the one who acted."""
    seen: set[int] = set()
    url = pairing_url(pairing)
    for person in people:
        if person is None or person.pk in seen or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        notify(
            recipient=person,
            kind=kind,
            message=message,
            url=url,
            email_subject=email_subject,
        )


def _manager_of_mentee(pairing: Pairing) -> Employee | None:
    return pairing.mentee.manager


def _proposer(pairing: Pairing) -> Employee | None:
    """Who proposed the pairing (a manager or HR admin), else the mentee's manager."""
    if pairing.created_by_id and pairing.created_by_id != pairing.mentee_id:
        return Employee.objects.select_related("user").filter(
            organization_id=pairing.organization_id, pk=pairing.created_by_id
        ).first() or _manager_of_mentee(pairing)
    return _manager_of_mentee(pairing)


def _schedule_recompute(pairing: Pairing, trigger: str) -> None:
    # The task module imports this one; importing it here keeps the dependency one-way at load.
    schedule_recompute(organization_id=pairing.organization_id, trigger=trigger)


def _reason(reason: str, *, required: bool, what: str = "reason") -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ValidationError({"reason": f"Give a {what}: the others see it on the timeline."})
    if len(text) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the {what} under {REASON_MAX} characters."})
    return text


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


# --- The mentor's answer and expiry --------------------------------------------------------------


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


def pairing_notify_proposed(*, pairing: Pairing) -> None:
    """Tell the mentor they were proposed, by e-mail with a link, with the answer deadline.

    Once per pairing, however many callers ask (cohorts call it; so may the proposal services).
    """
    if not _claim(
        pairing, ReminderSent.Kind.PROPOSED, timezone.localtime(pairing.created_at).date()
    ):
        return
    days = mentor_response_days(organization_id=pairing.organization_id)
    deadline = timezone.localtime(response_deadline(pairing, response_days=days)).date()
    _tell(
        [pairing.mentor],
        actor=None,
        pairing=pairing,
        kind="pairing_proposed",
        message=(
            f"You were proposed as {pairing.mentee.name}'s mentor in {pairing.competency.name} "
            f"({_day(pairing.start_date)} – {_day(pairing.end_date)}). Accept or decline by "
            f"{_day(deadline)}."
        ),
        email_subject=f"Will you mentor {pairing.mentee.name} in {pairing.competency.name}?",
    )


def _behaviour_lines(text: str) -> list[str]:
    """A behaviour description as practice items: one per line, bullets stripped."""
    lines = [re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip() for line in text.splitlines()]
    return [line[:PLAN_TEXT_MAX] for line in lines if line]


def _seed_plan(pairing: Pairing, actor: Employee) -> int:
    """Practice items from the target level's behaviours (else the scale level's description)."""
    description = (
        LevelBehaviour.objects.filter(
            organization_id=pairing.organization_id,
            competency_id=pairing.competency_id,
            level=pairing.target_level,
        )
        .values_list("description", flat=True)
        .first()
    )
    source = PlanItem.Source.BEHAVIOUR
    lines = _behaviour_lines(description or "")
    if not lines:
        source = PlanItem.Source.SCALE
        step = ProficiencyLevel.objects.filter(
            organization_id=pairing.organization_id, level=pairing.target_level
        ).first()
        name = step.name if step else f"level {pairing.target_level}"
        detail = _behaviour_lines(step.description if step else "")
        lines = [f"{name}: {line}" for line in detail] or [
            f"Practise {pairing.competency.name} at the {name} level on the task."
        ]
    PlanItem.objects.bulk_create(
        PlanItem(
            organization_id=pairing.organization_id,
            pairing=pairing,
            text=line,
            source=source,
            position=index,
            created_by=actor,
        )
        for index, line in enumerate(lines)
    )
    return len(lines)


@transaction.atomic
def pairing_accept(*, pairing: Pairing, actor: Employee) -> Pairing:
    """The mentor agrees: the pairing becomes active and its practice plan is seeded."""
    p = _locked(pairing)
    _require_party(p, actor, {Party.MENTOR}, "Only the mentor can accept this pairing.")
    _require_state(p, [State.PROPOSED], "accepted")
    days = mentor_response_days(organization_id=p.organization_id)
    deadline = response_deadline(p, response_days=days)
    if timezone.now() >= deadline:
        raise ValidationError(
            {
                "state": f"This proposal expired on {_day(timezone.localtime(deadline).date())}: "
                f"it was not answered within {days} days. Ask {p.mentee.name}'s manager to "
                "propose it again."
            }
        )
    if not p.mentee.is_active:
        raise ValidationError({"mentee": f"{p.mentee.name} is no longer active."})
    p.accepted_at = timezone.now()
    _move(
        p,
        to=State.ACTIVE,
        actor=actor,
        action="accepted",
        summary=f"{actor.name} accepted to mentor {p.mentee.name} in {p.competency.name}",
        fields=["accepted_at"],
    )
    _seed_plan(p, actor)
    _tell(
        [p.mentee, _proposer(p)],
        actor=actor,
        pairing=p,
        kind="pairing_accepted",
        message=f"{p.mentor.name} accepted: {_title(p)} is active from {_day(p.start_date)}.",
        email_subject=f"{p.mentor.name} will mentor {p.mentee.name} in {p.competency.name}",
    )
    return p


@transaction.atomic
def pairing_decline(*, pairing: Pairing, actor: Employee, reason: str) -> Pairing:
    """The mentor says no, with a reason; the slot frees and the gap gets suggestions again."""
    p = _locked(pairing)
    _require_party(p, actor, {Party.MENTOR}, "Only the mentor can decline this pairing.")
    _require_state(p, [State.PROPOSED], "declined")
    text = _reason(reason, required=True)
    _move(
        p,
        to=State.DECLINED,
        actor=actor,
        action="declined",
        reason=text,
        summary=f"{actor.name} declined to mentor {p.mentee.name} in {p.competency.name}",
    )
    _tell(
        [_proposer(p), p.mentee],
        actor=actor,
        pairing=p,
        kind="pairing_declined",
        message=f"{p.mentor.name} declined {_title(p)}: {text}",
        email_subject=f"{p.mentor.name} declined to mentor {p.mentee.name}",
    )
    _schedule_recompute(p, MatchRun.Trigger.AVAILABILITY)
    return p


def pairings_expire_due(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Expire the proposals nobody answered within the response window; how many expired."""
    now = now or timezone.now()
    days = mentor_response_days(organization_id=organization.pk)
    due = list(
        Pairing.objects.filter(
            organization=organization,
            state=State.PROPOSED,
            created_at__lte=now - dt.timedelta(days=days),
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            p = _locked(Pairing(organization_id=organization.pk, pk=pk))
            if p.state != State.PROPOSED:
                continue
            reason = f"The mentor did not answer within {days} days."
            _move(
                p,
                to=State.EXPIRED,
                actor=None,
                action="expired",
                reason=reason,
                summary=f"The proposal of {p.mentor.name} as {p.mentee.name}'s mentor expired",
            )
            _tell(
                [_proposer(p), p.mentor],
                actor=None,
                pairing=p,
                kind="pairing_expired",
                message=f"{_title(p)} expired: {reason}",
            )
            _schedule_recompute(p, MatchRun.Trigger.AVAILABILITY)
            expired += 1
    return expired


# --- Ending: finish, end date reached, cancel, extend -------------------------------------------


def _to_review(p: Pairing, *, actor: Employee | None, action: str, reason: str) -> None:
    p.finished_at = timezone.now()
    who = actor.name if actor else "The end date"
    _move(
        p,
        to=State.AWAITING_REVIEW,
        actor=actor,
        action=action,
        reason=reason,
        summary=f"{who} moved {_title(p)} to review",
        fields=["finished_at"],
    )
    _tell(
        [p.mentee],
        actor=actor,
        pairing=p,
        kind="reassessment_due",
        message=(
            f"{_title(p)} is over. Re-assess yourself in {p.competency.name}; then "
            f"{confirmer_label(p)} confirms the level."
        ),
        email_subject=f"Time to re-assess {p.competency.name}",
    )
    _tell(
        [p.mentor, _manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_finished",
        message=f"{_title(p)} is awaiting review.",
    )


@transaction.atomic
def pairing_finish(*, pairing: Pairing, actor: Employee, reason: str = "") -> Pairing:
    """Finish early (mentor or mentee): this counts as finished, not cancelled."""
    p = _locked(pairing)
    _require_party(
        p, actor, {Party.MENTOR, Party.MENTEE}, "Only the mentor or the mentee can finish it."
    )
    _require_state(p, [State.ACTIVE], "finished")
    text = _reason(reason, required=False)
    _to_review(p, actor=actor, action="finished", reason=text)
    return p


def pairings_end_due(*, organization: Organization, today: dt.date | None = None) -> int:
    """Active pairings whose end date has come go to review; how many."""
    today = today or timezone.localdate()
    due = list(
        Pairing.objects.filter(
            organization=organization, state=State.ACTIVE, end_date__lte=today
        ).values_list("pk", flat=True)
    )
    ended = 0
    for pk in due:
        with transaction.atomic():
            p = _locked(Pairing(organization_id=organization.pk, pk=pk))
            if p.state != State.ACTIVE or p.end_date > today:
                continue
            _to_review(p, actor=None, action="ended", reason="The end date was reached.")
            ended += 1
    return ended


@transaction.atomic
def pairing_cancel(*, pairing: Pairing, actor: Employee, reason: str) -> Pairing:
    """Either party or the mentee's manager calls it off (from proposed or active), with a reason."""
    p = _locked(pairing)
    _require_party(
        p,
        actor,
        {Party.MENTOR, Party.MENTEE, Party.MANAGER},
        f"Only the mentor, the mentee or {p.mentee.name}'s manager can cancel this pairing.",
    )
    _require_state(p, [State.PROPOSED, State.ACTIVE], "cancelled")
    text = _reason(reason, required=True)
    _move(
        p,
        to=State.CANCELLED,
        actor=actor,
        action="cancelled",
        reason=text,
        summary=f"{actor.name} cancelled {_title(p)}",
    )
    _tell(
        [p.mentee, p.mentor, _manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_cancelled",
        message=f"{actor.name} cancelled {_title(p)}: {text}",
        email_subject=f"Pairing cancelled: {p.mentee.name} and {p.mentor.name}",
    )
    _schedule_recompute(p, MatchRun.Trigger.AVAILABILITY)
    return p


@transaction.atomic
def pairing_extend(*, pairing: Pairing, actor: Employee, end_date: dt.date, reason: str) -> Pairing:
    """Push the end date out once, with a reason, within the organisation's maximum length."""
    p = _locked(pairing)
    _require_party(
        p,
        actor,
        {Party.MENTOR, Party.MENTEE, Party.MANAGER},
        f"Only the mentor, the mentee or {p.mentee.name}'s manager can extend this pairing.",
    )
    _require_state(p, [State.ACTIVE], "extended")
    if p.is_extended:
        raise ValidationError(
            {
                "end_date": f"This pairing was already extended once (from "
                f"{_day(p.original_end_date or p.end_date)}); it cannot be extended again."
            }
        )
    errors: dict[str, str] = {}
    max_weeks = p.organization.max_pairing_weeks
    latest = p.start_date + dt.timedelta(weeks=max_weeks)
    if not isinstance(end_date, dt.date):
        errors["end_date"] = "Enter the new end date."
    elif end_date <= p.end_date:
        errors["end_date"] = f"Choose a date after the current end date ({_day(p.end_date)})."
    elif end_date > latest:
        errors["end_date"] = (
            f"A pairing lasts at most {max_weeks} weeks: extend it to {_day(latest)} or earlier."
        )
    try:
        text = _reason(reason, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    before = p.end_date
    p.original_end_date, p.end_date, p.extension_reason = before, end_date, text
    p.save(update_fields=["original_end_date", "end_date", "extension_reason", "updated_at"])
    _record(
        p,
        actor=actor,
        action="extended",
        from_state=p.state,
        reason=text,
        summary=f"{actor.name} extended {_title(p)} to {_day(end_date)}",
        changes={"end_date": [before.isoformat(), end_date.isoformat()]},
    )
    _tell(
        [p.mentee, p.mentor, _manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_extended",
        message=f"{actor.name} extended {_title(p)} to {_day(end_date)}: {text}",
    )
    return p


# --- Closing the loop: re-assessment, confirmation, thanks ----------------------------------------


@transaction.atomic
def pairing_reassess(
    *, pairing: Pairing, actor: Employee, level: int, evidence: str = ""
) -> Pairing:
    """The mentee re-assesses the pairing's competency (a focused self-assessment)."""
    p = _locked(pairing)
    _require_party(p, actor, {Party.MENTEE}, "Only the mentee re-assesses at the end.")
    _require_state(p, [State.AWAITING_REVIEW], "re-assessed")
    if p.reassessed_at is not None:
        raise ValidationError(
            {
                "level": "You already re-assessed this competency; "
                f"{confirmer_label(p)} confirms it next."
            }
        )
    assessment_submit_focused(
        subject=p.mentee,
        assessor=actor,
        kind=Assessment.Kind.SELF,
        competency=p.competency,
        level=level,
        evidence=evidence,
    )
    p.reassessed_level, p.reassessed_at = level, timezone.now()
    p.save(update_fields=["reassessed_level", "reassessed_at", "updated_at"])
    _record(
        p,
        actor=actor,
        action="reassessed",
        from_state=p.state,
        reason=f"Re-assessed at level {level} (target {p.target_level}).",
        summary=f"{actor.name} re-assessed {p.competency.name} at level {level}",
        changes={"reassessed_level": [None, level]},
    )
    _tell(
        confirmers(p),
        actor=actor,
        pairing=p,
        kind="confirmation_due",
        message=(
            f"{p.mentee.name} re-assessed {p.competency.name} at level {level} after "
            f"{_title(p)}. Confirm the level they reached{_as_hr_note(p)}."
        ),
        email_subject=f"Confirm {p.mentee.name}'s level in {p.competency.name}",
    )
    return p


@transaction.atomic
def pairing_confirm(
    *, pairing: Pairing, actor: Employee, level: int, evidence: str = ""
) -> Pairing:
    """The mentee's manager confirms a level (a focused manager assessment): the skill profile
    updates, the outcome is achieved if the level reaches the target, the time to proficiency is
    recorded, and the gap's suggestions go at the next recompute. Without a manager to do it
    (see confirming_manager) an HR admin confirms; the mentee and the mentor never do."""
    p = _locked(pairing)
    roles = parties_of(p, actor)
    if not may_confirm(p, roles):
        raise PermissionDenied(_confirm_refusal(p, roles))
    _require_state(p, [State.AWAITING_REVIEW], "confirmed")
    if p.reassessed_at is None:
        raise ValidationError(
            {"level": f"Wait for {p.mentee.name}'s re-assessment before confirming."}
        )
    assessment_submit_focused(
        subject=p.mentee,
        assessor=actor,
        kind=Assessment.Kind.MANAGER,
        competency=p.competency,
        level=level,
        evidence=evidence,
        in_place_of_manager=confirming_manager(p) is None,
    )
    profile = SkillProfile.objects.get(
        organization_id=p.organization_id, employee_id=p.mentee_id, competency_id=p.competency_id
    )
    now = timezone.now()
    achieved = profile.effective_level >= p.target_level
    p.confirmed_level = level
    p.completed_at = now
    p.outcome = Pairing.Outcome.ACHIEVED if achieved else Pairing.Outcome.NOT_ACHIEVED
    if achieved and profile.first_gap_seen_at is not None:
        p.days_to_proficiency = max((now - profile.first_gap_seen_at).days, 0)
    outcome = "reached" if achieved else "did not reach"
    _move(
        p,
        to=State.COMPLETED,
        actor=actor,
        action="confirmed",
        reason=f"Confirmed at level {level}: {outcome} the target ({p.target_level}).",
        summary=f"{actor.name} confirmed {p.mentee.name} at level {level} in {p.competency.name}",
        fields=["confirmed_level", "completed_at", "outcome", "days_to_proficiency"],
    )
    _tell(
        [p.mentee, p.mentor],
        actor=actor,
        pairing=p,
        kind="pairing_completed",
        message=(
            f"{actor.name} confirmed {p.mentee.name} at level {level} in {p.competency.name}: "
            f"{outcome} the target. {_title(p)} is complete."
        ),
        email_subject=f"Pairing complete: {p.competency.name}",
    )
    _schedule_recompute(p, MatchRun.Trigger.ASSESSMENT)
    return p


@transaction.atomic
def pairing_thank(*, pairing: Pairing, actor: Employee, note: str) -> Pairing:
    """The mentee's thank-you note to the mentor, once the pairing is complete."""
    p = _locked(pairing)
    _require_party(p, actor, {Party.MENTEE}, "Only the mentee can thank the mentor.")
    _require_state(p, [State.COMPLETED], "thanked", "the mentor")
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": "Write a few words for your mentor."})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX:,} characters."})
    first = p.thanked_at is None
    p.thank_you_note, p.thanked_at = text, timezone.now()
    p.save(update_fields=["thank_you_note", "thanked_at", "updated_at"])
    _record(
        p,
        actor=actor,
        action="thanked",
        from_state=p.state,
        summary=f"{actor.name} thanked {p.mentor.name}",
    )
    if first:
        _tell(
            [p.mentor],
            actor=actor,
            pairing=p,
            kind="pairing_thanked",
            message=f"{p.mentee.name} thanked you: “{text}”",
        )
    return p


# --- Practice plan ------------------------------------------------------------------------------


def _plan_pairing(
    item_or_pairing: Pairing, actor: Employee, allowed: set[str], msg: str
) -> Pairing:
    p = _locked(item_or_pairing)
    _require_party(p, actor, allowed, msg)
    _require_state(p, [State.ACTIVE], "changed", "its plan")
    return p


def _plan_text(text: str) -> str:
    clean = (text or "").strip()
    if not clean:
        raise ValidationError({"text": "Describe what to practise."})
    if len(clean) > PLAN_TEXT_MAX:
        raise ValidationError({"text": f"Keep it under {PLAN_TEXT_MAX} characters."})
    return clean


def _item(p: Pairing, item: PlanItem) -> PlanItem:
    found = PlanItem.objects.filter(
        organization_id=p.organization_id, pairing=p, pk=item.pk
    ).first()
    if found is None:
        raise ValidationError({"item": "This plan item no longer exists."})
    return found


PARTIES = {Party.MENTOR, Party.MENTEE}
PARTIES_ONLY = "Only the mentor and the mentee can change the practice plan."


@transaction.atomic
def plan_item_add(*, pairing: Pairing, actor: Employee, text: str) -> PlanItem:
    p = _plan_pairing(pairing, actor, PARTIES, PARTIES_ONLY)
    clean = _plan_text(text)
    last = PlanItem.objects.filter(organization_id=p.organization_id, pairing=p).aggregate(
        m=Max("position")
    )["m"]
    item = PlanItem.objects.create(
        organization_id=p.organization_id,
        pairing=p,
        text=clean,
        source=PlanItem.Source.CUSTOM,
        position=(last + 1) if last is not None else 0,
        created_by=actor,
    )
    _audit_plan(p, actor, "plan_item_added", f"{actor.name} added “{clean}” to the plan")
    return item


@transaction.atomic
def plan_item_update(*, item: PlanItem, actor: Employee, text: str) -> PlanItem:
    p = _plan_pairing(item.pairing, actor, PARTIES, PARTIES_ONLY)
    found = _item(p, item)
    clean = _plan_text(text)
    if clean != found.text:
        before, found.text = found.text, clean
        found.save(update_fields=["text"])
        _audit_plan(p, actor, "plan_item_changed", f"{actor.name} changed “{before}” to “{clean}”")
    return found


@transaction.atomic
def plan_item_remove(*, item: PlanItem, actor: Employee) -> None:
    p = _plan_pairing(item.pairing, actor, PARTIES, PARTIES_ONLY)
    found = _item(p, item)
    found.delete()
    _audit_plan(p, actor, "plan_item_removed", f"{actor.name} removed “{found.text}”")


@transaction.atomic
def plan_item_tick(*, item: PlanItem, actor: Employee, done: bool) -> PlanItem:
    """The mentee marks an item done (or not done: that also withdraws the confirmation)."""
    p = _plan_pairing(
        item.pairing, actor, {Party.MENTEE}, "Only the mentee ticks items of the plan."
    )
    found = _item(p, item)
    if done and found.done_at is None:
        found.done_at = timezone.now()
    elif not done:
        found.done_at = found.confirmed_at = None
    found.save(update_fields=["done_at", "confirmed_at"])
    return found


@transaction.atomic
def plan_item_confirm(*, item: PlanItem, actor: Employee, confirmed: bool = True) -> PlanItem:
    """The mentor confirms an item the mentee ticked."""
    p = _plan_pairing(
        item.pairing, actor, {Party.MENTOR}, "Only the mentor confirms items of the plan."
    )
    found = _item(p, item)
    if confirmed and found.done_at is None:
        raise ValidationError(
            {"item": f"{p.mentee.name} has not ticked this item yet; confirm it once they have."}
        )
    found.confirmed_at = timezone.now() if confirmed else None
    found.save(update_fields=["confirmed_at"])
    return found


def _audit_plan(p: Pairing, actor: Employee, action: str, summary: str) -> None:
    audit_record(
        organization=p.organization,
        actor=actor,
        subject_type="pairing",
        subject_id=p.pk,
        action=action,
        summary=summary,
    )


# --- Check-ins ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInInput:
    date: dt.date
    notes: str = ""
    went_well: str = ""
    to_improve: str = ""
    why_it_matters: str = ""
    next_check_in: dt.date | None = None


def _clean_check_in(
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
        errors["date"] = f"The check-in cannot be before the pairing began ({_day(earliest)})."
    if data.next_check_in is not None:
        if not isinstance(data.next_check_in, dt.date):
            errors["next_check_in"] = "Enter a date for the next check-in."
        elif isinstance(data.date, dt.date) and data.next_check_in <= data.date:
            errors["next_check_in"] = "The next check-in must be after this one."
        elif data.next_check_in > latest:
            errors["next_check_in"] = (
                f"The next check-in cannot be after {_day(latest)}, when {ends}."
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


def _pairing_began(p: Pairing) -> dt.date:
    return min(p.start_date, timezone.localtime(p.created_at).date())


@transaction.atomic
def check_in_add(*, pairing: Pairing, actor: Employee, data: CheckInInput) -> CheckIn:
    """Log a check-in (mentor or mentee) with specific feedback and the next date."""
    p = _locked(pairing)
    _require_party(p, actor, PARTIES, "Only the mentor and the mentee log check-ins.")
    _require_state(p, [State.ACTIVE], "logged", "check-ins")
    fields = _clean_check_in(data, earliest=_pairing_began(p), latest=p.end_date)
    check_in = CheckIn.objects.create(
        organization_id=p.organization_id, pairing=p, author=actor, **fields
    )
    _audit_plan(p, actor, "check_in", f"{actor.name} logged a check-in on {_day(data.date)}")
    _tell(
        [p.mentee, p.mentor],
        actor=actor,
        pairing=p,
        kind="check_in",
        message=f"{actor.name} logged a check-in of {_title(p)}.",
    )
    return check_in


# --- Reflections --------------------------------------------------------------------------------


@transaction.atomic
def reflection_add(
    *,
    pairing: Pairing,
    actor: Employee,
    what_i_did: str,
    why: str = "",
    what_i_would_change: str = "",
    shared_with_mentor: bool = False,
) -> Reflection:
    """The mentee's reflection: private unless they share it with the mentor."""
    p = _locked(pairing)
    _require_party(p, actor, {Party.MENTEE}, "Only the mentee writes reflections.")
    _require_state(p, [State.ACTIVE, State.AWAITING_REVIEW], "written", "reflections")
    texts = {
        "what_i_did": (what_i_did or "").strip(),
        "why": (why or "").strip(),
        "what_i_would_change": (what_i_would_change or "").strip(),
    }
    errors = {k: f"Keep this under {REFLECTION_MAX:,} characters." for k, v in texts.items()}
    errors = {k: m for k, m in errors.items() if len(texts[k]) > REFLECTION_MAX}
    if not texts["what_i_did"]:
        errors["what_i_did"] = "Write what you did."
    if errors:
        raise ValidationError(errors)
    reflection = Reflection.objects.create(
        organization_id=p.organization_id,
        pairing=p,
        author=actor,
        shared_with_mentor=bool(shared_with_mentor),
        **texts,
    )
    if reflection.shared_with_mentor:
        _tell(
            [p.mentor],
            actor=actor,
            pairing=p,
            kind="reflection_shared",
            message=f"{actor.name} shared a reflection on {_title(p)}.",
        )
    return reflection


@transaction.atomic
def reflection_share(*, reflection: Reflection, actor: Employee, shared: bool) -> Reflection:
    """The mentee shows a reflection to the mentor, or hides it again."""
    found = (
        Reflection.objects.select_for_update(of=("self",))
        .select_related("pairing__mentee__user", "pairing__mentor__user", "pairing__competency")
        .filter(organization_id=reflection.organization_id, pk=reflection.pk)
        .first()
    )
    if found is None:
        raise ValidationError({"reflection": "This reflection no longer exists."})
    if actor.pk != found.author_id:
        raise PermissionDenied("Only the mentee who wrote it can share a reflection.")
    if found.shared_with_mentor != bool(shared):
        found.shared_with_mentor = bool(shared)
        found.save(update_fields=["shared_with_mentor", "updated_at"])
        if shared:
            p = found.pairing
            _tell(
                [p.mentor],
                actor=actor,
                pairing=p,
                kind="reflection_shared",
                message=f"{actor.name} shared a reflection on {_title(p)}.",
            )
    return found


# --- Cohorts ------------------------------------------------------------------------------------


@transaction.atomic
def cohort_create(
    *,
    organization: Organization,
    actor: Employee,
    mentor: Employee,
    competency: Competency,
    mentees: list[Employee],
    task: str,
    start_date: dt.date,
    end_date: dt.date,
    name: str = "",
) -> Cohort:
    """One mentor, several mentees on one competency: a proposed pairing for each, grouped.

    A manager groups their own reports; an HR admin anyone. The mentor needs a free slot for
    every mentee. All or nothing: if one pairing cannot be proposed, none is.
    """
    if actor.organization_id != organization.pk:
        raise PermissionDenied("You are not a member of this organisation.")
    unique = list({m.pk: m for m in mentees}.values())
    if not actor.is_hr_admin and any(m.manager_id != actor.pk for m in unique):
        raise PermissionDenied("Managers can group their own direct reports only.")
    errors: dict[str, str] = {}
    if len(unique) < 2:
        errors["mentees"] = "Choose at least two mentees for a cohort."
    if any(m.organization_id != organization.pk for m in unique):
        errors["mentees"] = "Choose people of this organisation."
    if mentor.organization_id != organization.pk:
        errors["mentor"] = "Choose a mentor of this organisation."
    if competency.organization_id != organization.pk:
        errors["competency"] = "Choose a competency of this organisation."
    label = (name or "").strip() or f"{competency.name} with {mentor.name}"
    if len(label) > COHORT_NAME_MAX:
        errors["name"] = f"Keep the name under {COHORT_NAME_MAX} characters."
    if errors:
        raise ValidationError(errors)
    # The lock serialises everyone pairing with this mentor (pairing_propose takes it again).
    locked = Employee.objects.select_for_update(of=("self",)).get(
        organization=organization, pk=mentor.pk
    )
    used = Pairing.objects.filter(
        organization=organization, mentor=locked, state__in=Pairing.LOAD_STATES
    ).count()
    free = max(locked.mentor_capacity - used, 0)
    if len(unique) > free:
        raise ValidationError(
            {
                "mentees": f"{mentor.name} has {free} free mentoring slot{'s' if free != 1 else ''}: "
                f"choose at most {free} mentee{'s' if free != 1 else ''}."
            }
        )
    cohort = Cohort.objects.create(
        organization=organization,
        name=label,
        mentor=locked,
        competency=competency,
        created_by=actor,
    )
    for mentee in unique:
        try:
            pairing = pairing_propose(
                mentee=mentee,
                mentor=locked,
                competency=competency,
                actor=actor,
                task=task,
                start_date=start_date,
                end_date=end_date,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and set(exc.error_dict) <= {
                "task",
                "start_date",
                "end_date",
            }:
                raise
            message = " ".join(exc.messages)
            if mentee.name not in message:  # say whose proposal was refused
                message = f"{mentee.name}: {message}"
            raise ValidationError({"mentees": message}) from exc
        pairing.cohort = cohort
        pairing.save(update_fields=["cohort", "updated_at"])
        pairing_notify_proposed(pairing=pairing)
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="cohort",
        subject_id=cohort.pk,
        action="created",
        summary=f"Grouped {len(unique)} mentees with {locked.name} in {competency.name}",
        changes={"mentee_ids": [None, [m.pk for m in unique]]},
    )
    return cohort


@transaction.atomic
def cohort_check_in(*, cohort: Cohort, actor: Employee, data: CheckInInput) -> list[CheckIn]:
    """The mentor's shared check-in: one copy on each of the cohort's active pairings."""
    if actor.organization_id != cohort.organization_id or actor.pk != cohort.mentor_id:
        raise PermissionDenied("Only the cohort's mentor logs a shared check-in.")
    pairings = list(
        Pairing.objects.select_for_update(of=("self",))
        .select_related("organization", "mentee__user", "mentor__user", "competency")
        .filter(organization_id=cohort.organization_id, cohort=cohort, state=State.ACTIVE)
        .order_by("pk")
    )
    if not pairings:
        raise ValidationError({"cohort": "No pairing of this cohort is active yet."})
    earliest = min(_pairing_began(p) for p in pairings)
    # One next date is copied onto every pairing, so it must fall within the shortest of them.
    fields = _clean_check_in(
        data,
        earliest=earliest,
        latest=min(p.end_date for p in pairings),
        ends=(
            "the pairing ends" if len(pairings) == 1 else "the first of the cohort's pairings ends"
        ),
    )
    created = CheckIn.objects.bulk_create(
        CheckIn(
            organization_id=cohort.organization_id,
            pairing=p,
            author=actor,
            cohort=cohort,
            **fields,
        )
        for p in pairings
    )
    for p in pairings:
        _audit_plan(p, actor, "check_in", f"{actor.name} logged a shared check-in of {cohort}")
        _tell(
            [p.mentee],
            actor=actor,
            pairing=p,
            kind="check_in",
            message=f"{actor.name} logged a shared check-in of the cohort {cohort.name}.",
        )
    return created


# --- People leaving -----------------------------------------------------------------------------


def on_employees_deactivated(
    *, organization: Organization, employee_ids: list[int], actor: Employee | None
) -> None:
    """Registered with mentorship's deactivation hooks (runs inside that transaction).

    Proposed pairings of someone who left are cancelled ("left the organisation"); running ones
    (active or awaiting review) are flagged to the mentee's manager to decide, or, when there is
    no active one, to whichever of the two stays (either can cancel).
    """
    ids = list(employee_ids)
    affected = list(
        Pairing.objects.filter(organization=organization)
        .filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids))
        .filter(state__in=[State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW])
        .values_list("pk", flat=True)
    )
    cancelled = False
    for pk in affected:
        p = _locked(Pairing(organization_id=organization.pk, pk=pk))
        gone = p.mentee if p.mentee_id in ids else p.mentor
        if p.state == State.PROPOSED:
            reason = f"{gone.name} left the organisation."
            _move(
                p,
                to=State.CANCELLED,
                actor=actor,
                action="cancelled",
                reason=reason,
                summary=f"{_title(p)} was cancelled: {reason}",
            )
            _tell(
                [p.mentee, p.mentor, _proposer(p)],
                actor=actor,
                pairing=p,
                kind="pairing_cancelled",
                message=f"{_title(p)} was cancelled: {reason}",
            )
            cancelled = True
        else:
            # The mentee's manager decides; without an active one, whoever of the two stays.
            manager = _manager_of_mentee(p)
            stays = p.mentor if gone.pk == p.mentee_id else p.mentee
            decides = manager if manager and manager.is_active and manager.pk not in ids else stays
            _tell(
                [decides],
                actor=actor,
                pairing=p,
                kind="pairing_flagged",
                message=(
                    f"{gone.name} left the organisation: {_title(p)} is "
                    f"{p.get_state_display().lower()}. Decide whether to cancel it or let it "
                    "finish."
                ),
                email_subject=f"{gone.name} left: a pairing needs your decision",
            )
    if cancelled:
        schedule_recompute(organization_id=organization.pk, trigger=MatchRun.Trigger.AVAILABILITY)


# --- Reminders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    pairing: Pairing
    kind: str
    due_date: dt.date
    recipients: list[Employee | None]
    message: str
    subject: str


def _claim(p: Pairing, kind: str, due_date: dt.date) -> bool:
    """Take the reminder's unique row; False if it was already sent (or is being sent)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                organization_id=p.organization_id, pairing=p, kind=kind, due_date=due_date
            )
    except IntegrityError:
        return False
    return True


def _reminders_due(organization: Organization, now: dt.datetime) -> list[_Due]:
    today = timezone.localdate(now)
    days = mentor_response_days(organization_id=organization.pk)
    pairings = list(
        Pairing.objects.filter(
            organization=organization,
            state__in=[State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW],
            mentee__is_active=True,
            mentor__is_active=True,
        )
        .select_related(
            "organization", "mentee__user", "mentee__manager__user", "mentor__user", "competency"
        )
        .annotate(last_check_in=Max("check_ins__date"))
        .order_by("pk")
    )
    due: list[_Due] = []
    hr_admins: list[Employee] | None = None  # loaded once, if a pairing needs them
    for p in pairings:
        title = _title(p)
        if p.state == State.PROPOSED:
            deadline = response_deadline(p, response_days=days)
            if deadline - dt.timedelta(days=RESPONSE_REMINDER_DAYS) <= now < deadline:
                day = timezone.localtime(deadline).date()
                due.append(
                    _Due(
                        p,
                        ReminderSent.Kind.RESPONSE_PENDING,
                        day,
                        [p.mentor],
                        f"Please answer by {_day(day)}: will you mentor {p.mentee.name} in "
                        f"{p.competency.name}? Without an answer the proposal expires.",
                        f"Reminder: will you mentor {p.mentee.name}?",
                    )
                )
        elif p.state == State.ACTIVE:
            since = max(
                d
                for d in (
                    getattr(p, "last_check_in", None),
                    timezone.localtime(p.accepted_at).date() if p.accepted_at else None,
                    p.start_date,
                )
                if d is not None
            )
            if since <= today - dt.timedelta(days=CHECK_IN_GAP_DAYS):
                day = since + dt.timedelta(days=CHECK_IN_GAP_DAYS)
                due.append(
                    _Due(
                        p,
                        ReminderSent.Kind.CHECK_IN_DUE,
                        day,
                        [p.mentee, p.mentor],
                        f"No check-in of {title} since {_day(since)}: meet and log what went "
                        "well, what to improve and why it matters.",
                        f"Time for a check-in: {p.competency.name}",
                    )
                )
            if p.end_date - dt.timedelta(days=ENDING_REMINDER_DAYS) <= today < p.end_date:
                due.append(
                    _Due(
                        p,
                        ReminderSent.Kind.ENDING_SOON,
                        p.end_date,
                        [p.mentee, p.mentor],
                        f"{title} ends on {_day(p.end_date)}. Wrap up the task; the mentee then "
                        "re-assesses the competency.",
                        f"Ending on {_day(p.end_date)}: {p.competency.name}",
                    )
                )
        elif p.state == State.AWAITING_REVIEW:
            if p.reassessed_at is None and p.finished_at is not None:
                day = timezone.localtime(p.finished_at).date() + dt.timedelta(
                    days=REVIEW_REMINDER_DAYS
                )
                if day <= today:
                    due.append(
                        _Due(
                            p,
                            ReminderSent.Kind.REASSESSMENT_DUE,
                            day,
                            [p.mentee],
                            f"{title} is waiting for your re-assessment of {p.competency.name}.",
                            f"Reminder: re-assess {p.competency.name}",
                        )
                    )
            elif p.reassessed_at is not None:
                day = timezone.localtime(p.reassessed_at).date() + dt.timedelta(
                    days=REVIEW_REMINDER_DAYS
                )
                if day <= today:
                    if confirming_manager(p) is None and hr_admins is None:
                        hr_admins = hr_admins_of(organization.pk)
                    due.append(
                        _Due(
                            p,
                            ReminderSent.Kind.CONFIRMATION_DUE,
                            day,
                            list(confirmers(p, hr_admins=hr_admins)),
                            f"{p.mentee.name} re-assessed {p.competency.name}: please confirm "
                            f"the level they reached{_as_hr_note(p)}.",
                            f"Reminder: confirm {p.mentee.name}'s level",
                        )
                    )
    return due


def pairing_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Send the reminders due today (e-mail with a link, and in the app); how many were sent.

    Each is claimed with its unique ReminderSent row before it goes out, so running this twice
    (or on two workers at once) never sends the same reminder twice.
    """
    now = now or timezone.now()
    sent = 0
    for item in _reminders_due(organization, now):
        with transaction.atomic():
            if not _claim(item.pairing, item.kind, item.due_date):
                continue
            _tell(
                item.recipients,
                actor=None,
                pairing=item.pairing,
                kind=item.kind,
                message=item.message,
                email_subject=item.subject,
            )
        sent += 1
    return sent


@dataclass(frozen=True)
class DailyResult:
    expired: int
    ended: int
    reminded: int


def pairings_daily(*, organization: Organization, now: dt.datetime | None = None) -> DailyResult:
    """The daily pass over an organisation's pairings: expire, end, remind. Safe to repeat."""
    now = now or timezone.now()
    return DailyResult(
        expired=pairings_expire_due(organization=organization, now=now),
        ended=pairings_end_due(organization=organization, today=timezone.localdate(now)),
        reminded=pairing_reminders_send(organization=organization, now=now),
    )
