"""Writes to the tenancy core: organisations, people (memberships) and departments.

Every function validates its input and raises `ValidationError({field: message})` with a message a
person can act on; nothing is written unless everything is valid. Every change is audited.
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import connection, transaction
from django.db.models import Field, Model
from django.db.models.functions import Lower
from django.utils import timezone
from django_scopes import scopes_disabled
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from mentorship.audit import audit_record, diff_fields
from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.models import ApiClient, AuditEntry, Department, Employee, Organization, User
from mentorship.oauth import audit_via

if TYPE_CHECKING:
    from competencies.models import Role

T = TypeVar("T")

MIN_MENTOR_CAPACITY = 0
MAX_MENTOR_CAPACITY = 10

EMPLOYEE_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "job_title",
        "department",
        "manager",
        "role",
        "external_id",
        "time_zone",
        "is_hr_admin",
        "mentor_available",
        "mentor_capacity",
        "is_active",
    }
)
USER_FIELDS = ("email", "first_name", "last_name")
DEPARTMENT_FIELDS = frozenset({"name", "code", "parent"})
API_CLIENT_NAME_MAX = 100

# Higher layers (the competency model seeds a proficiency scale, for instance) register here what a
# new organisation needs; the tenancy core never imports them.
organization_created_hooks: list[Callable[[Organization], object]] = []


class EmployeesDeactivatedHook(Protocol):
    def __call__(
        self, *, organization: Organization, employee_ids: list[int], actor: Employee | None
    ) -> object: ...


# Higher layers react to people leaving (matching ends their pairings, for instance). Called inside
# the deactivating transaction, once per call with every deactivated id (one id from
# employee_deactivate, many from employees_bulk_upsert); defer side effects with on_commit.
employee_deactivated_hooks: list[EmployeesDeactivatedHook] = []


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[str]:
    return sorted(_time_zones())


# --- Organisations ------------------------------------------------------------------------------


@transaction.atomic
def organization_create(*, name: str, slug: str) -> Organization:
    name, slug = name.strip(), slug.strip().lower()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Enter the organisation's name."
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = "Use only lowercase letters, numbers, hyphens and underscores."
    else:
        if Organization.objects.filter(slug__iexact=slug).exists():
            errors["slug"] = f"The address “{slug}” is already taken."
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.create(name=name, slug=slug)
    for hook in organization_created_hooks:
        hook(organization)
    audit_record(
        organization=organization,
        actor=None,
        subject_type="organization",
        subject_id=organization.pk,
        action="created",
        summary=f"Created organisation {name}",
    )
    return organization


# --- People -------------------------------------------------------------------------------------


def _label(value: Any) -> Any:
    """A JSON-friendly, human-readable form of a field value for the audit log."""
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _snapshot(employee: Employee, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        source: Any = employee.user if field in USER_FIELDS else employee
        values[field] = _label(getattr(source, field))
    return values


def _find_cycle(parents: Mapping[int, int | None], node: int, new_parent: int) -> list[int] | None:
    """The chain node → new_parent → ... → node if linking them would close a loop, else None."""
    path = [node]
    seen = {node}
    current: int | None = new_parent
    while current is not None:
        path.append(current)
        if current == node:
            return path
        if current in seen:
            return None  # an older loop elsewhere in the chain; not one this change creates
        seen.add(current)
        current = parents.get(current)
    return None


def _manager_error(*, employee: Employee, manager: Employee | None) -> str | None:
    if manager is None:
        return None
    if manager.organization_id != employee.organization_id:
        return f"{manager.name} is not in this organisation."
    if manager.pk == employee.pk:
        return "A person cannot be their own manager."
    if not manager.is_active:
        return f"{manager.name} has been deactivated; choose an active manager."
    parents = dict(
        Employee.objects.filter(organization_id=employee.organization_id).values_list(
            "id", "manager_id"
        )
    )
    cycle = _find_cycle(parents, employee.pk, manager.pk)
    if cycle is None:
        return None
    names = {
        e.pk: e.name
        for e in Employee.objects.filter(
            organization_id=employee.organization_id, pk__in=cycle
        ).select_related("user")
    }
    chain = " → ".join(names.get(pk, "?") for pk in cycle)
    return f"Making {manager.name} the manager of {employee.name} would create a cycle: {chain}."


def _validate_employee_fields(
    *, organization: Organization, fields: dict[str, Any], employee: Employee | None
) -> dict[str, str]:
    """Field errors for the given employee fields (everything but the manager's place in the chain)."""
    errors: dict[str, str] = {}
    if "email" in fields:
        email = fields["email"]
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "Enter a valid e-mail address."
        else:
            existing = User.objects.filter(email__iexact=email).first()
            if employee is None:
                if (
                    existing is not None
                    and Employee.objects.filter(organization=organization, user=existing).exists()
                ):
                    errors["email"] = f"{email} is already a member of this organisation."
            elif existing is not None and existing.pk != employee.user_id:
                errors["email"] = f"Another account already uses {email}."
    if "first_name" in fields and not fields["first_name"]:
        errors["first_name"] = "Enter the person's first name."
    department = fields.get("department")
    if department is not None and department.organization_id != organization.pk:
        errors["department"] = f"Department “{department.name}” is not in this organisation."
    manager = fields.get("manager")
    if manager is not None and manager.organization_id != organization.pk:
        errors["manager"] = f"{manager.name} is not in this organisation."
    role = fields.get("role")
    current_role_id = employee.role_id if employee is not None else None
    if role is not None:
        if role.organization_id != organization.pk:
            errors["role"] = f"Role “{role.name}” is not in this organisation."
        elif role.archived_at is not None and role.pk != current_role_id:
            errors["role"] = f"Role “{role.name}” is archived; choose a current role."
    external_id = fields.get("external_id")
    if external_id:
        taken = Employee.objects.filter(organization=organization, external_id=external_id)
        if employee is not None:
            taken = taken.exclude(pk=employee.pk)
        if taken.exists():
            errors["external_id"] = f"Another person already has the HR system id “{external_id}”."
    if "time_zone" in fields and fields["time_zone"] not in _time_zones():
        errors["time_zone"] = (
            f"“{fields['time_zone']}” is not a known time zone (e.g. Europe/Paris)."
        )
    if "mentor_capacity" in fields:
        capacity = fields["mentor_capacity"]
        if (
            not isinstance(capacity, int)
            or isinstance(capacity, bool)
            or not MIN_MENTOR_CAPACITY <= capacity <= MAX_MENTOR_CAPACITY
        ):
            errors["mentor_capacity"] = (
                f"Mentor capacity must be a whole number from {MIN_MENTOR_CAPACITY} "
                f"to {MAX_MENTOR_CAPACITY}."
            )
    return errors


def _clean_text(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for key in ("email", "first_name", "last_name", "job_title", "external_id", "time_zone"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    if "email" in cleaned:
        cleaned["email"] = cleaned["email"].lower()
    return cleaned


def _other_hr_admins(employee: Employee) -> bool:
    return (
        Employee.objects.filter(
            organization_id=employee.organization_id, is_hr_admin=True, is_active=True
        )
        .exclude(pk=employee.pk)
        .exists()
    )


@unique_conflicts_as_validation_errors
@transaction.atomic
def employee_create(
    *,
    organization: Organization,
    actor: Employee | None,
    email: str,
    first_name: str,
    last_name: str,
    job_title: str = "",
    department: Department | None = None,
    manager: Employee | None = None,
    role: Role | None = None,
    external_id: str = "",
    time_zone: str = "UTC",
    is_hr_admin: bool = False,
    mentor_available: bool = True,
    mentor_capacity: int = 2,
) -> Employee:
    """Add a person to the organisation, reusing their account if they already have one elsewhere.

    A new account gets an unusable password: the person sets one through password reset.
    """
    fields = _clean_text(
        {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "job_title": job_title,
            "department": department,
            "manager": manager,
            "role": role,
            "external_id": external_id,
            "time_zone": time_zone,
            "mentor_capacity": mentor_capacity,
        }
    )
    errors = _validate_employee_fields(organization=organization, fields=fields, employee=None)
    if manager is not None and "manager" not in errors and not manager.is_active:
        errors["manager"] = f"{manager.name} has been deactivated; choose an active manager."
    if errors:
        raise ValidationError(errors)

    user = User.objects.filter(email__iexact=fields["email"]).first()
    if user is None:
        user = User.objects.create_user(
            fields["email"], None, first_name=fields["first_name"], last_name=fields["last_name"]
        )
    elif not (user.first_name or user.last_name):
        user.first_name, user.last_name = fields["first_name"], fields["last_name"]
        user.save(update_fields=["first_name", "last_name"])

    employee = Employee.objects.create(
        organization=organization,
        user=user,
        job_title=fields["job_title"],
        department=department,
        manager=manager,
        role=role,
        external_id=fields["external_id"],
        time_zone=fields["time_zone"],
        is_hr_admin=is_hr_admin,
        mentor_available=mentor_available,
        mentor_capacity=mentor_capacity,
    )
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="employee",
        subject_id=employee.pk,
        action="created",
        summary=f"Added {employee.name} ({user.email})",
        changes={k: _label(v) for k, v in fields.items()} | {"is_hr_admin": is_hr_admin},
    )
    return employee


@unique_conflicts_as_validation_errors
@transaction.atomic
def employee_update(*, employee: Employee, actor: Employee | None, **fields: Any) -> Employee:
    """Change any of the fields `employee_create` takes (and `is_active`).

    E-mail and names belong to the person's account, so they change in every organisation.
    """
    unknown = set(fields) - EMPLOYEE_FIELDS
    if unknown:
        raise TypeError(f"employee_update() got unexpected fields: {', '.join(sorted(unknown))}")
    organization = employee.organization
    fields = _clean_text(fields)
    errors = _validate_employee_fields(organization=organization, fields=fields, employee=employee)
    if "manager" in fields and "manager" not in errors and fields["manager"] != employee.manager:
        message = _manager_error(employee=employee, manager=fields["manager"])
        if message:
            errors["manager"] = message
    losing_last_hr_admin = (
        fields.get("is_hr_admin") is False
        and employee.is_hr_admin
        and employee.is_active
        and not _other_hr_admins(employee)
    )
    if losing_last_hr_admin:
        errors["is_hr_admin"] = "The organisation needs at least one HR admin."
    if errors:
        raise ValidationError(errors)

    is_active = fields.pop("is_active", None)
    before = _snapshot(employee, fields)
    user_fields = [f for f in USER_FIELDS if f in fields]
    for field in user_fields:
        setattr(employee.user, field, fields[field])
    employee_fields = [f for f in fields if f not in USER_FIELDS]
    for field in employee_fields:
        setattr(employee, field, fields[field])
    changes = diff_fields(before, _snapshot(employee, fields))
    if changes:
        if user_fields:
            employee.user.save(update_fields=user_fields)
        if employee_fields:
            employee.save(update_fields=[*employee_fields, "updated_at"])
        audit_record(
            organization=organization,
            actor=actor,
            subject_type="employee",
            subject_id=employee.pk,
            action="updated",
            summary=f"Updated {employee.name}: {', '.join(f.replace('_', ' ') for f in changes)}",
            changes=changes,
        )
    if is_active is True and not employee.is_active:
        employee_reactivate(employee=employee, actor=actor)
    elif is_active is False and employee.is_active:
        employee_deactivate(employee=employee, actor=actor)
    return employee


@transaction.atomic
def employee_set_manager(
    *, employee: Employee, actor: Employee | None, manager: Employee | None
) -> Employee:
    """Place a person under a manager (or at the top of the chart with None)."""
    if manager == employee.manager:
        return employee
    message = _manager_error(employee=employee, manager=manager)
    if message:
        raise ValidationError({"manager": message})
    previous = employee.manager
    employee.manager = manager
    employee.save(update_fields=["manager", "updated_at"])
    audit_record(
        organization=employee.organization,
        actor=actor,
        subject_type="employee",
        subject_id=employee.pk,
        action="manager_changed",
        summary=f"{employee.name} now reports to {manager.name if manager else 'nobody'}",
        changes={"manager": [_label(previous), _label(manager)]},
    )
    return employee


def _first_active_manager(employee: Employee) -> Employee | None:
    """The nearest active person above `employee` in the chart, if any."""
    chain = {
        pk: (manager_id, is_active)
        for pk, manager_id, is_active in Employee.objects.filter(
            organization_id=employee.organization_id
        ).values_list("id", "manager_id", "is_active")
    }
    current, seen = employee.manager_id, {employee.pk}
    while current is not None and current not in seen:
        manager_id, is_active = chain.get(current, (None, False))
        if is_active:
            return Employee.objects.select_related("user").get(
                organization_id=employee.organization_id, pk=current
            )
        seen.add(current)
        current = manager_id
    return None


@transaction.atomic
def employee_deactivate(*, employee: Employee, actor: Employee | None) -> Employee:
    """End a membership: their reports move up to their manager, and if this was the person's
    last active membership, every session they have ends."""
    if not employee.is_active:
        return employee
    if actor is not None and actor.pk == employee.pk:
        raise ValidationError({"is_active": "You cannot deactivate yourself."})
    if employee.is_hr_admin and not _other_hr_admins(employee):
        raise ValidationError(
            {"is_active": "This is the last active HR admin; make someone else HR admin first."}
        )
    organization = employee.organization
    new_manager = _first_active_manager(employee)
    reports = list(
        Employee.objects.filter(organization=organization, manager=employee).select_related("user")
    )
    for report in reports:
        report.manager = new_manager
        report.save(update_fields=["manager", "updated_at"])
        audit_record(
            organization=organization,
            actor=actor,
            subject_type="employee",
            subject_id=report.pk,
            action="manager_changed",
            summary=(
                f"{report.name} now reports to {new_manager.name if new_manager else 'nobody'} "
                f"because {employee.name} was deactivated"
            ),
            changes={"manager": [_label(employee), _label(new_manager)]},
        )
    employee.is_active = False
    employee.save(update_fields=["is_active", "updated_at"])
    ended = _end_sessions_of_departed([employee.user_id])
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="employee",
        subject_id=employee.pk,
        action="deactivated",
        summary=f"Deactivated {employee.name}",
        changes={
            "is_active": [True, False],
            "reports_moved": [r.pk for r in reports],
            "sessions_ended": ended,
        },
    )
    for hook in employee_deactivated_hooks:
        hook(organization=organization, employee_ids=[employee.pk], actor=actor)
    return employee


@transaction.atomic
def employee_reactivate(*, employee: Employee, actor: Employee | None) -> Employee:
    if employee.is_active:
        return employee
    employee.is_active = True
    fields = ["is_active", "updated_at"]
    if (
        employee.manager_id
        and not Employee.objects.filter(
            organization_id=employee.organization_id, pk=employee.manager_id, is_active=True
        ).exists()
    ):
        # Their old manager has left too; HR places them again from the top of the chart.
        employee.manager = None
        fields.append("manager")
    employee.save(update_fields=fields)
    audit_record(
        organization=employee.organization,
        actor=actor,
        subject_type="employee",
        subject_id=employee.pk,
        action="reactivated",
        summary=f"Reactivated {employee.name}",
        changes={"is_active": [False, True]},
    )
    return employee


# --- Departments --------------------------------------------------------------------------------


def _validate_department_fields(
    *, organization: Organization, fields: dict[str, Any], department: Department | None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = Department.objects.filter(organization=organization)
    if department is not None:
        others = others.exclude(pk=department.pk)
    if "name" in fields:
        if not fields["name"]:
            errors["name"] = "Enter the department's name."
        elif others.filter(name__iexact=fields["name"]).exists():
            errors["name"] = f"There is already a department called “{fields['name']}”."
    if "code" in fields:
        if not fields["code"]:
            errors["code"] = "Enter a short code (e.g. ENG)."
        elif others.filter(code__iexact=fields["code"]).exists():
            errors["code"] = f"Another department already uses the code “{fields['code']}”."
    parent = fields.get("parent")
    if parent is not None:
        if parent.organization_id != organization.pk:
            errors["parent"] = f"Department “{parent.name}” is not in this organisation."
        elif department is not None and parent.pk == department.pk:
            errors["parent"] = "A department cannot be its own parent."
        elif department is not None:
            parents = dict(
                Department.objects.filter(organization=organization).values_list("id", "parent_id")
            )
            cycle = _find_cycle(parents, department.pk, parent.pk)
            if cycle is not None:
                names = dict(
                    Department.objects.filter(organization=organization, pk__in=cycle).values_list(
                        "id", "name"
                    )
                )
                chain = " → ".join(names.get(pk, "?") for pk in cycle)
                errors["parent"] = (
                    f"Putting {department.name} under {parent.name} would create a cycle: {chain}."
                )
    return errors


def _clean_department(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    for key in ("name", "code"):
        if key in cleaned:
            cleaned[key] = (cleaned[key] or "").strip()
    return cleaned


@unique_conflicts_as_validation_errors
@transaction.atomic
def department_create(
    *,
    organization: Organization,
    actor: Employee | None,
    name: str,
    code: str,
    parent: Department | None = None,
) -> Department:
    fields = _clean_department({"name": name, "code": code, "parent": parent})
    errors = _validate_department_fields(organization=organization, fields=fields, department=None)
    if errors:
        raise ValidationError(errors)
    department = Department.objects.create(
        organization=organization, name=fields["name"], code=fields["code"], parent=parent
    )
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="department",
        subject_id=department.pk,
        action="created",
        summary=f"Created department {department.name} ({department.code})",
        changes={"name": department.name, "code": department.code, "parent": _label(parent)},
    )
    return department


@unique_conflicts_as_validation_errors
@transaction.atomic
def department_update(
    *, department: Department, actor: Employee | None, **fields: Any
) -> Department:
    unknown = set(fields) - DEPARTMENT_FIELDS
    if unknown:
        raise TypeError(f"department_update() got unexpected fields: {', '.join(sorted(unknown))}")
    organization = department.organization
    fields = _clean_department(fields)
    errors = _validate_department_fields(
        organization=organization, fields=fields, department=department
    )
    if errors:
        raise ValidationError(errors)
    before = {f: _label(getattr(department, f)) for f in fields}
    for field, value in fields.items():
        setattr(department, field, value)
    changes = diff_fields(before, {f: _label(getattr(department, f)) for f in fields})
    if changes:
        department.save(update_fields=list(fields))
        audit_record(
            organization=organization,
            actor=actor,
            subject_type="department",
            subject_id=department.pk,
            action="updated",
            summary=f"Updated department {department.name}: {', '.join(changes)}",
            changes=changes,
        )
    return department


# --- API clients (OAuth2 client credentials for HR systems) -------------------------------------


def _api_client_audit(client: ApiClient, actor: Employee | None, action: str, summary: str) -> None:
    audit_record(
        organization=client.organization,
        actor=actor,
        subject_type="api_client",
        subject_id=client.pk,
        action=action,
        summary=summary,
        changes={"name": client.name, "scopes": client.scopes, "client_id": client.client_id},
    )


def _api_client_end_tokens(client: ApiClient) -> None:
    get_access_token_model().objects.filter(application=client).delete()
    get_refresh_token_model().objects.filter(application=client).delete()


@transaction.atomic
def api_client_create(
    *, organization: Organization, actor: Employee | None, name: str, scopes: str
) -> tuple[ApiClient, str]:
    """A new client for an HR system; returns it with its secret, which is stored only hashed
    (show it once)."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Name the client after the system that will use it (e.g. Workday)."
    elif len(name) > API_CLIENT_NAME_MAX:
        errors["name"] = f"Use at most {API_CLIENT_NAME_MAX} characters."
    elif ApiClient.objects.filter(
        organization=organization, name__iexact=name, revoked_at__isnull=True
    ).exists():
        errors["name"] = f"There is already an active client called “{name}”."
    if scopes not in ApiClient.Scopes.values:
        errors["scopes"] = "Choose read, write, or read and write."
    if errors:
        raise ValidationError(errors)
    secret = generate_client_secret()
    client = ApiClient.objects.create(
        organization=organization,
        name=name,
        scopes=scopes,
        created_by=actor,
        client_type=ApiClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    _api_client_audit(client, actor, "created", f"Created API client {name} ({scopes})")
    return client, secret


@transaction.atomic
def api_client_rotate(*, client: ApiClient, actor: Employee | None) -> tuple[ApiClient, str]:
    """A new secret for the client (show it once); the old secret and every token end now."""
    if client.is_revoked:
        raise ValidationError({"client": "This client has been revoked; create a new one."})
    secret = generate_client_secret()
    client.client_secret = secret
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["client_secret", "secret_rotated_at", "updated"])
    _api_client_end_tokens(client)
    _api_client_audit(client, actor, "rotated", f"Rotated the secret of API client {client.name}")
    return client, secret


@transaction.atomic
def api_client_revoke(*, client: ApiClient, actor: Employee | None) -> ApiClient:
    """Stop the client at once: its tokens are deleted and it can get no new ones."""
    if client.is_revoked:
        return client
    client.revoked_at = timezone.now()
    # Forget the secret too, so that nothing can authenticate as this client again.
    client.client_secret = generate_client_secret()
    client.save(update_fields=["revoked_at", "client_secret", "updated"])
    _api_client_end_tokens(client)
    _api_client_audit(client, actor, "revoked", f"Revoked API client {client.name}")
    return client


# --- Bulk upserts by HR system keys (API and CSV import) ----------------------------------------
#
# Rows are validated all together first; any bad row means nothing is written and every bad row is
# reported. Writes then use bulk queries, so their number grows with the number of batches, not
# with the number of rows.

BULK_MAX_ROWS = 20_000
BULK_BATCH_SIZE = 500
NON_FIELD = "non_field_errors"
EMPLOYEE_ROW_FIELDS = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "department_code",
    "manager_external_id",
    "role_code",
    "time_zone",
    "is_hr_admin",
    "mentor_available",
    "mentor_capacity",
    "active",
)
DEPARTMENT_ROW_FIELDS = ("code", "name", "parent_code")
ROLE_ROW_FIELDS = ("code", "name", "family", "description")
_TEXT_LIMITS = {
    "external_id": 100,
    "email": 254,
    "first_name": 150,
    "last_name": 150,
    "job_title": 200,
    "department_code": 50,
    "manager_external_id": 100,
    "role_code": 50,
    "time_zone": 64,
    "code": 50,
    "name": 200,
    "parent_code": 50,
    "family": 120,
    "description": 5000,
}
_BOOLEAN_FIELDS = ("is_hr_admin", "mentor_available", "active")
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})


@dataclass(frozen=True)
class BulkResult:
    """What a bulk upsert did (or, for a dry run, would do).

    Every row is exactly one of created, updated or unchanged; deactivated and reactivated count
    the updated rows whose `active` flipped.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class BulkValidationError(ValidationError):
    """Some rows are invalid, so nothing was written.

    `errors` lists every bad row as `{"index": i, <key field>: value, "errors": {field: [msgs]}}`
    (index counts from 0 in the order given); `key` names the payload ("employees",
    "departments" or "roles").
    """

    def __init__(self, errors: list[dict[str, Any]], *, key: str) -> None:
        self.errors = errors
        self.key = key
        super().__init__(
            [
                f"Row {e['index']}: "
                + "; ".join(f"{f}: {' '.join(m)}" for f, m in e["errors"].items())
                for e in errors
            ]
        )


@dataclass
class _Row:
    index: int
    key: str
    given: dict[str, Any]
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        messages = self.errors.setdefault(name, [])
        if message not in messages:
            messages.append(message)


def _chunks(items: Sequence[T], size: int = BULK_BATCH_SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_INVALID = object()


def _as_text(value: object) -> str | object:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _INVALID


def _as_bool(value: object) -> bool | object | None:
    """True/False from JSON booleans or CSV words; None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        if not word:
            return None
    return _INVALID


def _as_capacity(value: object) -> int | object | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return _INVALID
    if not MIN_MENTOR_CAPACITY <= number <= MAX_MENTOR_CAPACITY:
        return _INVALID
    return number


def _clean_row(index: int, raw: object, *, fields: Sequence[str], key: str) -> _Row:
    """Types, lengths and words checked; `given` holds the cleaned value of each key present."""
    if not isinstance(raw, Mapping):
        row = _Row(index, "", {})
        row.error(NON_FIELD, f"Each row must be an object with a {key}.")
        return row
    given: dict[str, Any] = {}
    row = _Row(index, "", given)
    for name, value in raw.items():
        if name not in fields:
            row.error(str(name), "Unknown field.")
        elif name in _BOOLEAN_FIELDS:
            flag = _as_bool(value)
            if flag is _INVALID:
                row.error(name, "Enter true or false.")
            elif flag is not None:
                given[name] = flag
        elif name == "mentor_capacity":
            capacity = _as_capacity(value)
            if capacity is _INVALID:
                row.error(
                    name,
                    f"Mentor capacity must be a whole number from {MIN_MENTOR_CAPACITY} "
                    f"to {MAX_MENTOR_CAPACITY}.",
                )
            elif capacity is not None:
                given[name] = capacity
        else:
            text = _as_text(value)
            if not isinstance(text, str):
                row.error(name, "Enter text.")
            elif "\x00" in text:
                row.error(name, "Null characters are not allowed.")
            elif len(text) > _TEXT_LIMITS[name]:
                row.error(name, f"Use at most {_TEXT_LIMITS[name]} characters.")
            else:
                given[name] = text
    row.key = str(given.get(key, ""))
    if not row.key and key not in row.errors:
        row.error(key, f"Each row needs a {key}.")
    return row


def _flag_duplicates(rows: list[_Row], name: str, value: Callable[[_Row], str]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        seen = value(row)
        if not seen:
            continue
        if seen in first:
            row.error(
                name,
                f"“{seen}” appears more than once in this payload (first at index {first[seen]}).",
            )
        else:
            first[seen] = row.index


def _raise_row_errors(rows: list[_Row], *, key: str, key_field: str) -> None:
    bad = [
        {"index": row.index, key_field: row.key or None, "errors": row.errors}
        for row in rows
        if row.errors
    ]
    if bad:
        raise BulkValidationError(bad, key=key)


def _check_row_count(rows: Sequence[object]) -> None:
    if len(rows) > BULK_MAX_ROWS:
        raise ValidationError({"rows": f"Send at most {BULK_MAX_ROWS:,} rows at once."})


def _find_cycles(parent: Mapping[int, int | None], starts: Iterable[int]) -> list[list[int]]:
    """Each loop reachable from `starts` in a graph where every node has at most one parent."""
    walk_of: dict[int, int] = {}
    cycles: list[list[int]] = []
    for start in starts:
        if start in walk_of:
            continue
        path: list[int] = []
        node: int | None = start
        while node is not None and node not in walk_of:
            walk_of[node] = start
            path.append(node)
            node = parent.get(node)
        if node is not None and walk_of[node] == start:
            cycles.append(path[path.index(node) :])
    return cycles


def _new_audit_entry(
    organization: Organization,
    actor: Employee | None,
    subject_type: str,
    subject_id: int,
    action: str,
    summary: str,
    changes: dict[str, Any],
    now: datetime,
) -> AuditEntry:
    via = audit_via()
    return AuditEntry(
        organization=organization,
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        summary=summary[:500],
        changes={**changes, "via": via} if via else changes,
        created_at=now,
    )


def _audit_sync(
    *,
    organization: Organization,
    actor: Employee | None,
    entries: list[AuditEntry],
    what: str,
    result: BulkResult,
    rows: int,
    now: datetime,
) -> None:
    """The per-object entries plus one for the organisation summing the sync up."""
    counts = {k: v for k, v in result.as_dict().items() if v and k != "unchanged"}
    if not entries and not counts:
        return
    summary = ", ".join(f"{v:,} {k}" for k, v in counts.items()) or "nothing changed"
    entries.append(
        _new_audit_entry(
            organization,
            actor,
            "organization",
            organization.pk,
            f"{what}_synced",
            f"Synchronised {what} ({rows:,} rows): {summary}",
            result.as_dict(),
            now,
        )
    )
    AuditEntry.objects.bulk_create(entries, batch_size=BULK_BATCH_SIZE)


# --- People --------------------------------------------------------------------------------------


@dataclass
class _Member:
    """An existing membership, as much of it as validating a sync needs."""

    pk: int
    external_id: str
    manager_id: int | None
    is_active: bool
    is_hr_admin: bool
    role_id: int | None
    user_id: int
    email: str
    name: str


def _members(organization: Organization) -> list[_Member]:
    rows = Employee.objects.filter(organization=organization).values_list(
        "id",
        "external_id",
        "manager_id",
        "is_active",
        "is_hr_admin",
        "role_id",
        "user_id",
        "user__email",
        "user__first_name",
        "user__last_name",
    )
    return [
        _Member(
            pk,
            ext,
            manager_id,
            active,
            admin,
            role_id,
            user_id,
            email.lower(),
            f"{first} {last}".strip(),
        )
        for pk, ext, manager_id, active, admin, role_id, user_id, email, first, last in rows
    ]


def _users_by_email(emails: set[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(emails)):
        users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        for user in users:
            found[user.email.lower()] = user
    return found


def _role_model() -> type[Role]:
    return cast("type[Role]", Employee._meta.get_field("role").related_model)


@dataclass
class _Plan:
    """The validated outcome of a people sync, before anything is written."""

    rows: list[_Row]
    member_of_row: list[_Member | None]
    node_of_row: list[int]
    parent: dict[int, int | None]
    active: dict[int, bool]
    explicit: set[int]
    deactivated: set[int]
    reactivated: set[int]
    users: dict[str, User]
    department_ids: list[int | None]
    role_ids: list[int | None]
    labels: dict[int, str]
    department_names: dict[int, str]
    role_names: dict[int, str]

    def label(self, node: int | None) -> str | None:
        return None if node is None else self.labels.get(node, "?")


def _plan_people(*, organization: Organization, actor: Employee | None, rows: list[_Row]) -> _Plan:
    _flag_duplicates(rows, "external_id", lambda r: r.key)
    _flag_duplicates(rows, "email", lambda r: str(r.given.get("email", "")).lower())
    members = _members(organization)
    by_ext = {m.external_id: m for m in members if m.external_id}
    by_email = {m.email: m for m in members}
    departments = {
        code.lower(): (pk, name)
        for pk, code, name in Department.objects.filter(organization=organization).values_list(
            "id", "code", "name"
        )
    }
    roles = {
        code.lower(): (pk, name, archived_at)
        for pk, code, name, archived_at in _role_model()
        .objects.filter(organization=organization)
        .exclude(code="")
        .values_list("id", "code", "name", "archived_at")
    }

    # Who each row is: the member with its HR id, else an unclaimed member with its e-mail.
    member_of_row: list[_Member | None] = []
    for row in rows:
        if NON_FIELD in row.errors:  # not even an object: nothing else to say about it
            member_of_row.append(None)
            continue
        email = row.given.get("email", "")
        member = by_ext.get(row.key) if row.key else None
        if member is None and email:
            match = by_email.get(email.lower())
            if match is not None and match.external_id:
                row.error(
                    "email",
                    f"{email} is already a member of this organisation, with the HR system id "
                    f"“{match.external_id}”.",
                )
            elif match is not None:
                member = match
        if member is None:
            if not email:
                row.error("email", "Enter the person's e-mail address.")
            if not row.given.get("first_name"):
                row.error("first_name", "Enter the person's first name.")
        elif "email" in row.given and not email:
            row.error("email", "Enter a valid e-mail address.")
        elif "first_name" in row.given and not row.given["first_name"]:
            row.error("first_name", "Enter the person's first name.")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.error("email", "Enter a valid e-mail address.")
        if "time_zone" in row.given:
            if not row.given["time_zone"]:
                del row.given["time_zone"]
            elif row.given["time_zone"] not in _time_zones():
                row.error(
                    "time_zone",
                    f"“{row.given['time_zone']}” is not a known time zone (e.g. Europe/Paris).",
                )
        member_of_row.append(member)

    emails = {
        str(row.given["email"]).lower()
        for row, member in zip(rows, member_of_row, strict=True)
        if row.given.get("email")
        and (member is None or str(row.given["email"]).lower() != member.email)
    }
    users = _users_by_email(emails)
    for row, member in zip(rows, member_of_row, strict=True):
        email = str(row.given.get("email", "")).lower()
        if member is not None and email and email != member.email:
            other = users.get(email)
            if other is not None and other.pk != member.user_id:
                row.error("email", f"Another account already uses {email}.")

    # Department and role by code; a blank code clears them.
    department_ids: list[int | None] = []
    role_ids: list[int | None] = []
    for row, member in zip(rows, member_of_row, strict=True):
        department_id: int | None = None
        code = row.given.get("department_code")
        if code:
            found = departments.get(code.lower())
            if found is None:
                row.error("department_code", f"No department has the code “{code}”.")
            else:
                department_id = found[0]
        department_ids.append(department_id)
        role_id: int | None = None
        code = row.given.get("role_code")
        if code:
            role = roles.get(code.lower())
            if role is None:
                row.error("role_code", f"No role has the code “{code}”.")
            elif role[2] is not None and (member is None or member.role_id != role[0]):
                row.error("role_code", f"Role “{role[1]}” is archived; choose a current role.")
            else:
                role_id = role[0]
        role_ids.append(role_id)

    # The org chart as it would be: existing people by id, new rows by negative numbers.
    parent: dict[int, int | None] = {m.pk: m.manager_id for m in members}
    active: dict[int, bool] = {m.pk: m.is_active for m in members}
    admin: dict[int, bool] = {m.pk: m.is_hr_admin for m in members}
    labels: dict[int, str] = {m.pk: m.name or m.email for m in members}
    node_of_row: list[int] = []
    node_of_ext: dict[str, int] = {m.external_id: m.pk for m in members if m.external_id}
    for row, member in zip(rows, member_of_row, strict=True):
        node = member.pk if member is not None else -(row.index + 1)
        node_of_row.append(node)
        if member is None:
            parent[node], active[node], admin[node] = None, True, False
        if row.key:
            node_of_ext.setdefault(row.key, node)
        first = row.given.get("first_name", "")
        last = row.given.get("last_name", "")
        if first or last:
            labels[node] = f"{first} {last}".strip()
        elif member is None:
            labels[node] = row.key
        if "active" in row.given:
            active[node] = row.given["active"]
        if "is_hr_admin" in row.given:
            admin[node] = row.given["is_hr_admin"]

    explicit: set[int] = set()
    row_of_node: dict[int, _Row] = {}
    for row, node in zip(rows, node_of_row, strict=True):
        row_of_node[node] = row
        if "manager_external_id" not in row.given:
            continue
        ext = row.given["manager_external_id"]
        if not ext:
            parent[node] = None
            explicit.add(node)
            continue
        manager = node_of_ext.get(ext)
        if manager is None:
            row.error("manager_external_id", f"No person has the HR system id “{ext}”.")
        elif manager == node:
            row.error("manager_external_id", "A person cannot be their own manager.")
        else:
            parent[node] = manager
            explicit.add(node)

    for node in explicit:
        manager = parent[node]
        if manager is not None and active[node] and not active[manager]:
            row_of_node[node].error(
                "manager_external_id",
                f"{labels.get(manager, '?')} is deactivated; choose an active manager.",
            )
    for cycle in _find_cycles(parent, sorted(explicit)):
        chain = " → ".join(labels.get(n, "?") for n in [*cycle, cycle[0]])
        for node in cycle:
            if node in explicit and node in row_of_node:
                row_of_node[node].error(
                    "manager_external_id",
                    f"This would make a loop in the reporting lines: {chain}.",
                )

    was_active = {m.pk: m.is_active for m in members}
    deactivated = {pk for pk, was in was_active.items() if was and not active[pk]}
    reactivated = {pk for pk, was in was_active.items() if not was and active[pk]}
    if actor is not None and actor.pk in deactivated and actor.pk in row_of_node:
        row_of_node[actor.pk].error("active", "You cannot deactivate yourself.")
    admins_before = sum(1 for m in members if m.is_active and m.is_hr_admin)
    admins_after = sum(1 for node, is_admin in admin.items() if is_admin and active[node])
    if admins_before and not admins_after:
        for m in members:
            if m.is_active and m.is_hr_admin and m.pk in row_of_node:
                row_of_node[m.pk].error(
                    "active" if not active[m.pk] else "is_hr_admin",
                    "The organisation needs at least one active HR admin.",
                )

    return _Plan(
        rows=rows,
        member_of_row=member_of_row,
        node_of_row=node_of_row,
        parent=parent,
        active=active,
        explicit=explicit,
        deactivated=deactivated,
        reactivated=reactivated,
        users=users,
        department_ids=department_ids,
        role_ids=role_ids,
        labels=labels,
        department_names={pk: name for pk, name in departments.values()},
        role_names={pk: name for pk, name, _ in roles.values()},
    )


def _settle_reporting_lines(plan: _Plan) -> dict[int, int]:
    """Reports of people leaving move up to the nearest active manager above them (unless the
    payload places them), and people coming back lose a manager who has left. Returns
    {moved person: the manager who left}."""
    parent, active = plan.parent, plan.active

    def first_active_above(node: int) -> int | None:
        seen, current = {node}, parent.get(node)
        while current is not None and current not in seen:
            if active.get(current):
                return current
            seen.add(current)
            current = parent.get(current)
        return None

    moved: dict[int, int] = {}
    if plan.deactivated:
        for node, manager in list(parent.items()):
            if manager in plan.deactivated and node not in plan.explicit:
                moved[node] = manager
        for node in moved:
            parent[node] = first_active_above(node)
    for node in plan.reactivated:
        manager = parent.get(node)
        if node not in plan.explicit and manager is not None and not active.get(manager):
            parent[node] = None
    return moved


_EMPLOYEE_VALUE_FIELDS = (
    "job_title",
    "time_zone",
    "is_hr_admin",
    "mentor_available",
    "mentor_capacity",
)


def _bulk_set(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> None:
    """What QuerySet.bulk_update does, in batched `UPDATE ... SET f = CASE id WHEN ...` statements
    written directly: bulk_update builds an ORM expression per value, about a millisecond each,
    which would dominate a 5,000-row sync."""
    if not objs or not fields:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [cast("Field[Any, Any]", meta.get_field(name)) for name in fields]
    limit = connection.features.max_query_params
    size = BULK_BATCH_SIZE if not limit else max(1, limit // (2 * len(columns) + 2))
    pk_column = quote(str(meta.pk.column))
    typed = connection.vendor == "postgresql"  # CASE over untyped parameters needs the type there
    scoped = any(f.name == "organization" for f in meta.concrete_fields)
    with connection.cursor() as cursor:
        for chunk in _chunks(objs, min(size, BULK_BATCH_SIZE)):
            params: list[Any] = []
            assignments = []
            for column in columns:
                value = f"CAST(%s AS {column.cast_db_type(connection)})" if typed else "%s"
                whens = " ".join(f"WHEN %s THEN {value}" for _ in chunk)
                for obj in chunk:
                    params += [
                        obj.pk,
                        column.get_db_prep_save(getattr(obj, column.attname), connection),
                    ]
                assignments.append(f"{quote(str(column.column))} = CASE {pk_column} {whens} END")
            where = f"{pk_column} IN ({', '.join(['%s'] * len(chunk))})"
            params += [obj.pk for obj in chunk]
            if scoped:
                where += " AND organization_id = %s"
                params.append(cast(Any, chunk[0]).organization_id)
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {where}", params
            )


@dataclass
class _PeopleChanges:
    """What a validated sync changes, ready to write."""

    result: BulkResult
    new_users: list[User] = dataclass_field(default_factory=list)
    changed_users: dict[int, User] = dataclass_field(default_factory=dict)
    user_fields: set[str] = dataclass_field(default_factory=set)
    new_employees: list[tuple[int, Employee, _Row]] = dataclass_field(default_factory=list)
    updates: list[tuple[int, Employee, dict[str, list[Any]]]] = dataclass_field(
        default_factory=list
    )
    employee_fields: set[str] = dataclass_field(default_factory=set)


def _unusable_password() -> str:
    """What make_password(None) stores, from the OS's randomness in one call (it draws 40
    characters one by one, which adds up over thousands of new accounts)."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _new_employee(
    organization: Organization, plan: _Plan, i: int, changes: _PeopleChanges, now: datetime
) -> None:
    row, node, given = plan.rows[i], plan.node_of_row[i], plan.rows[i].given
    email = str(given["email"]).lower()
    user = plan.users.get(email)
    if user is None:
        user = User(
            email=email,
            first_name=given.get("first_name", ""),
            last_name=given.get("last_name", ""),
            password=_unusable_password(),
        )
        changes.new_users.append(user)
    else:  # an account from another organisation; the HR system's names win, as on update
        for name in ("first_name", "last_name"):
            if name in given and getattr(user, name) != given[name]:
                setattr(user, name, given[name])
                changes.changed_users[user.pk] = user
                changes.user_fields.add(name)
    manager = plan.parent[node]
    employee = Employee(
        organization=organization,
        user=user,
        external_id=row.key,
        job_title=given.get("job_title", ""),
        department_id=plan.department_ids[i],
        role_id=plan.role_ids[i],
        time_zone=given.get("time_zone", "UTC"),
        is_hr_admin=given.get("is_hr_admin", False),
        mentor_available=given.get("mentor_available", True),
        mentor_capacity=given.get("mentor_capacity", 2),
        is_active=given.get("active", True),
        manager_id=manager if manager is not None and manager > 0 else None,
        created_at=now,
        updated_at=now,
    )
    changes.new_employees.append((node, employee, row))


def _employee_diff(plan: _Plan, i: int, employee: Employee) -> dict[str, list[Any]]:
    """{field: [old, new]} for what the row changes (the manager too, even when it changes
    because the old one leaves); applied to `employee` and its user as it goes."""
    row, node, given = plan.rows[i], plan.node_of_row[i], plan.rows[i].given
    diff: dict[str, list[Any]] = {}
    user = employee.user
    for name in USER_FIELDS:
        if name in given and getattr(user, name) != given[name]:
            if name == "email" and user.email.lower() == given[name]:
                continue
            diff[name] = [getattr(user, name), given[name]]
            setattr(user, name, given[name])
    if employee.external_id != row.key:
        diff["external_id"] = [employee.external_id or None, row.key]
        employee.external_id = row.key
    for name in _EMPLOYEE_VALUE_FIELDS:
        if name in given and getattr(employee, name) != given[name]:
            diff[name] = [getattr(employee, name), given[name]]
            setattr(employee, name, given[name])
    department_id, role_id = plan.department_ids[i], plan.role_ids[i]
    if "department_code" in given and employee.department_id != department_id:
        names = plan.department_names
        diff["department"] = [names.get(employee.department_id or 0), names.get(department_id or 0)]
        employee.department_id = department_id
    if "role_code" in given and employee.role_id != role_id:
        diff["role"] = [
            plan.role_names.get(employee.role_id or 0),
            plan.role_names.get(role_id or 0),
        ]
        employee.role_id = role_id
    manager = plan.parent[node]
    if manager != employee.manager_id:
        diff["manager"] = [plan.label(employee.manager_id), plan.label(manager)]
    if plan.active[node] != employee.is_active:
        employee.is_active = plan.active[node]
        diff["active"] = [not employee.is_active, employee.is_active]
    return diff


def _people_changes(
    organization: Organization, plan: _Plan, loaded: dict[int, Employee], now: datetime
) -> _PeopleChanges:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deactivated": 0, "reactivated": 0}
    changes = _PeopleChanges(result=BulkResult())
    for i, member in enumerate(plan.member_of_row):
        if member is None:
            counts["created"] += 1
            _new_employee(organization, plan, i, changes, now)
            continue
        employee = loaded[member.pk]
        diff = _employee_diff(plan, i, employee)
        if not diff:
            counts["unchanged"] += 1
            continue
        counts["updated"] += 1
        if "active" in diff:
            counts["reactivated" if employee.is_active else "deactivated"] += 1
        changes.updates.append((member.pk, employee, diff))
        user_changes = {name for name in diff if name in USER_FIELDS}
        if user_changes:
            changes.changed_users[employee.user_id] = employee.user
            changes.user_fields |= user_changes
        changes.employee_fields |= {
            "is_active" if name == "active" else name for name in diff if name not in USER_FIELDS
        }
    changes.result = BulkResult(**counts)
    return changes


def _write_people(
    *,
    organization: Organization,
    actor: Employee | None,
    plan: _Plan,
    changes: _PeopleChanges,
    moved: dict[int, int],
    loaded: dict[int, Employee],
    now: datetime,
) -> list[AuditEntry]:
    """Accounts first, then memberships; people whose manager is a new row get their manager's id
    in a second pass. Returns the audit entries to write."""
    User.objects.bulk_create(changes.new_users, batch_size=BULK_BATCH_SIZE)
    _bulk_set(User, list(changes.changed_users.values()), sorted(changes.user_fields))
    for _, employee, _ in changes.new_employees:
        employee.user = employee.user  # the account's new id, keeping it cached
    Employee.objects.bulk_create(
        [e for _, e, _ in changes.new_employees], batch_size=BULK_BATCH_SIZE
    )
    pk_of_node = {node: e.pk for node, e, _ in changes.new_employees}

    def pk_of(node: int | None) -> int | None:
        return None if node is None else pk_of_node.get(node, node)

    late_managers = []
    for node, employee, _ in changes.new_employees:
        manager = plan.parent[node]
        if manager is not None and manager < 0:
            employee.manager_id = pk_of(manager)
            late_managers.append(employee)
    _bulk_set(Employee, late_managers, ["manager"])

    audit: list[AuditEntry] = []
    updated = [employee for _, employee, _ in changes.updates]
    for node, employee, _ in changes.updates:
        employee.manager_id = pk_of(plan.parent[node])
        employee.updated_at = now
    payload_nodes = {node for node, _, _ in changes.updates}
    for node, departed in moved.items():
        if node in payload_nodes or node not in loaded:
            continue
        report = loaded[node]
        report.manager_id, report.updated_at = pk_of(plan.parent[node]), now
        updated.append(report)
        changes.employee_fields.add("manager")
        new_manager = plan.label(plan.parent[node])
        audit.append(
            _new_audit_entry(
                organization,
                actor,
                "employee",
                node,
                "manager_changed",
                f"{report.name} now reports to {new_manager or 'nobody'} because "
                f"{plan.label(departed)} was deactivated",
                {"manager": [plan.label(departed), new_manager]},
                now,
            )
        )
    if updated:
        _bulk_set(Employee, updated, sorted(changes.employee_fields | {"updated_at"}))
    return audit


def _audit_people(
    *,
    organization: Organization,
    actor: Employee | None,
    plan: _Plan,
    changes: _PeopleChanges,
    audit: list[AuditEntry],
    now: datetime,
) -> None:
    for _, employee, row in changes.new_employees:
        audit.append(
            _new_audit_entry(
                organization,
                actor,
                "employee",
                employee.pk,
                "created",
                f"Added {employee.name} ({employee.user.email})",
                dict(row.given),
                now,
            )
        )
    for node, employee, diff in changes.updates:
        fields = {k: v for k, v in diff.items() if k != "active"}
        if fields:
            audit.append(
                _new_audit_entry(
                    organization,
                    actor,
                    "employee",
                    node,
                    "updated",
                    f"Updated {employee.name}: {', '.join(f.replace('_', ' ') for f in fields)}",
                    fields,
                    now,
                )
            )
        if "active" in diff:
            action = "reactivated" if employee.is_active else "deactivated"
            audit.append(
                _new_audit_entry(
                    organization,
                    actor,
                    "employee",
                    node,
                    action,
                    f"{action.title()} {employee.name}",
                    {"is_active": diff["active"]},
                    now,
                )
            )


@unique_conflicts_as_validation_errors
@transaction.atomic
def employees_bulk_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
) -> BulkResult:
    """Create or update people by their HR system id, all or nothing.

    Each row has `external_id` and any of email, first_name, last_name, job_title,
    department_code, manager_external_id (another row's or an existing person's), role_code,
    time_zone, is_hr_admin, mentor_available, mentor_capacity and active. A key left out keeps
    its value (or the default, for a new person); a blank code or manager id clears it. Booleans
    may also be words (true/false, yes/no, 1/0), the capacity a number in text. A row whose HR id
    is new but whose e-mail belongs to a member without one claims that member.

    Every row is validated first; if any is invalid, BulkValidationError lists each bad row and
    nothing is written. Otherwise everything is applied in this one transaction: `active: false`
    deactivates like employee_deactivate (reports move up, sessions end, hooks run). With
    `dry_run` nothing is written and the counts say what would happen.
    """
    _check_row_count(rows)
    cleaned = [
        _clean_row(i, raw, fields=EMPLOYEE_ROW_FIELDS, key="external_id")
        for i, raw in enumerate(rows)
    ]
    plan = _plan_people(organization=organization, actor=actor, rows=cleaned)
    _raise_row_errors(cleaned, key="employees", key_field="external_id")
    moved = _settle_reporting_lines(plan)
    wanted = sorted({m.pk for m in plan.member_of_row if m is not None} | set(moved))
    loaded = {
        e.pk: e
        for chunk in _chunks(wanted)
        for e in Employee.objects.filter(organization=organization, pk__in=chunk).select_related(
            "user"
        )
    }
    now = timezone.now()
    changes = _people_changes(organization, plan, loaded, now)
    if dry_run:
        return changes.result

    audit = _write_people(
        organization=organization,
        actor=actor,
        plan=plan,
        changes=changes,
        moved=moved,
        loaded=loaded,
        now=now,
    )
    _audit_people(
        organization=organization, actor=actor, plan=plan, changes=changes, audit=audit, now=now
    )
    _audit_sync(
        organization=organization,
        actor=actor,
        entries=audit,
        what="people",
        result=changes.result,
        rows=len(rows),
        now=now,
    )
    departed = sorted(plan.deactivated)
    if departed:
        _end_sessions_of_departed([loaded[pk].user_id for pk in departed])
        for hook in employee_deactivated_hooks:
            hook(organization=organization, employee_ids=departed, actor=actor)
    return changes.result


