"""Roles synchronised from HR systems by code (the API's bulk and single upserts), with the
bulk-sync engine of the tenancy core. Only a role's descriptive fields are synchronised; its
requirements stay with the competency model's own edits.

This layer also tells the tenancy core's people sync which role an HR code means
and which roles a person may hold (`RoleDirectory`, registered in CompetenciesConfig.ready).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from competencies.models import Role
from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.hooks import RoleRef
from mentorship.models import Employee, Organization
from mentorship.sync.engine import (
    BULK_BATCH_SIZE,
    BulkResult,
    audit_sync,
    bulk_set,
    check_row_count,
    check_unique_names,
    clean_row,
    flag_duplicates,
    new_audit_entry,
    raise_row_errors,
    single_upsert,
)

ROLE_ROW_FIELDS = ("code", "name", "family", "description")


class RoleDirectory:
    """How the tenancy core finds roles (registered with mentorship.hooks)."""

    def by_code(self, organization: Organization) -> dict[str, RoleRef]:
        """The organisation's coded roles (archived ones too) by lower-cased code, in one query."""
        return {
            code.lower(): RoleRef(pk, name, archived_at)
            for pk, code, name, archived_at in Role.objects.filter(organization=organization)
            .exclude(code="")
            .values_list("id", "code", "name", "archived_at")
        }

    def queryset(self, organization: Organization) -> QuerySet[Role]:
        return Role.objects.filter(organization=organization)


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
    check_row_count(rows)
    cleaned = [clean_row(i, raw, fields=ROLE_ROW_FIELDS, key="code") for i, raw in enumerate(rows)]
    flag_duplicates(cleaned, "code", lambda r: r.key)
    existing = {r.pk: r for r in Role.objects.filter(organization=organization)}
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
    check_unique_names(cleaned, node_of_row, final_names, "a role")
    raise_row_errors(cleaned, key="roles", key_field="code")

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    now = timezone.now()
    new: list[Role] = []
    updates: list[tuple[Role, dict[str, list[Any]]]] = []
    for row, role in zip(cleaned, targets, strict=True):
        values = {k: row.given[k] for k in ("name", "family", "description") if k in row.given}
        if role is None:
            counts["created"] += 1
            new.append(
                Role(
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

    Role.objects.bulk_create(new, batch_size=BULK_BATCH_SIZE)
    for role, diff in updates:
        for name, (_, value) in diff.items():
            setattr(role, name, value)
        role.updated_at = now
    bulk_set(Role, [r for r, _ in updates], ["name", "family", "description", "updated_at"])
    audit = [
        new_audit_entry(
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
        new_audit_entry(
            organization, actor, "role", r.pk, "updated", f"Changed {', '.join(diff)}", diff, now
        )
        for r, diff in updates
    ]
    audit_sync(
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
    result = single_upsert(roles_upsert, organization, actor, row)
    role = Role.objects.get(organization=organization, code=code.strip())
    return role, result
