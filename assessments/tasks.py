"""Periodic work of the assessments layer. Tasks take ids, load what they need and call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_scopes import scope

from assessments.services import assessment_reminders_send
from mentorship.models import Organization


@shared_task(name="assessments.tasks.send_assessment_reminders")
def send_assessment_reminders() -> int:
    """Daily: queue the overdue-request reminders of every organisation, one task each."""
    organization_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    for organization_id in organization_ids:
        send_organization_assessment_reminders.delay(organization_id)
    return len(organization_ids)


@shared_task(name="assessments.tasks.send_organization_assessment_reminders")
def send_organization_assessment_reminders(organization_id: int) -> int:
    """One reminder per overdue, unfinished request recipient; safe to run twice (the service
    claims each recipient before e-mailing)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    with scope(organization=organization):
        return assessment_reminders_send(organization=organization, today=timezone.localdate())
