"""The bulk-sync engine shared by every HR-keyed synchronisation: row cleaning, all-together
validation, batched writes and the audit of a sync. Layers above use it for what they own (the
competency layer's roles)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Field, Model

from mentorship.models import AuditEntry, Employee, Organization
from mentorship.oauth import audit_via
from mentorship.services import (
    MAX_MENTOR_CAPACITY,
    MIN_MENTOR_CAPACITY,
)

T = TypeVar("T")

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
class Row:
    index: int
    key: str
    given: dict[str, Any]
    errors: dict[str, list[str]] = dataclass_field(default_factory=dict)

    def error(self, name: str, message: str) -> None:
        messages = self.errors.setdefault(name, [])
        if message not in messages:
            messages.append(message)


def chunks(items: Sequence[T], size: int = BULK_BATCH_SIZE) -> Iterator[Sequence[T]]:
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


def clean_row(index: int, raw: object, *, fields: Sequence[str], key: str) -> Row:
    """Types, lengths and words checked; `given` holds the cleaned value of each key present."""
    if not isinstance(raw, Mapping):
        row = Row(index, "", {})
        row.error(NON_FIELD, f"Each row must be an object with a {key}.")
        return row
    given: dict[str, Any] = {}
    row = Row(index, "", given)
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


def flag_duplicates(rows: list[Row], name: str, value: Callable[[Row], str]) -> None:
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


def raise_row_errors(rows: list[Row], *, key: str, key_field: str) -> None:
    bad = [
        {"index": row.index, key_field: row.key or None, "errors": row.errors}
        for row in rows
        if row.errors
    ]
    if bad:
        raise BulkValidationError(bad, key=key)


def check_row_count(rows: Sequence[object]) -> None:
    if len(rows) > BULK_MAX_ROWS:
        raise ValidationError({"rows": f"Send at most {BULK_MAX_ROWS:,} rows at once."})


def find_cycles(parent: Mapping[int, int | None], starts: Iterable[int]) -> list[list[int]]:
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


def new_audit_entry(
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


def audit_sync(
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
        new_audit_entry(
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


def bulk_set(model: type[Model], objs: Sequence[Model], fields: Sequence[str]) -> None:
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
        for chunk in chunks(objs, min(size, BULK_BATCH_SIZE)):
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


def single_upsert(
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


def check_unique_names(
    rows: list[Row],
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