def _end_sessions_of_departed(user_ids: list[int]) -> int:
    """Sign out, in one pass over the sessions, the users left without any active membership."""
    with scopes_disabled():  # memberships in every organisation count
        still_member = set(
            Employee.objects.filter(user_id__in=user_ids, is_active=True).values_list(
                "user_id", flat=True
            )
        )
    departed = {str(pk) for pk in user_ids if pk not in still_member}
    if not departed:
        return 0
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) in departed
    ]
    for chunk in _chunks(keys):
        Session.objects.filter(session_key__in=chunk).delete()
    return len(keys)


def employee_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    external_id: str,
    fields: dict[str, Any],
) -> tuple[Employee, str]:
    """Create or update one person by HR system id; "created", "updated" or "unchanged".

    Same rules as employees_bulk_upsert; errors are a ValidationError by field.
    """
    if "external_id" in fields and str(fields["external_id"]).strip() != external_id.strip():
        raise ValidationError({"external_id": "Does not match the HR system id in the address."})
    row = {**fields, "external_id": external_id}
    result = _single_upsert(employees_bulk_upsert, organization, actor, row)
    employee = (
        Employee.objects.filter(organization=organization, external_id=external_id.strip())
        .select_related("user")
        .get()
    )
    return employee, result


def _single_upsert(
    bulk: Callable[..., BulkResult],
    organization: Organization,
    actor: Employee | None,
    row: dict[str, Any],
) -> str:
    try:
        result = bulk(organization=organization, actor=actor, rows=[row])
    except BulkValidationError as exc:
        raise ValidationError(exc.errors[0]["errors"]) from exc
    if result.created:
        return "created"
    return "updated" if result.updated else "unchanged"


