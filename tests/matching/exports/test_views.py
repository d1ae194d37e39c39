"""Pairings CSV export: content, the organisation boundary, access and query count."""

from __future__ import annotations

import datetime as dt

import pytest

from matching.exports.builders import PAIRING_COLUMNS
from matching.models import Pairing
from mentorship.models import Employee
from tests.factories import CompetencyFactory, EmployeeFactory
from tests.mentorship.exports.test_exports import assert_download_name, read_csv

URL = "/o/acme/exports/pairings.csv"
API_URL = "/api/v1/exports/pairings.csv"


def pair(mentee: Employee, mentor: Employee, **fields: object) -> Pairing:
    """A pairing row as the pairing services leave it (the export only reads them)."""
    competency = CompetencyFactory(organization=mentee.organization, code=f"C{mentee.pk}")
    values: dict[str, object] = {
        "organization": mentee.organization,
        "mentee": mentee,
        "mentor": mentor,
        "competency": competency,
        "task": "Ship the billing export",
        "baseline_level": 2,
        "target_level": 4,
        "start_date": dt.date(2025, 3, 3),
        "end_date": dt.date(2025, 4, 14),
        "created_by": mentee.manager,
    } | fields
    return Pairing.objects.create(**values)


@pytest.fixture
def pairing(employee, hr) -> Pairing:
    return pair(employee, hr, state=Pairing.State.ACTIVE)


def test_pairings_export_lists_mentee_mentor_competency_dates_and_state(
    client_for, hr, employee, pairing, outsider
) -> None:
    done = pair(
        hr,
        employee,
        state=Pairing.State.COMPLETED,
        outcome=Pairing.Outcome.ACHIEVED,
        task="=cmd|' /C calc'!A0",
    )
    foreign_mentor = EmployeeFactory(organization=outsider.organization)
    pair(outsider, foreign_mentor)

    response = client_for(hr).get(URL)

    assert_download_name(response, "acme", "pairings")
    rows = read_csv(response)
    assert list(rows[0]) == list(PAIRING_COLUMNS)
    assert [int(r["id"]) for r in rows] == [done.pk, pairing.pk]  # newest first
    row = rows[1]
    assert row["state"] == "active" and row["outcome"] == ""
    assert (row["mentee_email"], row["mentee_name"]) == ("employee@acme.test", "Emma Stone")
    assert row["mentee_external_id"] == employee.external_id
    assert row["mentee_department_code"] == "ENG"
    assert (row["mentor_email"], row["mentor_name"]) == ("hr@acme.test", "Hana Reyes")
    assert row["competency_code"] == pairing.competency.code
    assert (row["baseline_level"], row["target_level"]) == ("2", "4")
    assert (row["start_date"], row["end_date"]) == ("2025-03-03", "2025-04-14")
    assert row["task"] == "Ship the billing export"
    assert rows[0]["outcome"] == "achieved"
    assert rows[0]["task"].startswith("'=")  # not run as a formula by a spreadsheet


def test_pairings_export_runs_a_constant_number_of_queries(
    client_for, hr, employee, pairing, django_assert_max_num_queries
) -> None:
    client = client_for(hr)
    with django_assert_max_num_queries(8):
        assert len(read_csv(client.get(URL))) == 1
    for mentee in EmployeeFactory.create_batch(10, organization=hr.organization):
        pair(mentee, employee)
    with django_assert_max_num_queries(8):
        assert len(read_csv(client.get(URL))) == 11


def test_an_organisation_without_pairings_exports_the_header_only(client_for, hr) -> None:
    response = client_for(hr).get(URL)
    body = b"".join(response.streaming_content).decode()
    assert body.strip() == ",".join(PAIRING_COLUMNS)


def test_pairings_export_needs_sign_in_membership_and_hr(
    client, client_for, employee, outsider
) -> None:
    assert client.get(URL).status_code == 302
    assert client_for(outsider).get(URL).status_code == 404
    assert client_for(employee).get(URL).status_code == 403


def test_api_pairings_export_stays_in_the_organisation_and_needs_hr(
    client_for, hr, employee, pairing, outsider
) -> None:
    rows = read_csv(client_for(hr).get(API_URL, HTTP_ACCEPT="text/csv"))
    assert [int(r["id"]) for r in rows] == [pairing.pk]
    assert read_csv(client_for(outsider).get(API_URL)) == []
    refused = client_for(employee).get(API_URL)
    assert refused.status_code == 403 and set(refused.json()) == {"detail"}
