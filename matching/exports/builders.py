"""CSV export of pairings: every pairing of the organisation, newest first, in one query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.http import StreamingHttpResponse

from matching.models import Pairing
from mentorship.exports.builders import CHUNK_SIZE, csv_response, export_filename
from mentorship.models import Organization

PAIRING_COLUMNS: tuple[str, ...] = (
    "id",
    "state",
    "outcome",
    "mentee_external_id",
    "mentee_email",
    "mentee_name",
    "mentee_department_code",
    "mentor_external_id",
    "mentor_email",
    "mentor_name",
    "mentor_department_code",
    "competency_code",
    "competency",
    "baseline_level",
    "target_level",
    "start_date",
    "end_date",
    "task",
    "created_at",
)


def _name(first: str, last: str, email: str) -> str:
    return f"{first} {last}".strip() or email


def pairing_rows(*, organization: Organization) -> Iterator[Sequence[object]]:
    yield PAIRING_COLUMNS
    pairings = (
        Pairing.objects.filter(organization=organization)
        .order_by("-created_at", "-id")
        .values_list(
            "id",
            "state",
            "outcome",
            "mentee__external_id",
            "mentee__user__email",
            "mentee__user__first_name",
            "mentee__user__last_name",
            "mentee__department__code",
            "mentor__external_id",
            "mentor__user__email",
            "mentor__user__first_name",
            "mentor__user__last_name",
            "mentor__department__code",
            "competency__code",
            "competency__name",
            "baseline_level",
            "target_level",
            "start_date",
            "end_date",
            "task",
            "created_at",
        )
    )
    for row in pairings.iterator(chunk_size=CHUNK_SIZE):
        (pk, state, outcome, mentee_ext, mentee_email, mentee_first, mentee_last, mentee_dept) = (
            row[:8]
        )
        mentor_ext, mentor_email, mentor_first, mentor_last, mentor_dept = row[8:13]
        yield (
            pk,
            state,
            outcome,
            mentee_ext,
            mentee_email,
            _name(mentee_first, mentee_last, mentee_email),
            mentee_dept,
            mentor_ext,
            mentor_email,
            _name(mentor_first, mentor_last, mentor_email),
            mentor_dept,
            *row[13:],
        )


def pairings_export(*, organization: Organization) -> StreamingHttpResponse:
    return csv_response(
        pairing_rows(organization=organization),
        organization=organization,
        filename=export_filename(organization, "pairings"),
    )
