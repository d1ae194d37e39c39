"""The audit log's one write: services call it inside their transaction."""

from __future__ import annotations

from typing import Any

from mentorship.models import AuditEntry, Employee, Organization


def audit_record(
    *,
    organization: Organization,
    actor: Employee | None,
    subject_type: str,
    subject_id: int,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        organization=organization,
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        summary=summary[:500],
        changes=changes or {},
    )


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
