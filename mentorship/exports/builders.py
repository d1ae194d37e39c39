"""CSV exports: the streaming writer every export shares, and the people export.

An export is a generator of rows streamed to the client as it is read from the database, so its
memory stays flat and its query count constant however large the organisation. The generator runs
after the view has returned, outside the request's tenant scope, so each export enters the scope
of its organisation itself.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone
from django_scopes import scope

from mentorship.models import Employee, Organization

CHUNK_SIZE = 2_000
# A cell a spreadsheet would run as a formula (CSV injection) is written with a leading quote; the
# people import drops that quote again, so an export can be edited and imported back.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

PEOPLE_COLUMNS: tuple[str, ...] = (
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


class _Echo:
    """A file-like object whose write returns the text, so csv.writer output can be streamed."""

    def write(self, value: str) -> str:
        return value


def cell(value: object) -> object:
    """A value as a CSV cell: empty for None, true/false for booleans, ISO dates, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Each row as one CSV line."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def _in_scope(organization: Organization, rows: Iterable[Sequence[object]]) -> Iterator[str]:
    with scope(organization=organization):
        yield from csv_lines(rows)


def export_filename(organization: Organization, what: str) -> str:
    """e.g. acme-people-2025-03-01.csv"""
    return f"{organization.slug}-{what}-{timezone.localdate().isoformat()}.csv"


def csv_response(
    rows: Iterable[Sequence[object]], *, organization: Organization, filename: str
) -> StreamingHttpResponse:
    """Stream `rows` (a lazy generator reading the organisation's data) as a CSV download."""
    response = StreamingHttpResponse(
        _in_scope(organization, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def people_rows(*, organization: Organization) -> Iterator[Sequence[object]]:
    """Everyone in the organisation, active or not, in the people import's columns (one query).

    The export can be edited and imported back: the codes and external ids are the keys the
    import uses.
    """
    yield PEOPLE_COLUMNS
    people = (
        Employee.objects.filter(organization=organization)
        .order_by("user__last_name", "user__first_name", "id")
        .values_list(
            "external_id",
            "user__email",
            "user__first_name",
            "user__last_name",
            "job_title",
            "department__code",
            "manager__external_id",
            "role__code",
            "time_zone",
            "is_hr_admin",
            "mentor_available",
            "mentor_capacity",
            "is_active",
        )
    )
    yield from people.iterator(chunk_size=CHUNK_SIZE)


def people_export(*, organization: Organization) -> StreamingHttpResponse:
    return csv_response(
        people_rows(organization=organization),
        organization=organization,
        filename=export_filename(organization, "people"),
    )
