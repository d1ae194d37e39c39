"""Reads of the tenancy core. Every query on tenant data names the organisation."""

from __future__ import annotations

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from mentorship.models import AuditEntry, Employee, Organization, User


def membership_for_user(*, user: User, org_slug: str) -> Employee | None:
    """The signed-in user's active membership of the organisation with this slug, if any.

    This is how a tenant is resolved, so it runs before any scope exists; it is confined by the
    user instead (a person only ever finds their own memberships).
    """
    with scopes_disabled():
        return (
            Employee.objects.select_related("organization", "user", "department", "role")
            .filter(user=user, organization__slug=org_slug, is_active=True)
            .first()
        )


def memberships_for_user(*, user: User) -> list[Employee]:
    """All active memberships of a user, across organisations, for the organisation switcher."""
    with scopes_disabled():
        return list(
            Employee.objects.select_related("organization")
            .filter(user=user, is_active=True)
            .order_by("organization__name")
        )


def audit_history(
    *, organization: Organization, subject_type: str, subject_id: int, limit: int = 50
) -> QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(
            organization=organization, subject_type=subject_type, subject_id=subject_id
        )
        .select_related("actor__user")
        .order_by("-created_at", "-id")[:limit]
    )


def dashboard_summary(*, employee: Employee) -> dict[str, object]:
    """What a member's home page shows: their place in the org and, for HR, the head-counts."""
    org = employee.organization
    reports = list(
        Employee.objects.filter(organization=org, manager=employee, is_active=True).select_related(
            "user", "role", "department"
        )
    )
    summary: dict[str, object] = {"reports": reports}
    if employee.is_hr_admin:
        summary["people_count"] = Employee.objects.filter(organization=org, is_active=True).count()
    return summary
