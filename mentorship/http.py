"""The typed request every tenant view can rely on (resolved by TenantMiddleware)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from mentorship.models import Employee, Organization, User


class TenantRequest(HttpRequest):
    organization: Organization
    employee: Employee
    user: User
    htmx: HtmxDetails
