"""Writes to the tenancy core: organisations, people (memberships) and departments.

Every function validates its input and raises `ValidationError({field: message})` with a message a
person can act on; nothing is written unless everything is valid. Every change is audited.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django_scopes import scopes_disabled
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from mentorship import hooks
from mentorship.audit import audit_record, diff_fields
from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.models import ApiClient, Department, Employee, Organization, User
from mentorship.privileges import HR_ADMIN_CHANGE_REFUSED, may_change_hr_admin

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

SESSION_BATCH_SIZE = 500


@cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_choices() -> list[str]:
    return sorted(known_time_zones())


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
    hooks.run_organization_created_hooks_in_transaction(organization)
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
    if "time_zone" in fields and fields["time_zone"] not in known_time_zones():
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
    role: Model | None = None,  # competencies.Role (the layer above)
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
    if is_hr_admin and not may_change_hr_admin(actor):
        errors["is_hr_admin"] = HR_ADMIN_CHANGE_REFUSED
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
        role=fields["role"],  # a role of the competency layer, validated above
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
    elif (
        "is_hr_admin" in fields
        and fields["is_hr_admin"] != employee.is_hr_admin
        and not may_change_hr_admin(actor)
    ):
        errors["is_hr_admin"] = HR_ADMIN_CHANGE_REFUSED
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
    ended = end_sessions_of_departed([employee.user_id])
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
    hooks.run_deactivation_hooks_in_transaction(
        organization=organization, employee_ids=[employee.pk], actor=actor
    )
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


def end_sessions_of_departed(user_ids: list[int]) -> int:
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
    for start in range(0, len(keys), SESSION_BATCH_SIZE):
        Session.objects.filter(session_key__in=keys[start : start + SESSION_BATCH_SIZE]).delete()
    return len(keys)


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
