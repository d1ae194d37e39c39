"""Reminders and the daily pass over an organisation's pairings (expire, end, remind)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from matching.pairings.recording import claim_reminder, tell
from matching.pairings.selectors import reminders_due
from matching.pairings.services import pairings_end_due, pairings_expire_due
from mentorship.models import Organization


def pairing_reminders_send(*, organization: Organization, now: dt.datetime | None = None) -> int:
    """Send the reminders due today (e-mail with a link, and in the app); how many were sent.

    Each is claimed with its unique ReminderSent row before it goes out, so running this twice
    (or on two workers at once) never sends the same reminder twice.
    """
    now = now or timezone.now()
    sent = 0
    for item in reminders_due(organization, now):
        with transaction.atomic():
            if not claim_reminder(item.pairing, item.kind, item.due_date):
                continue
            tell(
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
