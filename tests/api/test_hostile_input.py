"""Hostile or malformed requests get a clear 4xx in the API's own format, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from mentorship.models import Employee
from mentorship.parsers import MAX_DEPTH
from tests.api.helpers import assert_error
from tests.api.test_oauth import api_as_client
from tests.factories import DepartmentFactory

NESTED = "[" * 5000 + "]" * 5000


def post_raw(client: Client, url: str, body: str | bytes) -> object:
    return client.generic("POST", url, body, content_type="application/json")


def test_json_nested_thousands_deep_is_a_400_even_unauthenticated(org, hr) -> None:
    for client in (api_as_client(org), Client()):
        body = assert_error(post_raw(client, "/api/v1/employees/", NESTED), 400)
        assert "nested" in body["detail"]


def test_json_just_inside_the_depth_limit_is_parsed(org, hr) -> None:
    inside = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    too_deep = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    client = api_as_client(org)
    # Parsed, then refused as a bad payload rather than as unreadable JSON.
    assert "nested" not in post_raw(client, "/api/v1/employees/", inside).json()["detail"]
    assert "nested" in post_raw(client, "/api/v1/employees/", too_deep).json()["detail"]


def test_malformed_json_is_a_400(org, hr) -> None:
    body = assert_error(post_raw(api_as_client(org), "/api/v1/employees/", '{"email": '), 400)
    assert body["detail"].startswith("JSON parse error")


def test_a_5000_row_bulk_pretty_printed_fits_the_upload_limit(org, hr) -> None:
    DepartmentFactory(organization=org, code="ENGINEERING-PAYMENTS")
    rows = [
        {
            "external_id": f"P{i}",
            "email": f"p{i}@acme.test",
            "first_name": f"Person {i}",
            "last_name": "Bulk",
            "job_title": "Senior Software Engineer, Payments Platform",
            "department_code": "ENGINEERING-PAYMENTS",
            "role_code": "",
            "time_zone": "Europe/Paris",
            "mentor_available": True,
        }
        for i in range(5000)
    ]
    payload = json.dumps({"employees": rows, "dry_run": True}, indent=8)
    assert len(payload) > 2_500_000  # Django's default limit, which refused it
    response = post_raw(api_as_client(org), "/api/v1/employees/bulk/", payload)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["created"] == 5000
    assert not Employee.objects.filter(organization=org, external_id="P1").exists()  # dry run


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1_000_000)
@pytest.mark.parametrize("signed_in", [True, False])
def test_an_oversized_body_is_a_413_in_the_api_format(org, hr, signed_in) -> None:
    client = api_as_client(org) if signed_in else Client()
    payload = json.dumps({"employees": [{"external_id": "x" * 1000}] * 1200})
    body = assert_error(post_raw(client, "/api/v1/employees/bulk/", payload), 413)
    assert "1 MB limit" in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/competencies/?q=%00",
        "/api/v1/roles/?category=%00",
        "/api/v1/employees/?search=%00",
        "/api/v1/employees/?%00=1",
        "/api/v1/employees/?search=%1b",
    ],
)
def test_control_characters_in_the_query_string_are_stripped_on_the_api(org, hr, path) -> None:
    response = api_as_client(org).get(path)
    assert response.status_code == 200, response.content


def test_a_search_with_nul_finds_what_the_search_without_it_finds(org, hr) -> None:
    client = api_as_client(org)
    plain = client.get(f"/api/v1/employees/?search={hr.user.last_name}").json()
    with_nul = client.get(f"/api/v1/employees/?search={hr.user.last_name}%00").json()
    assert with_nul["count"] == plain["count"] >= 1


def test_control_characters_on_a_page_are_a_400_page(client, org, hr) -> None:
    client.force_login(hr.user)
    response = client.get(f"/o/{org.slug}/model/competencies/?q=%00")
    assert response.status_code == 400
    assert "control characters" in response.content.decode()
    assert client.get(f"/o/{org.slug}/model/competencies/?q=data").status_code == 200
