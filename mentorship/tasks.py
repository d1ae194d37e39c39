"""Platform tasks of the tenancy core."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="mentorship.ping")
def ping(token: str) -> dict[str, str]:
    """Round-trip check for the worker: echoes the token with the worker's clock.

    Used by `manage.py check_worker` and the worker test to prove a real worker is consuming.
    """
    return {"token": token, "at": timezone.now().isoformat()}
