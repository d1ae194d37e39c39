"""People synchronised by HR system id (bulk and single upserts, and the CSV import).

The plan validates every row against the organisation as it is; only a plan without errors is
written, in batched queries."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from mentorship import hooks
from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.models import AuditEntry, Department, Employee, Organization, User
from mentorship.privileges import HR_ADMIN_CHANGE_REFUSED, may_change_hr_admin
from mentorship.services import (
    USER_FIELDS,
    end_sessions_of_departed,
    known_time_zones,
)
from mentorship.sync.engine import (
    BULK_BATCH_SIZE,
    EMPLOYEE_ROW_FIELDS,
    NON_FIELD,
    BulkResult,
    Row,
    audit_sync,
    bulk_set,
    check_row_count,
    chunks,
    clean_row,
    find_cycles,
    flag_duplicates,
    new_audit_entry,
    raise_row_errors,
    single_upsert,
)


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
    for chunk in chunks(sorted(emails)):
        users = User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        for user in users:
            found[user.email.lower()] = user
    return found


@dataclass
class _Plan:
    """The validated outcome of a people sync, before anything is written."""

    rows: list[Row]
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


def _plan_people(*, organization: Organization, actor: Employee | None, rows: list[Row]) -> _Plan:
    """Validate a people sync against the organisation as it is, step by step; every problem is
    recorded on its row."""
    flag_duplicates(rows, "external_id", lambda r: r.key)
    flag_duplicates(rows, "email", lambda r: str(r.given.get("email", "")).lower())
    members = _members(organization)
    departments = {
        code.lower(): (pk, name)
        for pk, code, name in Department.objects.filter(organization=organization).values_list(
            "id", "code", "name"
        )
    }
    roles = hooks.roles_by_code(organization)

    member_of_row = _match_members(rows, members)
    users = _check_emails(rows, member_of_row)
    department_ids, role_ids = _resolve_codes(rows, member_of_row, departments, roles)
    chart = _chart(rows, members, member_of_row)
    _place_managers(rows, chart)
    _check_managers(chart)
    _check_privileges(members, chart, actor)
    deactivated, reactivated = _check_departures(members, chart, actor)

    return _Plan(
        rows=rows,
        member_of_row=member_of_row,
        node_of_row=chart.node_of_row,
        parent=chart.parent,
        active=chart.active,
        explicit=chart.explicit,
        deactivated=deactivated,
        reactivated=reactivated,
        users=users,
        department_ids=department_ids,
        role_ids=role_ids,
        labels=chart.labels,
        department_names={pk: name for pk, name in departments.values()},
        role_names={role.pk: role.name for role in roles.values()},
    )


def _match_members(rows: list[Row], members: list[_Member]) -> list[_Member | None]:
    """Who each row is: the member with its HR id, else an unclaimed member with its e-mail. Also
    checks what a row needs given whether it is new (e-mail, first name) and its time zone."""
    by_ext = {m.external_id: m for m in members if m.external_id}
    by_email = {m.email: m for m in members}
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
        _check_time_zone(row)
        member_of_row.append(member)
    return member_of_row


def _check_time_zone(row: Row) -> None:
    if "time_zone" not in row.given:
        return
    if not row.given["time_zone"]:
        del row.given["time_zone"]
    elif row.given["time_zone"] not in known_time_zones():
        row.error(
            "time_zone",
            f"“{row.given['time_zone']}” is not a known time zone (e.g. Europe/Paris).",
        )


def _check_emails(rows: list[Row], member_of_row: list[_Member | None]) -> dict[str, User]:
    """The accounts of every new or changed e-mail; a member cannot take another's address."""
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
    return users


def _resolve_codes(
    rows: list[Row],
    member_of_row: list[_Member | None],
    departments: Mapping[str, tuple[int, str]],
    roles: Mapping[str, hooks.RoleRef],
) -> tuple[list[int | None], list[int | None]]:
    """Department and role ids by code; a blank code clears them. An archived role stays only
    with whoever already holds it."""
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
            elif role.archived_at is not None and (member is None or member.role_id != role.pk):
                row.error("role_code", f"Role “{role.name}” is archived; choose a current role.")
            else:
                role_id = role.pk
        role_ids.append(role_id)
    return department_ids, role_ids


@dataclass
class _Chart:
    """The org chart as the sync would leave it: existing people by id, new rows by negative
    numbers."""

    parent: dict[int, int | None]
    active: dict[int, bool]
    admin: dict[int, bool]
    labels: dict[int, str]
    node_of_row: list[int]
    node_of_ext: dict[str, int]
    row_of_node: dict[int, Row] = dataclass_field(default_factory=dict)
    explicit: set[int] = dataclass_field(default_factory=set)


def _chart(rows: list[Row], members: list[_Member], member_of_row: list[_Member | None]) -> _Chart:
    chart = _Chart(
        parent={m.pk: m.manager_id for m in members},
        active={m.pk: m.is_active for m in members},
        admin={m.pk: m.is_hr_admin for m in members},
        labels={m.pk: m.name or m.email for m in members},
        node_of_row=[],
        node_of_ext={m.external_id: m.pk for m in members if m.external_id},
    )
    for row, member in zip(rows, member_of_row, strict=True):
        node = member.pk if member is not None else -(row.index + 1)
        chart.node_of_row.append(node)
        if member is None:
            chart.parent[node], chart.active[node], chart.admin[node] = None, True, False
        if row.key:
            chart.node_of_ext.setdefault(row.key, node)
        first = row.given.get("first_name", "")
        last = row.given.get("last_name", "")
        if first or last:
            chart.labels[node] = f"{first} {last}".strip()
        elif member is None:
            chart.labels[node] = row.key
        if "active" in row.given:
            chart.active[node] = row.given["active"]
        if "is_hr_admin" in row.given:
            chart.admin[node] = row.given["is_hr_admin"]
    return chart


