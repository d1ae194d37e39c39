"""Reads of the tenancy core. Every query on tenant data names the organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django_scopes import scopes_disabled

from mentorship.models import AuditEntry, Department, Employee, Organization, User


def membership_for_user(*, user: User, org_slug: str) -> Employee | None:
    """The signed-in user's active membership of the organisation with this slug, if any.

    This is how a tenant is resolved, so it runs before any scope exists; it is confined by the
    user instead (a person only ever finds their own memberships).
    """
    with scopes_disabled():
        # How many organisations the user can work in, so the navbar offers switching only
        # when there is somewhere to switch to.
        active_memberships = (
            Employee.objects.filter(user=OuterRef("user"), is_active=True)
            .order_by()
            .values("user")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            Employee.objects.select_related("organization", "user", "department", "role")
            .filter(user=user, organization__slug=org_slug, is_active=True)
            .annotate(
                membership_count=Coalesce(
                    Subquery(active_memberships, output_field=IntegerField()), Value(0)
                )
            )
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


def employee_list(
    *,
    organization: Organization,
    search: str = "",
    department_id: int | None = None,
    manager_id: int | None = None,
    role_id: int | None = None,
    active: bool | None = True,
) -> QuerySet[Employee]:
    """People of the organisation, filtered; every word of `search` must match a name, e-mail,
    job title or HR system id."""
    people = Employee.objects.filter(organization=organization).select_related(
        "user", "department", "role", "manager__user"
    )
    for term in search.split():
        people = people.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
            | Q(job_title__icontains=term)
            | Q(external_id__icontains=term)
        )
    if department_id is not None:
        people = people.filter(department_id=department_id)
    if manager_id is not None:
        people = people.filter(manager_id=manager_id)
    if role_id is not None:
        people = people.filter(role_id=role_id)
    if active is not None:
        people = people.filter(is_active=active)
    return people.order_by("user__last_name", "user__first_name", "id")


def people_counts(*, organization: Organization) -> dict[str, int]:
    """Head-counts for the people page: active, deactivated and HR admins."""
    return Employee.objects.filter(organization=organization).aggregate(
        active=Count("id", filter=Q(is_active=True)),
        inactive=Count("id", filter=Q(is_active=False)),
        hr_admins=Count("id", filter=Q(is_active=True, is_hr_admin=True)),
    )


def employee_reports(*, employee: Employee) -> QuerySet[Employee]:
    """A person's active direct reports."""
    return (
        Employee.objects.filter(
            organization_id=employee.organization_id, manager=employee, is_active=True
        )
        .select_related("user", "department", "role")
        .order_by("user__last_name", "user__first_name", "id")
    )


def managers_for_choice(*, organization: Organization) -> QuerySet[Employee]:
    """Everyone who can be chosen as a manager: the organisation's active people."""
    return (
        Employee.objects.filter(organization=organization, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


def department_list(*, organization: Organization) -> QuerySet[Department]:
    """Departments with their parent and active head-count."""
    return (
        Department.objects.filter(organization=organization)
        .select_related("parent")
        .annotate(people_count=Count("employees", filter=Q(employees__is_active=True)))
        .order_by("name")
    )


@dataclass
class OrgNode:
    """One person in the org chart, with their direct reports below them."""

    employee: Employee
    reports: list[OrgNode] = field(default_factory=list)
    subtree_size: int = 1  # this person and everyone below them

    @property
    def team_size(self) -> int:
        """Everyone below this person, directly or not."""
        return self.subtree_size - 1


def org_chart(*, organization: Organization) -> list[OrgNode]:
    """The active people as a forest: roots are people without an active manager.

    Built from one query; loops (which the services refuse) would simply not be reachable.
    """
    people = list(
        Employee.objects.filter(organization=organization, is_active=True)
        .select_related("user", "department", "role")
        .order_by("user__last_name", "user__first_name", "id")
    )
    nodes = {person.pk: OrgNode(employee=person) for person in people}
    roots: list[OrgNode] = []
    for person in people:
        parent = nodes.get(person.manager_id) if person.manager_id else None
        if parent is None:
            roots.append(nodes[person.pk])
        else:
            parent.reports.append(nodes[person.pk])
    # Sizes bottom-up without recursion: a pre-order walk reversed visits children first.
    order: list[OrgNode] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(node.reports)
    for node in reversed(order):
        node.subtree_size = 1 + sum(child.subtree_size for child in node.reports)
    return roots
