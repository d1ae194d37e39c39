"""Writes of the pairing lifecycle: proposing (with the mentor's notification), the mentor's
answer and expiry, ending (finish, end date reached, cancel, extend), and closing the loop
(re-assessment, the confirmation, thanks).

Every transition locks the pairing row, checks who is acting (PermissionDenied) and from which
state (ValidationError with a clear message), writes a PairingEvent for the timeline and an audit
entry, and tells the people concerned. Nothing is half-written: each service is one transaction.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment, SkillProfile
from assessments.services import assessment_submit_focused
from competencies.models import Competency, LevelBehaviour, ProficiencyLevel
from matching.models import MatchRun, MatchSuggestion, Pairing, PlanItem, ReminderSent
from matching.pairings.recording import claim_reminder, locked_pairing, move_to, record_event, tell
from matching.pairings.rules import (
    NOTE_MAX,
    Party,
    State,
    as_hr_note,
    behaviour_lines,
    check_can_decide,
    check_gap,
    check_mentor,
    clean_pairing_input,
    clean_reason,
    confirm_refusal,
    confirmer_label,
    confirmers,
    confirming_manager,
    day_label,
    manager_of_mentee,
    may_confirm,
    mentor_response_days,
    pairing_title,
    parties_of,
    proposer_of,
    require_party,
    require_state,
    response_deadline,
)
from matching.recompute import schedule_recompute
from mentorship.audit import audit_record
from mentorship.dates import date_out_of_range
from mentorship.models import Employee, Organization

# --- Proposing ----------------------------------------------------------------------------------


def pairing_create(
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
    """Propose a pairing after every check (call inside a transaction: the mentor's row is
    locked until it ends), record it and tell the mentor."""
    org = mentee.organization
    text = clean_pairing_input(
        organization=org, task=task, start_date=start_date, end_date=end_date
    )
    baseline, target = check_gap(mentee=mentee, competency=competency)
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
    check_mentor(mentor=mentor, mentee=mentee, competency=competency, target=target)
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
    pairing_notify_proposed(pairing=pairing)
    return pairing


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
    check_can_decide(actor=actor, mentee=mentee)
    if mentor.organization_id != mentee.organization_id:
        raise ValidationError({"mentor": "Choose a mentor of this organisation."})
    return pairing_create(
        mentee=mentee,
        mentor_id=mentor.pk,
        competency=competency,
        actor=actor,
        task=task,
        start_date=start_date,
        end_date=end_date,
        suggestion=None,
    )


def pairing_notify_proposed(*, pairing: Pairing) -> None:
    """Tell the mentor they were proposed, by e-mail with a link, with the answer deadline.

    Once per pairing, however many callers ask (cohorts call it; so may the proposal services).
    """
    if not claim_reminder(
        pairing, ReminderSent.Kind.PROPOSED, timezone.localtime(pairing.created_at).date()
    ):
        return
    days = mentor_response_days(organization_id=pairing.organization_id)
    deadline = timezone.localtime(response_deadline(pairing, response_days=days)).date()
    tell(
        [pairing.mentor],
        actor=None,
        pairing=pairing,
        kind="pairing_proposed",
        message=(
            f"You were proposed as {pairing.mentee.name}'s mentor in {pairing.competency.name} "
            f"({day_label(pairing.start_date)} – {day_label(pairing.end_date)}). Accept or decline by "
            f"{day_label(deadline)}."
        ),
        email_subject=f"Will you mentor {pairing.mentee.name} in {pairing.competency.name}?",
    )


def _schedule_recompute(pairing: Pairing, trigger: str) -> None:
    schedule_recompute(organization_id=pairing.organization_id, trigger=trigger)


# --- The mentor's answer and expiry --------------------------------------------------------------


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
    lines = behaviour_lines(description or "")
    if not lines:
        source = PlanItem.Source.SCALE
        step = ProficiencyLevel.objects.filter(
            organization_id=pairing.organization_id, level=pairing.target_level
        ).first()
        name = step.name if step else f"level {pairing.target_level}"
        detail = behaviour_lines(step.description if step else "")
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
    p = locked_pairing(pairing)
    require_party(p, actor, {Party.MENTOR}, "Only the mentor can accept this pairing.")
    require_state(p, [State.PROPOSED], "accepted")
    days = mentor_response_days(organization_id=p.organization_id)
    deadline = response_deadline(p, response_days=days)
    if timezone.now() >= deadline:
        raise ValidationError(
            {
                "state": f"This proposal expired on {day_label(timezone.localtime(deadline).date())}: "
                f"it was not answered within {days} days. Ask {p.mentee.name}'s manager to "
                "propose it again."
            }
        )
    if not p.mentee.is_active:
        raise ValidationError({"mentee": f"{p.mentee.name} is no longer active."})
    p.accepted_at = timezone.now()
    move_to(
        p,
        to=State.ACTIVE,
        actor=actor,
        action="accepted",
        summary=f"{actor.name} accepted to mentor {p.mentee.name} in {p.competency.name}",
        fields=["accepted_at"],
    )
    _seed_plan(p, actor)
    tell(
        [p.mentee, proposer_of(p)],
        actor=actor,
        pairing=p,
        kind="pairing_accepted",
        message=f"{p.mentor.name} accepted: {pairing_title(p)} is active from {day_label(p.start_date)}.",
        email_subject=f"{p.mentor.name} will mentor {p.mentee.name} in {p.competency.name}",
    )
    return p


@transaction.atomic
def pairing_decline(*, pairing: Pairing, actor: Employee, reason: str) -> Pairing:
    """The mentor says no, with a reason; the slot frees and the gap gets suggestions again."""
    p = locked_pairing(pairing)
    require_party(p, actor, {Party.MENTOR}, "Only the mentor can decline this pairing.")
    require_state(p, [State.PROPOSED], "declined")
    text = clean_reason(reason, required=True)
    move_to(
        p,
        to=State.DECLINED,
        actor=actor,
        action="declined",
        reason=text,
        summary=f"{actor.name} declined to mentor {p.mentee.name} in {p.competency.name}",
    )
    tell(
        [proposer_of(p), p.mentee],
        actor=actor,
        pairing=p,
        kind="pairing_declined",
        message=f"{p.mentor.name} declined {pairing_title(p)}: {text}",
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
            p = locked_pairing(Pairing(organization_id=organization.pk, pk=pk))
            if p.state != State.PROPOSED:
                continue
            reason = f"The mentor did not answer within {days} days."
            move_to(
                p,
                to=State.EXPIRED,
                actor=None,
                action="expired",
                reason=reason,
                summary=f"The proposal of {p.mentor.name} as {p.mentee.name}'s mentor expired",
            )
            tell(
                [proposer_of(p), p.mentor],
                actor=None,
                pairing=p,
                kind="pairing_expired",
                message=f"{pairing_title(p)} expired: {reason}",
            )
            _schedule_recompute(p, MatchRun.Trigger.AVAILABILITY)
            expired += 1
    return expired


# --- Ending: finish, end date reached, cancel, extend -------------------------------------------


def _to_review(p: Pairing, *, actor: Employee | None, action: str, reason: str) -> None:
    p.finished_at = timezone.now()
    who = actor.name if actor else "The end date"
    move_to(
        p,
        to=State.AWAITING_REVIEW,
        actor=actor,
        action=action,
        reason=reason,
        summary=f"{who} moved {pairing_title(p)} to review",
        fields=["finished_at"],
    )
    tell(
        [p.mentee],
        actor=actor,
        pairing=p,
        kind="reassessment_due",
        message=(
            f"{pairing_title(p)} is over. Re-assess yourself in {p.competency.name}; then "
            f"{confirmer_label(p)} confirms the level."
        ),
        email_subject=f"Time to re-assess {p.competency.name}",
    )
    tell(
        [p.mentor, manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_finished",
        message=f"{pairing_title(p)} is awaiting review.",
    )


@transaction.atomic
def pairing_finish(*, pairing: Pairing, actor: Employee, reason: str = "") -> Pairing:
    """Finish early (mentor or mentee): this counts as finished, not cancelled."""
    p = locked_pairing(pairing)
    require_party(
        p, actor, {Party.MENTOR, Party.MENTEE}, "Only the mentor or the mentee can finish it."
    )
    require_state(p, [State.ACTIVE], "finished")
    text = clean_reason(reason, required=False)
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
            p = locked_pairing(Pairing(organization_id=organization.pk, pk=pk))
            if p.state != State.ACTIVE or p.end_date > today:
                continue
            _to_review(p, actor=None, action="ended", reason="The end date was reached.")
            ended += 1
    return ended


@transaction.atomic
def pairing_cancel(*, pairing: Pairing, actor: Employee, reason: str) -> Pairing:
    """Either party or the mentee's manager calls it off (from proposed or active), with a reason."""
    p = locked_pairing(pairing)
    require_party(
        p,
        actor,
        {Party.MENTOR, Party.MENTEE, Party.MANAGER},
        f"Only the mentor, the mentee or {p.mentee.name}'s manager can cancel this pairing.",
    )
    require_state(p, [State.PROPOSED, State.ACTIVE], "cancelled")
    text = clean_reason(reason, required=True)
    move_to(
        p,
        to=State.CANCELLED,
        actor=actor,
        action="cancelled",
        reason=text,
        summary=f"{actor.name} cancelled {pairing_title(p)}",
    )
    tell(
        [p.mentee, p.mentor, manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_cancelled",
        message=f"{actor.name} cancelled {pairing_title(p)}: {text}",
        email_subject=f"Pairing cancelled: {p.mentee.name} and {p.mentor.name}",
    )
    _schedule_recompute(p, MatchRun.Trigger.AVAILABILITY)
    return p


@transaction.atomic
def pairing_extend(*, pairing: Pairing, actor: Employee, end_date: dt.date, reason: str) -> Pairing:
    """Push the end date out once, with a reason, within the organisation's maximum length."""
    p = locked_pairing(pairing)
    require_party(
        p,
        actor,
        {Party.MENTOR, Party.MENTEE, Party.MANAGER},
        f"Only the mentor, the mentee or {p.mentee.name}'s manager can extend this pairing.",
    )
    require_state(p, [State.ACTIVE], "extended")
    if p.is_extended:
        raise ValidationError(
            {
                "end_date": f"This pairing was already extended once (from "
                f"{day_label(p.original_end_date or p.end_date)}); it cannot be extended again."
            }
        )
    errors: dict[str, str] = {}
    max_weeks = p.organization.max_pairing_weeks
    latest = p.start_date + dt.timedelta(weeks=max_weeks)
    if not isinstance(end_date, dt.date):
        errors["end_date"] = "Enter the new end date."
    elif message := date_out_of_range(end_date):
        errors["end_date"] = message
    elif end_date <= p.end_date:
        errors["end_date"] = f"Choose a date after the current end date ({day_label(p.end_date)})."
    elif end_date > latest:
        errors["end_date"] = (
            f"A pairing lasts at most {max_weeks} weeks: extend it to {day_label(latest)} or earlier."
        )
    try:
        text = clean_reason(reason, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    before = p.end_date
    p.original_end_date, p.end_date, p.extension_reason = before, end_date, text
    p.save(update_fields=["original_end_date", "end_date", "extension_reason", "updated_at"])
    record_event(
        p,
        actor=actor,
        action="extended",
        from_state=p.state,
        reason=text,
        summary=f"{actor.name} extended {pairing_title(p)} to {day_label(end_date)}",
        changes={"end_date": [before.isoformat(), end_date.isoformat()]},
    )
    tell(
        [p.mentee, p.mentor, manager_of_mentee(p)],
        actor=actor,
        pairing=p,
        kind="pairing_extended",
        message=f"{actor.name} extended {pairing_title(p)} to {day_label(end_date)}: {text}",
    )
    return p


# --- Closing the loop: re-assessment, confirmation, thanks ----------------------------------------


@transaction.atomic
def pairing_reassess(
    *, pairing: Pairing, actor: Employee, level: int, evidence: str = ""
) -> Pairing:
    """The mentee re-assesses the pairing's competency (a focused self-assessment)."""
    p = locked_pairing(pairing)
    require_party(p, actor, {Party.MENTEE}, "Only the mentee re-assesses at the end.")
    require_state(p, [State.AWAITING_REVIEW], "re-assessed")
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
    record_event(
        p,
        actor=actor,
        action="reassessed",
        from_state=p.state,
        reason=f"Re-assessed at level {level} (target {p.target_level}).",
        summary=f"{actor.name} re-assessed {p.competency.name} at level {level}",
        changes={"reassessed_level": [None, level]},
    )
    tell(
        confirmers(p),
        actor=actor,
        pairing=p,
        kind="confirmation_due",
        message=(
            f"{p.mentee.name} re-assessed {p.competency.name} at level {level} after "
            f"{pairing_title(p)}. Confirm the level they reached{as_hr_note(p)}."
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
    p = locked_pairing(pairing)
    roles = parties_of(p, actor)
    if not may_confirm(p, roles):
        raise PermissionDenied(confirm_refusal(p, roles))
    require_state(p, [State.AWAITING_REVIEW], "confirmed")
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
    move_to(
        p,
        to=State.COMPLETED,
        actor=actor,
        action="confirmed",
        reason=f"Confirmed at level {level}: {outcome} the target ({p.target_level}).",
        summary=f"{actor.name} confirmed {p.mentee.name} at level {level} in {p.competency.name}",
        fields=["confirmed_level", "completed_at", "outcome", "days_to_proficiency"],
    )
    tell(
        [p.mentee, p.mentor],
        actor=actor,
        pairing=p,
        kind="pairing_completed",
        message=(
            f"{actor.name} confirmed {p.mentee.name} at level {level} in {p.competency.name}: "
            f"{outcome} the target. {pairing_title(p)} is complete."
        ),
        email_subject=f"Pairing complete: {p.competency.name}",
    )
    _schedule_recompute(p, MatchRun.Trigger.ASSESSMENT)
    return p


@transaction.atomic
def pairing_thank(*, pairing: Pairing, actor: Employee, note: str) -> Pairing:
    """The mentee's thank-you note to the mentor, once the pairing is complete."""
    p = locked_pairing(pairing)
    require_party(p, actor, {Party.MENTEE}, "Only the mentee can thank the mentor.")
    require_state(p, [State.COMPLETED], "thanked", "the mentor")
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": "Write a few words for your mentor."})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": f"Keep the note under {NOTE_MAX:,} characters."})
    first = p.thanked_at is None
    p.thank_you_note, p.thanked_at = text, timezone.now()
    p.save(update_fields=["thank_you_note", "thanked_at", "updated_at"])
    record_event(
        p,
        actor=actor,
        action="thanked",
        from_state=p.state,
        summary=f"{actor.name} thanked {p.mentor.name}",
    )
    if first:
        tell(
            [p.mentor],
            actor=actor,
            pairing=p,
            kind="pairing_thanked",
            message=f"{p.mentee.name} thanked you: “{text}”",
        )
    return p
