"""How every change of a pairing is written down and told: the locked re-read, the timeline
event and audit entry, the notifications, and the claim that sends a message only once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from matching.models import Pairing, PairingEvent, ReminderSent
from matching.pairings.rules import pairing_url
from mentorship.audit import audit_record
from mentorship.models import Employee
from mentorship.notifications.services import notify


def locked_pairing(pairing: Pairing) -> Pairing:
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


def record_event(
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


def move_to(
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
    return record_event(
        pairing, actor=actor, action=action, from_state=before, reason=reason, summary=summary
    )


def tell(
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


def audit_pairing(p: Pairing, actor: Employee, action: str, summary: str) -> None:
    audit_record(
        organization=p.organization,
        actor=actor,
        subject_type="pairing",
        subject_id=p.pk,
        action=action,
        summary=summary,
    )


def claim_reminder(p: Pairing, kind: str, due_date: dt.date) -> bool:
    """Take the reminder's unique row; False if it was already sent (or is being sent)."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(
                organization_id=p.organization_id, pairing=p, kind=kind, due_date=due_date
            )
    except IntegrityError:
        return False
    return True