def _place_managers(rows: list[Row], chart: _Chart) -> None:
    """Apply each row's manager_external_id (blank: nobody); `explicit` collects who was placed."""
    for row, node in zip(rows, chart.node_of_row, strict=True):
        chart.row_of_node[node] = row
        if "manager_external_id" not in row.given:
            continue
        ext = row.given["manager_external_id"]
        if not ext:
            chart.parent[node] = None
            chart.explicit.add(node)
            continue
        manager = chart.node_of_ext.get(ext)
        if manager is None:
            row.error("manager_external_id", f"No person has the HR system id “{ext}”.")
        elif manager == node:
            row.error("manager_external_id", "A person cannot be their own manager.")
        else:
            chart.parent[node] = manager
            chart.explicit.add(node)


def _check_managers(chart: _Chart) -> None:
    """A placed person needs an active manager, and no placement may close a loop."""
    labels, row_of_node = chart.labels, chart.row_of_node
    for node in chart.explicit:
        manager = chart.parent[node]
        if manager is not None and chart.active[node] and not chart.active[manager]:
            row_of_node[node].error(
                "manager_external_id",
                f"{labels.get(manager, '?')} is deactivated; choose an active manager.",
            )
    for cycle in find_cycles(chart.parent, sorted(chart.explicit)):
        loop = " → ".join(labels.get(n, "?") for n in [*cycle, cycle[0]])
        for node in cycle:
            if node in chart.explicit and node in row_of_node:
                row_of_node[node].error(
                    "manager_external_id",
                    f"This would make a loop in the reporting lines: {loop}.",
                )


def _check_privileges(members: list[_Member], chart: _Chart, actor: Employee | None) -> None:
    """A row that would grant or remove HR admin rights needs an HR admin behind the sync."""
    if may_change_hr_admin(actor):
        return
    was_admin = {m.pk: m.is_hr_admin for m in members}
    for node, row in chart.row_of_node.items():
        if "is_hr_admin" in row.given and row.given["is_hr_admin"] != was_admin.get(node, False):
            row.error("is_hr_admin", HR_ADMIN_CHANGE_REFUSED)


def _check_departures(
    members: list[_Member], chart: _Chart, actor: Employee | None
) -> tuple[set[int], set[int]]:
    """Who leaves and who comes back. Nobody deactivates themselves, and an organisation that had
    an active HR admin keeps one."""
    active, row_of_node = chart.active, chart.row_of_node
    was_active = {m.pk: m.is_active for m in members}
    deactivated = {pk for pk, was in was_active.items() if was and not active[pk]}
    reactivated = {pk for pk, was in was_active.items() if not was and active[pk]}
    if actor is not None and actor.pk in deactivated and actor.pk in row_of_node:
        row_of_node[actor.pk].error("active", "You cannot deactivate yourself.")
    admins_before = sum(1 for m in members if m.is_active and m.is_hr_admin)
    admins_after = sum(1 for node, is_admin in chart.admin.items() if is_admin and active[node])
    if admins_before and not admins_after:
        for m in members:
            if m.is_active and m.is_hr_admin and m.pk in row_of_node:
                row_of_node[m.pk].error(
                    "active" if not active[m.pk] else "is_hr_admin",
                    "The organisation needs at least one active HR admin.",
                )
    return deactivated, reactivated


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


@dataclass
class _PeopleChanges:
    """What a validated sync changes, ready to write."""

    result: BulkResult
    new_users: list[User] = dataclass_field(default_factory=list)
    changed_users: dict[int, User] = dataclass_field(default_factory=dict)
    user_fields: set[str] = dataclass_field(default_factory=set)
    new_employees: list[tuple[int, Employee, Row]] = dataclass_field(default_factory=list)
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
    bulk_set(User, list(changes.changed_users.values()), sorted(changes.user_fields))
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
    bulk_set(Employee, late_managers, ["manager"])

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
            new_audit_entry(
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
        bulk_set(Employee, updated, sorted(changes.employee_fields | {"updated_at"}))
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
            new_audit_entry(
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
                new_audit_entry(
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
                new_audit_entry(
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
    check_row_count(rows)
    cleaned = [
        clean_row(i, raw, fields=EMPLOYEE_ROW_FIELDS, key="external_id")
        for i, raw in enumerate(rows)
    ]
    plan = _plan_people(organization=organization, actor=actor, rows=cleaned)
    raise_row_errors(cleaned, key="employees", key_field="external_id")
    moved = _settle_reporting_lines(plan)
    wanted = sorted({m.pk for m in plan.member_of_row if m is not None} | set(moved))
    loaded = {
        e.pk: e
        for chunk in chunks(wanted)
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
    audit_sync(
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
        end_sessions_of_departed([loaded[pk].user_id for pk in departed])
        hooks.run_deactivation_hooks_in_transaction(
            organization=organization, employee_ids=departed, actor=actor
        )
    return changes.result


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
    result = single_upsert(employees_bulk_upsert, organization, actor, row)
    employee = (
        Employee.objects.filter(organization=organization, external_id=external_id.strip())
        .select_related("user")
        .get()
    )
    return employee, result
