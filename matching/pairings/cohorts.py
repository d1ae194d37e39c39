"""Group mentoring: one mentor, several mentees on one competency, and the mentor's shared
check-in."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from competencies.models import Competency
from matching.models import CheckIn, Cohort, Pairing
from matching.pairings.recording import audit_pairing, tell
from matching.pairings.rules import (
    COHORT_NAME_MAX,
    CheckInInput,
    State,
    clean_check_in,
    pairing_began,
)
from matching.pairings.services import pairing_notify_proposed, pairing_propose
from mentorship.audit import audit_record
from mentorship.models import Employee, Organization


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
    earliest = min(pairing_began(p) for p in pairings)
    # One next date is copied onto every pairing, so it must fall within the shortest of them.
    fields = clean_check_in(
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
        audit_pairing(p, actor, "check_in", f"{actor.name} logged a shared check-in of {cohort}")
        tell(
            [p.mentee],
            actor=actor,
            pairing=p,
            kind="check_in",
            message=f"{actor.name} logged a shared check-in of the cohort {cohort.name}.",
        )
    return created
