"""People CSV import: parse an upload into rows, preview them with a dry run, apply them in batches.

The rows are exactly what `sync.employees_bulk_upsert` takes (the service behind the API's
bulk endpoint), so a CSV file and an HR system's payload follow the same rules and messages. Every
row keeps the CSV line it came from (the header is line 1), so errors point at the line to fix.

A file that cannot be read as a people CSV (not UTF-8 text, wrong header, too big, too many rows)
is refused with one clear message and nothing is stored. A readable file becomes a `PeopleImport`:
`validated` with the counts a dry run gives, or `invalid` with every line's errors. Only a
validated import can be confirmed, and nothing is written to the people tables unless every row
is valid.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from celery import current_app
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mentorship import sync
from mentorship.audit import audit_record
from mentorship.exports.builders import FORMULA_STARTS, PEOPLE_COLUMNS
from mentorship.models import AuditEntry, Employee, Organization, PeopleImport

logger = logging.getLogger(__name__)

# The people export writes the same columns, so an export can be edited and imported back.
COLUMNS: tuple[str, ...] = PEOPLE_COLUMNS
REQUIRED_COLUMNS: tuple[str, ...] = ("external_id", "email", "first_name", "last_name")

PEOPLE_IMPORT_TASK = "mentorship.people_import_run"  # defined in mentorship.tasks
MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# Rows applied per transaction: each batch commits and moves the progress bar.
BATCH_SIZE = 2_000
# What the audit log calls the things a people import depends on: when one of them changed after
# the preview, the rows are checked again before anything is applied.
PEOPLE_SUBJECTS = ("employee", "department", "role", "organization")
# Where a problem with a whole line (rather than one of its cells) is reported.
ROW_FIELD = "row"
UNEXPECTED_ERROR = (
    "The import stopped on an unexpected error. Upload the file again to finish: the people "
    "imported before the error are already there and count as unchanged."
)

TEMPLATE_EXAMPLE: tuple[tuple[str, ...], ...] = (
    (
        "E1001",
        "ada.lovelace@example.com",
        "Ada",
        "Lovelace",
        "Head of Engineering",
        "ENG",
        "",
        "",
        "Europe/London",
        "false",
        "true",
        "3",
        "true",
    ),
    (
        "E1002",
        "alan.turing@example.com",
        "Alan",
        "Turing",
        "Software Developer",
        "ENG",
        "E1001",
        "",
        "Europe/London",
        "false",
        "true",
        "2",
        "true",
    ),
)


# --- Parsing -------------------------------------------------------------------------------------


@dataclass
class ParsedPeopleCSV:
    """The rows of a people CSV, each with the line it starts on, and the lines that are broken."""

    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # {line: {field: [...]}}


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _too_big(max_bytes: int) -> str:
    return (
        f"The file is larger than {max_bytes // (1024 * 1024)} MB. Split it into several files "
        "and import them one after the other."
    )


def _read_text(upload: IO[bytes] | bytes, max_bytes: int) -> str:
    """The upload as text: UTF-8 with or without a byte-order mark, at most `max_bytes`."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise _file_error(_too_big(max_bytes))
    data = upload if isinstance(upload, bytes) else upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _file_error(_too_big(max_bytes))
    if not data.strip():
        raise _file_error(
            "The file is empty. Download the template and fill in one row per person."
        )
    if b"\x00" in data[:8192]:
        raise _file_error(
            "This is not a CSV file. Save the spreadsheet as “CSV UTF-8 (comma delimited)” and "
            "upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _file_error(
            f"The file is not UTF-8 text (line {line} has a character that cannot be read). Save "
            "the spreadsheet as “CSV UTF-8 (comma delimited)” and upload it again."
        ) from exc


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab some spreadsheets use: whichever the header has most of."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_header(header: Sequence[str]) -> list[str]:
    columns = [name.strip().lower().replace(" ", "_").replace("-", "_") for name in header]
    expected = ", ".join(COLUMNS)
    unknown = [c for c in columns if c and c not in COLUMNS]
    if unknown:
        raise _file_error(
            f"The header has unknown column(s): {', '.join(unknown)}. The first line must name "
            f"the columns, from: {expected}."
        )
    if "" in columns:
        raise _file_error(
            f"Column {columns.index('') + 1} of the header has no name. The first line must name "
            f"every column, from: {expected}."
        )
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise _file_error(f"The header names these columns twice: {', '.join(duplicates)}.")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise _file_error(
            f"The header is missing the column(s) {', '.join(missing)}. The first line must name "
            f"the columns: at least {', '.join(REQUIRED_COLUMNS)}; the others are optional "
            f"({', '.join(c for c in COLUMNS if c not in REQUIRED_COLUMNS)})."
        )
    return columns