# --- Departments ---------------------------------------------------------------------------------


def _check_unique_names(
    rows: list[_Row],
    node_of_row: list[int],
    final_names: dict[int, str],
    what: str,
) -> None:
    """Every row's final name must be unique (ignoring case) among everything of its kind."""
    holders: dict[str, list[int]] = {}
    for node, name in final_names.items():
        holders.setdefault(name.lower(), []).append(node)
    for row, node in zip(rows, node_of_row, strict=True):
        name = final_names.get(node, "")
        if name and len(holders[name.lower()]) > 1 and "name" in row.given:
            row.error("name", f"There is already {what} called “{name}”.")


@unique_conflicts_as_validation_errors
@transaction.atomic
def departments_bulk_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
) -> BulkResult:
    """Create or update departments by code (code, name, parent_code), all or nothing.

    `parent_code` may name another row of the payload; blank puts the department at the top.
    Same rules as employees_bulk_upsert otherwise.
    """
    _check_row_count(rows)
    cleaned = [
        _clean_row(i, raw, fields=DEPARTMENT_ROW_FIELDS, key="code") for i, raw in enumerate(rows)
    ]
    _flag_duplicates(cleaned, "code", lambda r: r.key.lower())
    existing = {d.pk: d for d in Department.objects.filter(organization=organization)}
    by_code = {d.code.lower(): d for d in existing.values()}
    targets: list[Department | None] = []
    node_of_row: list[int] = []
    final_names = {pk: d.name for pk, d in existing.items()}
    parent: dict[int, int | None] = {pk: d.parent_id for pk, d in existing.items()}
    node_of_code = {code: d.pk for code, d in by_code.items()}
    for row in cleaned:
        department = by_code.get(row.key.lower()) if row.key else None
        node = department.pk if department is not None else -(row.index + 1)
        targets.append(department)
        node_of_row.append(node)
        if row.key:
            node_of_code.setdefault(row.key.lower(), node)
        name = row.given.get("name")
        if (department is None or "name" in row.given) and not name:
            row.error("name", "Enter the department's name.")
        if department is None:
            parent[node] = None
        if name:
            final_names[node] = name
    _check_unique_names(cleaned, node_of_row, final_names, "a department")

    explicit: set[int] = set()
    row_of_node = dict(zip(node_of_row, cleaned, strict=True))
    for row, node in zip(cleaned, node_of_row, strict=True):
        if "parent_code" not in row.given:
            continue
        code = row.given["parent_code"]
        above = node_of_code.get(code.lower()) if code else None
        if code and above is None:
            row.error("parent_code", f"No department has the code “{code}”.")
        elif above is not None and above == node:
            row.error("parent_code", "A department cannot be its own parent.")
        else:
            parent[node] = above
            explicit.add(node)
    for cycle in _find_cycles(parent, sorted(explicit)):
        chain = " → ".join(final_names.get(n, "?") for n in [*cycle, cycle[0]])
        for node in cycle:
            if node in explicit and node in row_of_node:
                row_of_node[node].error(
                    "parent_code", f"This would make a loop of departments: {chain}."
                )
    _raise_row_errors(cleaned, key="departments", key_field="code")

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    new: list[tuple[int, Department]] = []
    updates: list[tuple[Department, dict[str, list[Any]]]] = []
    for row, department, node in zip(cleaned, targets, node_of_row, strict=True):
        above = parent[node]
        if department is None:
            counts["created"] += 1
            new.append(
                (
                    node,
                    Department(
                        organization=organization,
                        code=row.key,
                        name=final_names[node],
                        parent_id=above if above is not None and above > 0 else None,
                    ),
                )
            )
            continue
        diff: dict[str, list[Any]] = {}
        if final_names[node] != department.name:
            diff["name"] = [department.name, final_names[node]]
        if above != department.parent_id:
            diff["parent"] = [
                final_names.get(department.parent_id or 0),
                final_names.get(above) if above is not None else None,
            ]
        if diff:
            counts["updated"] += 1
            updates.append((department, diff))
        else:
            counts["unchanged"] += 1
    result = BulkResult(**counts)
    if dry_run:
        return result

    Department.objects.bulk_create([d for _, d in new], batch_size=BULK_BATCH_SIZE)
    pk_of_node = {node: d.pk for node, d in new}
    changed: dict[int, Department] = {}
    for node, department in new:
        above = parent[node]
        if above is not None and above < 0:
            department.parent_id = pk_of_node[above]
            changed[department.pk] = department
    for department, _ in updates:
        node = department.pk
        department.name = final_names[node]
        above = parent[node]
        department.parent_id = pk_of_node.get(above, above) if above is not None else None
        changed[department.pk] = department
    _bulk_set(Department, list(changed.values()), ["name", "parent"])
    now = timezone.now()
    audit = [
        _new_audit_entry(
            organization,
            actor,
            "department",
            d.pk,
            "created",
            f"Created department {d.name} ({d.code})",
            {"name": d.name, "code": d.code, "parent": final_names.get(parent[node] or 0)},
            now,
        )
        for node, d in new
    ]
    audit += [
        _new_audit_entry(
            organization,
            actor,
            "department",
            d.pk,
            "updated",
            f"Updated department {d.name}: {', '.join(diff)}",
            diff,
            now,
        )
        for d, diff in updates
    ]
    _audit_sync(
        organization=organization,
        actor=actor,
        entries=audit,
        what="departments",
        result=result,
        rows=len(rows),
        now=now,
    )
    return result


