"""The exports page and the people CSV export, in the browser and through the API."""

from __future__ import annotations

import base64
import csv
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mentorship import services
from mentorship.exports.builders import PEOPLE_COLUMNS
from mentorship.imports.services import people_csv_parse
from mentorship.models import Employee
from tests.factories import EmployeeFactory, RoleFactory, UserFactory


@pytest.fixture
def api_for() -> Any:
    """A test client signed in as the member (no organisation in the session yet); None: anonymous."""

    def make(member: Employee | None = None) -> Client:
        client = Client()
        if member is not None:
            client.force_login(member.user)
        return client

    return make


def read_csv(response: Any) -> list[dict[str, str]]:
    """The streamed body as rows keyed by the header."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def assert_download_name(response: Any, slug: str, what: str) -> None:
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-{what}-{today}.csv"'


# --- Exports page ---------------------------------------------------------------------------------


def test_exports_page_offers_every_export(client_for, hr) -> None:
    response = client_for(hr).get("/o/acme/exports/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Exports</h1>" in body
    for url in ("people.csv", "skill-profiles.csv", "gaps.csv", "pairings.csv"):
        assert f'href="/o/acme/exports/{url}"' in body


def test_exports_page_needs_sign_in_membership_and_hr(
    client, client_for, employee, outsider
) -> None:
    assert client.get("/o/acme/exports/").status_code == 302
    assert client_for(outsider).get("/o/acme/exports/").status_code == 404
    assert client_for(employee).get("/o/acme/exports/").status_code == 403


# --- People export --------------------------------------------------------------------------------


def test_people_export_has_the_import_columns_for_everyone(
    client_for, hr, manager, employee, outsider
) -> None:
    role = RoleFactory(organization=hr.organization, code="DEV")
    employee.role = role
    employee.time_zone = "Europe/Paris"
    employee.save(update_fields=["role", "time_zone"])
    gone = EmployeeFactory(organization=hr.organization, is_active=False, mentor_capacity=0)

    response = client_for(hr).get("/o/acme/exports/people.csv")

    assert_download_name(response, "acme", "people")
    rows = read_csv(response)
    assert list(rows[0]) == list(PEOPLE_COLUMNS)
    by_id = {row["external_id"]: row for row in rows}
    assert set(by_id) == {
        hr.external_id,
        manager.external_id,
        employee.external_id,
        gone.external_id,
    }
    assert by_id[employee.external_id] == {
        "external_id": employee.external_id,
        "email": "employee@acme.test",
        "first_name": "Emma",
        "last_name": "Stone",
        "job_title": "Software Developer",
        "department_code": "ENG",
        "manager_external_id": manager.external_id,
        "role_code": "DEV",
        "time_zone": "Europe/Paris",
        "is_hr_admin": "false",
        "mentor_available": "true",
        "mentor_capacity": "2",
        "active": "true",
    }
    assert by_id[hr.external_id]["is_hr_admin"] == "true"
    assert by_id[gone.external_id]["active"] == "false"
    assert outsider.external_id not in by_id


def test_people_export_reads_back_through_the_import_parser(client_for, hr, employee) -> None:
    employee.job_title = '=HYPERLINK("http://evil")'
    employee.save(update_fields=["job_title"])
    response = client_for(hr).get("/o/acme/exports/people.csv")
    body = b"".join(response.streaming_content)
    assert b"'=HYPERLINK" in body  # a spreadsheet shows it as text instead of running it
    parsed = people_csv_parse(body)
    assert parsed.errors == {}
    row = next(r for r in parsed.rows if r["external_id"] == employee.external_id)
    assert row["job_title"] == employee.job_title
    assert (row["active"], row["mentor_capacity"]) == ("true", "2")


def test_people_export_runs_a_constant_number_of_queries(
    client_for, hr, django_assert_max_num_queries
) -> None:
    client = client_for(hr)
    with django_assert_max_num_queries(8):
        small = len(read_csv(client.get("/o/acme/exports/people.csv")))
    EmployeeFactory.create_batch(30, organization=hr.organization)
    with django_assert_max_num_queries(8):
        assert len(read_csv(client.get("/o/acme/exports/people.csv"))) == small + 30


def test_people_export_needs_sign_in_membership_and_hr(
    client, client_for, employee, outsider
) -> None:
    assert client.get("/o/acme/exports/people.csv").status_code == 302
    assert client_for(outsider).get("/o/acme/exports/people.csv").status_code == 404
    assert client_for(employee).get("/o/acme/exports/people.csv").status_code == 403
    assert client_for(outsider).post("/o/globex/exports/people.csv").status_code == 405


# --- API ------------------------------------------------------------------------------------------


def test_api_people_export_streams_the_organisation_of_the_credential(
    api_for, hr, employee, outsider
) -> None:
    response = api_for(hr).get("/api/v1/exports/people.csv", HTTP_ACCEPT="text/csv")
    assert_download_name(response, "acme", "people")
    emails = {row["email"] for row in read_csv(response)}
    assert emails == {"hr@acme.test", "employee@acme.test", "manager@acme.test"}

    response = api_for(outsider).get("/api/v1/exports/people.csv")
    assert {row["email"] for row in read_csv(response)} == {"outsider@globex.test"}


def test_api_people_export_refuses_anonymous_non_hr_and_foreign_organisations(
    api_for, hr, employee, outsider
) -> None:
    for member, header, status in [
        (None, {}, (401, 403)),
        (employee, {}, (403,)),
        (hr, {"HTTP_X_ORGANIZATION": "globex"}, (404,)),
    ]:
        response = api_for(member).get(
            "/api/v1/exports/people.csv", HTTP_ACCEPT="text/csv", **header
        )
        assert response.status_code in status
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) == {"detail"}


def test_api_people_export_member_of_two_organisations_picks_with_the_header(
    api_for, hr, outsider
) -> None:
    EmployeeFactory(organization=outsider.organization, user=hr.user, is_hr_admin=True)
    response = api_for(hr).get("/api/v1/exports/people.csv", HTTP_X_ORGANIZATION="globex")
    assert_download_name(response, "globex", "people")
    assert {row["email"] for row in read_csv(response)} == {"outsider@globex.test", "hr@acme.test"}


def test_api_export_refuses_writes(api_for, hr) -> None:
    response = api_for(hr).post("/api/v1/exports/people.csv", {}, content_type="application/json")
    assert response.status_code == 405


def test_people_export_includes_people_without_an_hr_id(client_for, hr) -> None:
    EmployeeFactory(
        organization=hr.organization, external_id="", user=UserFactory(email="new@acme.test")
    )
    rows = read_csv(client_for(hr).get("/o/acme/exports/people.csv"))
    assert {"new@acme.test": ""}.items() <= {r["email"]: r["external_id"] for r in rows}.items()
    assert Employee.objects.filter(organization=hr.organization).count() == len(rows)


# --- API clients (HR systems) ---------------------------------------------------------------------


def client_token(org: Any, scopes: str) -> str:
    """A bearer token of a new API client of `org` holding `scopes`."""
    api_client, secret = services.api_client_create(
        organization=org, actor=None, name=f"HRIS {scopes}", scopes=scopes
    )
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = Client().post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/exports/people.csv",
        "/api/v1/exports/skill-profiles.csv",
        "/api/v1/exports/gaps.csv",
        "/api/v1/exports/pairings.csv",
    ],
)
def test_api_clients_with_the_read_scope_export_their_organisation_only(
    org, employee, outsider, url
) -> None:
    cache.clear()  # fresh per-client rate limits
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {client_token(org, 'read')}")
    response = reader.get(url, HTTP_X_ORGANIZATION="globex")  # the header cannot move a client
    assert_download_name(response, "acme", url.rsplit("/", 1)[1].removesuffix(".csv"))
    b"".join(response.streaming_content)

    writer_only = Client(HTTP_AUTHORIZATION=f"Bearer {client_token(org, 'write')}")
    refused = writer_only.get(url)
    assert refused.status_code == 403 and set(refused.json()) == {"detail"}


def test_api_client_people_export_lists_only_its_organisation(org, hr, outsider) -> None:
    cache.clear()
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {client_token(org, 'read')}")
    emails = {row["email"] for row in read_csv(reader.get("/api/v1/exports/people.csv"))}
    assert emails == {"hr@acme.test"}
