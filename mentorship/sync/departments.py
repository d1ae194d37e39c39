"""Departments synchronised by code (bulk and single upserts, and the CSV import)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.models import Department, Employee, Organization
from mentorship.sync.engine import (
    BULK_BATCH_SIZE,
    DEPARTMENT_ROW_FIELDS,
    BulkResult,
    audit_sync,
    bulk_set,
    check_row_count,
    check_unique_names,
    clean_row,
    find_cycles,
    flag_duplicates,
    new_audit_entry,
    raise_row_errors,
    single_upsert,
)


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
    check_row_count(rows)
    cleaned = [
        clean_row(i, raw, fields=DEPARTMENT_ROW_FIELDS, key="code") for i, raw in enumerate(rows)
    ]
    flag_duplicates(cleaned, "code", lambda r: r.key.lower())
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
    check_unique_names(cleaned, node_of_row, final_names, "a department")

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
    for cycle in find_cycles(parent, sorted(explicit)):
        chain = " → ".join(final_names.get(n, "?") for n in [*cycle, cycle[0]])
        for node in cycle:
            if node in explicit and node in row_of_node:
                row_of_node[node].error(
                    "parent_code", f"This would make a loop of departments: {chain}."
                )
    raise_row_errors(cleaned, key="departments", key_field="code")

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
    bulk_set(Department, list(changed.values()), ["name", "parent"])
    now = timezone.now()
    audit = [
        new_audit_entry(
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
        new_audit_entry(
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
    audit_sync(
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
    result = single_upsert(departments_bulk_upsert, organization, actor, row)
    department = Department.objects.get(organization=organization, code__iexact=code.strip())
    return department, result