def _cell(raw: str) -> str:
    value = raw.strip()
    if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS:
        return value[1:]  # the quote an export puts before a cell a spreadsheet would run
    return value


def people_csv_parse(
    upload: IO[bytes] | bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> ParsedPeopleCSV:
    """Read a people CSV (header row first) into rows for `employees_bulk_upsert`.

    Values stay text: the service reads yes/no words and numbers, and an empty yes/no or number
    cell keeps the current value. Raises `ValidationError({"file": ...})` when the file as a whole
    cannot be used; a line with more values than the header has columns is noted in `errors`.
    """
    text = _read_text(upload, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise _file_error(
                f"The first line must name the columns, at least {', '.join(REQUIRED_COLUMNS)}."
            )
        parsed = ParsedPeopleCSV(columns=_read_header(header))
        width = len(parsed.columns)
        end_of_previous = reader.line_num
        for record in reader:
            line = end_of_previous + 1
            end_of_previous = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines, such as a spreadsheet's trailing ones
            if len(parsed.rows) >= max_rows:
                raise _file_error(
                    f"The file has more than {max_rows:,} people. Split it into several files "
                    "and import them one after the other."
                )
            if len(record) > width:
                parsed.errors[line] = {
                    ROW_FIELD: [
                        f"This line has {len(record)} values but the header names {width} "
                        "columns (a value with a comma in it needs quotes)."
                    ]
                }
            # A short line (trailing empty cells left out) reads as empty cells.
            cells = [*record[:width], *[""] * (width - len(record))]
            parsed.rows.append(
                {name: _cell(raw) for name, raw in zip(parsed.columns, cells, strict=True)}
            )
            parsed.lines.append(line)
    except csv.Error as exc:
        raise _file_error(
            f"The file is not valid CSV (line {reader.line_num}: {exc}). Save the spreadsheet as "
            "“CSV UTF-8 (comma delimited)” and upload it again."
        ) from exc
    if not parsed.rows:
        raise _file_error("The file has a header but no people: add one row per person below it.")
    return parsed


def template_rows() -> Iterator[Sequence[object]]:
    yield COLUMNS
    yield from TEMPLATE_EXAMPLE


def error_rows(people_import: PeopleImport) -> Iterator[Sequence[object]]:
    """An import's errors, one line per message, for fixing the file in a spreadsheet."""
    yield ("line", "external_id", "column", "message")
    for error in people_import.errors:
        for name, messages in error["errors"].items():
            for message in messages:
                yield (error["line"] or "", error.get("external_id") or "", name, message)


# --- Checking and applying rows ------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    reactivated: int = 0

    def add(self, result: sync.BulkResult) -> None:
        self.created += result.created
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.deactivated += result.deactivated
        self.reactivated += result.reactivated

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deactivated": self.deactivated,
            "reactivated": self.reactivated,
        }


RowErrors = list[dict[str, Any]]  # [{"index": i, "external_id": ..., "errors": {field: [...]}}]


def _upsert(
    *,
    organization: Organization,
    actor: Employee | None,
    rows: list[dict[str, str]],
    indexes: Sequence[int],
    dry_run: bool = False,
) -> sync.BulkResult | RowErrors:
    """One call of the bulk service over `rows[i] for i in indexes`: its result, or its errors
    with indexes into `rows`."""
    try:
        return sync.employees_bulk_upsert(
            organization=organization,
            actor=actor,
            rows=[rows[i] for i in indexes],
            dry_run=dry_run,
        )
    except sync.BulkValidationError as exc:
        return [error | {"index": indexes[error["index"]]} for error in exc.errors]
    except ValidationError as exc:
        # A problem with the request as a whole (the service's row limit, for one).
        return [{"index": -1, "external_id": "", "errors": {ROW_FIELD: exc.messages}}]


def people_rows_check(
    *, organization: Organization, actor: Employee | None, rows: list[dict[str, str]]
) -> tuple[Counts, RowErrors]:
    """What importing these rows would do, without changing anything: (counts, errors)."""
    outcome = _upsert(
        organization=organization,
        actor=actor,
        rows=rows,
        indexes=range(len(rows)),
        dry_run=True,
    )
    if isinstance(outcome, list):
        return Counts(), outcome
    counts = Counts()
    counts.add(outcome)
    return counts, []


def _managers_first(rows: list[dict[str, str]]) -> list[int]:
    """Row indexes ordered so that a person's manager, when in the file, comes before them.

    Batches are applied one after the other, so a manager must exist by the time their reports'
    batch runs. Rows caught in a loop (which the check refuses anyway) keep their file order.
    """
    position = {row.get("external_id", ""): i for i, row in enumerate(rows)}
    depth: dict[int, int] = {}
    for start in range(len(rows)):
        chain: list[int] = []
        on_chain: set[int] = set()
        current: int | None = start
        while current is not None and current not in depth and current not in on_chain:
            chain.append(current)
            on_chain.add(current)
            manager = rows[current].get("manager_external_id", "")
            current = position.get(manager) if manager else None
        level = depth[current] if current is not None and current in depth else -1
        for index in reversed(chain):
            level += 1
            depth[index] = level
    return sorted(range(len(rows)), key=lambda i: (depth[i], i))


def people_rows_apply(
    *,
    organization: Organization,
    actor: Employee | None,
    rows: list[dict[str, str]],
    progress: Callable[[int], object] | None = None,
    batch_size: int = BATCH_SIZE,
) -> tuple[Counts, RowErrors]:
    """Upsert the rows in batches (managers first), each batch in its own transaction, calling
    `progress(rows done)` after each: (counts, errors).

    Rows valid as a whole are valid batch by batch too, except when a change only holds together
    with a later batch (the last HR admin handing over to someone further down the file, say):
    then the remaining rows are applied in one call, which is the whole file's outcome.
    """
    order = _managers_first(rows)
    counts = Counts()
    done = 0
    while done < len(order):
        batch = order[done : done + batch_size]
        outcome = _upsert(organization=organization, actor=actor, rows=rows, indexes=batch)
        if isinstance(outcome, list) and len(batch) < len(order) - done:
            batch = order[done:]
            outcome = _upsert(organization=organization, actor=actor, rows=rows, indexes=batch)
        if isinstance(outcome, list):
            return counts, outcome
        counts.add(outcome)
        done += len(batch)
        if progress is not None:
            progress(done)
    return counts, []


def _line_errors(
    lines: list[int],
    rows: list[dict[str, str]],
    service_errors: RowErrors,
    parse_errors: dict[int, dict[str, list[str]]] | None = None,
) -> list[dict[str, Any]]:
    """Errors merged per CSV line, in line order: [{line, external_id, errors: {field: [msgs]}}].

    Line 0 holds problems with the file as a whole."""
    by_line: dict[int, dict[str, list[str]]] = {
        line: {name: list(messages) for name, messages in fields.items()}
        for line, fields in (parse_errors or {}).items()
    }
    external_ids: dict[int, str] = {}
    for error in service_errors:
        index = int(error.get("index", -1))
        line = lines[index] if 0 <= index < len(lines) else 0
        target = by_line.setdefault(line, {})
        for name, messages in (error.get("errors") or {}).items():
            name = ROW_FIELD if name in (NON_FIELD_ERRORS, "non_field_errors") else str(name)
            for message in [messages] if isinstance(messages, str) else messages:
                target.setdefault(name, []).append(str(message))
    for index, line in enumerate(lines):
        if line in by_line:
            external_ids[line] = rows[index].get("external_id", "")
    return [
        {"line": line, "external_id": external_ids.get(line, ""), "errors": by_line[line]}
        for line in sorted(by_line)
    ]


# --- The import's life: create (preview), confirm, apply -----------------------------------------


def people_import_create(
    *, organization: Organization, actor: Employee, upload: IO[bytes] | bytes, file_name: str
) -> PeopleImport:
    """Read an uploaded people CSV and check it with a dry run; keep it for preview and confirm.

    Raises `ValidationError({"file": ...})`, storing nothing, when the file cannot be read as a
    people CSV. Otherwise returns the import: `validated`, holding its rows and the counts it
    would give, or `invalid`, holding only the errors of each bad line.
    """
    checked_at = timezone.now()  # before the check: a change made during it counts as after
    parsed = people_csv_parse(upload)
    counts, service_errors = people_rows_check(
        organization=organization, actor=actor, rows=parsed.rows
    )
    errors = _line_errors(parsed.lines, parsed.rows, service_errors, parsed.errors)
    valid = not errors
    return PeopleImport.objects.create(
        organization=organization,
        uploaded_by=actor,
        file_name=file_name[:255],
        status=PeopleImport.Status.VALIDATED if valid else PeopleImport.Status.INVALID,
        total_rows=len(parsed.rows),
        counts=counts.as_dict() if valid else {},
        errors=errors,
        rows=parsed.rows if valid else [],
        lines=parsed.lines if valid else [],
        created_at=checked_at,
    )


@transaction.atomic
def people_import_confirm(*, people_import: PeopleImport, actor: Employee) -> PeopleImport:
    """Start applying a validated import in the background; asking twice starts it once."""
    started = PeopleImport.objects.filter(
        organization_id=people_import.organization_id,
        pk=people_import.pk,
        status=PeopleImport.Status.VALIDATED,
    ).update(status=PeopleImport.Status.IMPORTING, confirmed_by=actor, processed_rows=0)
    people_import.refresh_from_db()
    if not started:
        if people_import.status in (PeopleImport.Status.IMPORTING, PeopleImport.Status.DONE):
            return people_import  # a double click: already on its way
        raise ValidationError(
            {"file": "Only a checked file without errors can be imported. Upload it again."}
        )
    audit_record(
        organization=people_import.organization,
        actor=actor,
        subject_type="people_import",
        subject_id=people_import.pk,
        action="confirmed",
        summary=(
            f"Started importing {people_import.total_rows:,} people from {people_import.file_name}"
        ),
        changes={"expected": people_import.counts},
    )
    import_id = people_import.pk
    # By name: the task module imports this one.
    transaction.on_commit(lambda: current_app.tasks[PEOPLE_IMPORT_TASK].delay(import_id))
    return people_import


def _people_changed_since(organization: Organization, moment: datetime) -> bool:
    """Whether anything a people import depends on changed after `moment` (every such change
    goes through a service, and every service writes the audit log)."""
    return AuditEntry.objects.filter(
        organization=organization, subject_type__in=PEOPLE_SUBJECTS, created_at__gte=moment
    ).exists()


def people_import_apply(*, organization: Organization, import_id: int) -> PeopleImport | None:
    """Apply a confirmed import: upsert it in batches, counting progress (checking it again
    first when the people changed since its preview).

    Safe to run twice: only an import in the `importing` state is applied, and upserts are
    idempotent, so a run interrupted half-way completes when run again.
    """
    people_import = (
        PeopleImport.objects.filter(
            organization=organization, pk=import_id, status=PeopleImport.Status.IMPORTING
        )
        .select_related("confirmed_by__user", "uploaded_by__user")
        .first()
    )
    if people_import is None:
        return None
    actor = people_import.confirmed_by or people_import.uploaded_by
    rows: list[dict[str, str]] = people_import.rows
    own = PeopleImport.objects.filter(organization=organization, pk=import_id)
    counts = Counts()
    errors: RowErrors = []
    try:
        if _people_changed_since(organization, people_import.created_at):
            # The preview may be out of date: check the whole file again first, so that nothing
            # is applied unless every row is still valid.
            counts, errors = people_rows_check(organization=organization, actor=actor, rows=rows)
        if not errors:
            counts, errors = people_rows_apply(
                organization=organization,
                actor=actor,
                rows=rows,
                progress=lambda done: own.update(processed_rows=done),
            )
    except Exception:
        # Shown to HR on the import's page; the details go to the operators' log.
        logger.exception("People import %s stopped", import_id)
        counts = Counts()
        errors = [{"index": -1, "external_id": "", "errors": {ROW_FIELD: [UNEXPECTED_ERROR]}}]
    finished = timezone.now()
    if errors:
        own.update(
            status=PeopleImport.Status.FAILED,
            finished_at=finished,
            errors=_line_errors(people_import.lines, rows, errors),
            counts=counts.as_dict(),
        )
    else:
        # The rows are personal data that served their purpose: keep only the counts.
        own.update(
            status=PeopleImport.Status.DONE,
            finished_at=finished,
            processed_rows=F("total_rows"),
            counts=counts.as_dict(),
            rows=[],
            lines=[],
        )
    people_import.refresh_from_db()
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="people_import",
        subject_id=people_import.pk,
        action=people_import.status,
        summary=(
            f"Imported people from {people_import.file_name}"
            if not errors
            else f"The import of {people_import.file_name} stopped"
        ),
        changes=counts.as_dict(),
    )
    return people_import