def department_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    code: str,
    fields: dict[str, Any],
) -> tuple[Department, str]:
    """Create or update one department by code; "created", "updated" or "unchanged"."""
    if "code" in fields and str(fields["code"]).strip().lower() != code.strip().lower():
        raise ValidationError({"code": "Does not match the code in the address."})
    row = {**fields, "code": code}
    result = _single_upsert(departments_bulk_upsert, organization, actor, row)
    department = Department.objects.get(organization=organization, code__iexact=code.strip())
    return department, result


# --- Roles ---------------------------------------------------------------------------------------
# Roles belong to the competency layer above; they are reached through Employee.role, never
# imported, and only their descriptive fields are synchronised (requirements stay in the app).


@unique_conflicts_as_validation_errors
@transaction.atomic
def roles_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
) -> BulkResult:
    """Create or update roles by code (code, name, family, description), all or nothing.

    Archived roles stay archived; requirements are managed in the app or by the competency
    endpoints.
    """
    _check_row_count(rows)
    role_model = _role_model()
    cleaned = [_clean_row(i, raw, fields=ROLE_ROW_FIELDS, key="code") for i, raw in enumerate(rows)]
    _flag_duplicates(cleaned, "code", lambda r: r.key)
    existing = {r.pk: r for r in role_model.objects.filter(organization=organization)}
    by_code = {r.code: r for r in existing.values() if r.code}
    final_names = {pk: r.name for pk, r in existing.items()}
    targets: list[Role | None] = []
    node_of_row: list[int] = []
    for row in cleaned:
        role = by_code.get(row.key) if row.key else None
        node = role.pk if role is not None else -(row.index + 1)
        targets.append(role)
        node_of_row.append(node)
        name = row.given.get("name")
        if (role is None or "name" in row.given) and not name:
            row.error("name", "Enter the role's name.")
        if name:
            final_names[node] = name
    _check_unique_names(cleaned, node_of_row, final_names, "a role")
    _raise_row_errors(cleaned, key="roles", key_field="code")

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = timezone.now()
    new: list[Role] = []
    updates: list[tuple[Role, dict[str, list[Any]]]] = []
    for row, role in zip(cleaned, targets, strict=True):
        values = {k: row.given[k] for k in ("name", "family", "description") if k in row.given}
        if role is None:
            counts["created"] += 1
            new.append(
                role_model(
                    organization=organization,
                    code=row.key,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            continue
        diff: dict[str, list[Any]] = {
            k: [getattr(role, k), v] for k, v in values.items() if getattr(role, k) != v
        }
        if diff:
            counts["updated"] += 1
            updates.append((role, diff))
        else:
            counts["unchanged"] += 1
    result = BulkResult(**counts)
    if dry_run:
        return result

    role_model.objects.bulk_create(new, batch_size=BULK_BATCH_SIZE)
    for role, diff in updates:
        for name, (_, value) in diff.items():
            setattr(role, name, value)
        role.updated_at = now
    _bulk_set(role_model, [r for r, _ in updates], ["name", "family", "description", "updated_at"])
    audit = [
        _new_audit_entry(
            organization,
            actor,
            "role",
            r.pk,
            "created",
            f"Created role “{r.name}”",
            {"name": [None, r.name], "code": [None, r.code]},
            now,
        )
        for r in new
    ]
    audit += [
        _new_audit_entry(
            organization, actor, "role", r.pk, "updated", f"Changed {', '.join(diff)}", diff, now
        )
        for r, diff in updates
    ]
    _audit_sync(
        organization=organization,
        actor=actor,
        entries=audit,
        what="roles",
        result=result,
        rows=len(rows),
        now=now,
    )
    return result


def role_upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    code: str,
    fields: dict[str, Any],
) -> tuple[Role, str]:
    """Create or update one role by code; "created", "updated" or "unchanged"."""
    if "code" in fields and str(fields["code"]).strip() != code.strip():
        raise ValidationError({"code": "Does not match the code in the address."})
    row = {**fields, "code": code}
    result = _single_upsert(roles_upsert, organization, actor, row)
    role = _role_model().objects.get(organization=organization, code=code.strip())
    return role, result
