"""Recompute tasks: the periodic fan-out, the per-organisation recompute and its debounce.

Tasks take ids, load what they need and call one service; running one twice is harmless (the
recompute is single-flight per organisation and writes only what changed).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from matching.models import MatchRun, RecomputeState
from matching.pairings.reminders import pairings_daily
from matching.recompute import recompute_organization
from mentorship.models import Organization


@shared_task(
    name="matching.tasks.recompute_organization",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def recompute_organization_task(organization_id: int, trigger: str) -> int | None:
    """Recompute one organisation's suggestions; the id of the run, None if another run had it."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return None
    with scope(organization=organization):
        # Changes arriving from now on need a new run: this one may have read before them.
        RecomputeState.objects.filter(
            organization=organization, scheduled_for__isnull=False
        ).update(scheduled_for=None)
        run = recompute_organization(organization_id=organization.pk, trigger=trigger)
    return run.pk if run is not None else None


@shared_task(name="matching.tasks.recompute_due_organizations")
def recompute_due_organizations() -> int:
    """Every minute: one recompute task per organisation whose interval has passed since its
    last run (or that asked for a rerun nobody did). Returns how many were queued."""
    now = timezone.now()
    with scopes_disabled():
        last_run = dict(
            MatchRun.objects.order_by()
            .values_list("organization_id")
            .annotate(last=Max(Coalesce("finished_at", "started_at")))
        )
        waiting = set(
            RecomputeState.objects.filter(rerun_requested=True, running_since__isnull=True)
            .order_by()
            .values_list("organization_id", flat=True)
        )
        organizations = list(
            Organization.objects.order_by("pk").values_list("pk", "recompute_interval_minutes")
        )
    due = [
        pk
        for pk, interval in organizations
        if pk in waiting
        or pk not in last_run
        or last_run[pk] <= now - dt.timedelta(minutes=interval)
    ]
    for pk in due:
        recompute_organization_task.delay(pk, MatchRun.Trigger.SCHEDULE)
    return len(due)


# --- Pairings: expiry, end dates and reminders ------------------------------------------------


@shared_task(name="matching.tasks.pairings_daily")
def pairings_daily_task(organization_id: int) -> dict[str, int]:
    """One organisation's daily pass: expire unanswered proposals, move pairings whose end date
    has come to review, send the reminders due. Idempotent: each reminder is claimed once."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {"expired": 0, "ended": 0, "reminded": 0}
    with scope(organization=organization):
        result = pairings_daily(organization=organization)
    return {"expired": result.expired, "ended": result.ended, "reminded": result.reminded}


@shared_task(name="matching.tasks.pairings_daily_all")
def pairings_daily_all() -> int:
    """Daily beat: one pairings task per organisation. Returns how many were queued."""
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for pk in organization_ids:
        pairings_daily_task.delay(pk)
    return len(organization_ids)
