"""Platform tasks of the tenancy core."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from mentorship.imports import services as imports
from mentorship.models import Organization, PeopleImport


@shared_task(name="mentorship.ping")
def ping(token: str) -> dict[str, str]:
    """Round-trip check for the worker: echoes the token with the worker's clock.

    Used by `manage.py check_worker` and the worker test to prove a real worker is consuming.
    """
    return {"token": token, "at": timezone.now().isoformat()}


@shared_task(name=imports.PEOPLE_IMPORT_TASK)
def people_import_run(import_id: int) -> dict[str, object]:
    """Apply a confirmed people CSV import (see `imports.people_import_apply`); safe to run twice."""
    with scopes_disabled():
        # The import's own organisation, to work in its scope; nothing else is read unscoped.
        organization = Organization.objects.filter(
            pk__in=PeopleImport.objects.filter(pk=import_id).values("organization_id")
        ).first()
    people_import = None
    if organization is not None:
        with scope(organization=organization):
            people_import = imports.people_import_apply(
                organization=organization, import_id=import_id
            )
    if people_import is None:
        return {"import": import_id, "status": "skipped"}
    return {"import": import_id, "status": people_import.status, **people_import.counts}
