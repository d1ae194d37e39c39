"""Tenant binding, permissions and the one error format, across the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_scopes.state import get_scope
from rest_framework.exceptions import NotFound

from mentorship.api_base import exception_handler
from tests.api.helpers import assert_error, ids
from tests.factories import EmployeeFactory

LIST_URLS = [
    "/api/v1/departments/",
    "/api/v1/employees/",
    "/api/v1/competencies/",
    "/api/v1/roles/",
    "/api/v1/scale/",
    "/api/v1/assessments/",
    "/api/v1/skill-profiles/",
    "/api/v1/goals/",
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_is_refused_with_401(api_for, org, url) -> None:
    response = api_for(None).get(url)
    body = assert_error(response, 401)
    assert body["detail"].startswith("No credentials were sent")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("url", LIST_URLS)
def test_every_member_can_read(api_for, employee, url) -> None:
    response = api_for(employee).get(url)
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_user_without_an_active_membership_is_refused(api_for, employee) -> None:
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    body = assert_error(api_for(employee).get("/api/v1/employees/"), 403)
    assert "not an active member" in body["detail"]


@pytest.fixture
def two_org_member(employee, other_org):
    """Emma works for Acme and, part-time, for Globex."""
    EmployeeFactory(organization=other_org, user=employee.user, external_id="G-EMMA")
    return employee


def test_first_membership_is_the_default_organisation(api_for, two_org_member) -> None:
    response = api_for(two_org_member).get("/api/v1/employees/")
    assert two_org_member.pk in ids(response)


def test_organisation_last_opened_in_the_web_app_is_used(api_for, two_org_member) -> None:
    client = api_for(two_org_member)
    assert client.get("/o/globex/").status_code == 200
    response = client.get("/api/v1/employees/")
    assert [row["external_id"] for row in response.json()["results"]] == ["G-EMMA"]


def test_organization_header_overrides_the_session(api_for, two_org_member) -> None:
    client = api_for(two_org_member)
    client.get("/o/globex/")
    response = client.get("/api/v1/employees/", headers={"X-Organization": "acme"})
    assert two_org_member.pk in ids(response)
    assert "G-EMMA" not in {row["external_id"] for row in response.json()["results"]}


def test_organization_header_of_a_non_member_is_404(api_for, employee, other_org) -> None:
    client = api_for(employee)
    assert_error(client.get("/api/v1/employees/", headers={"X-Organization": "globex"}), 404)
    assert_error(client.get("/api/v1/employees/", headers={"X-Organization": "nope"}), 404)


def test_non_hr_member_cannot_write(api_for, employee) -> None:
    response = api_for(employee).post("/api/v1/departments/", {"name": "Ops", "code": "OPS"})
    body = assert_error(response, 403)
    assert body["detail"] == "Only HR admins can make changes."


def test_the_request_scope_is_closed_afterwards(api_for, employee) -> None:
    before = dict(get_scope())
    api_for(employee).get("/api/v1/employees/")
    api_for(employee).get(f"/api/v1/employees/{employee.pk + 1000}/")
    assert dict(get_scope()) == before


def test_malformed_json_is_a_400_in_the_error_format(api_for, hr) -> None:
    response = api_for(hr).generic(
        "POST", "/api/v1/departments/", "{not json", content_type="application/json"
    )
    assert_error(response, 400)


def test_non_json_body_is_refused(api_for, hr) -> None:
    response = api_for(hr).generic(
        "POST", "/api/v1/departments/", "name=Ops", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415)


def test_a_domain_error_with_fields_becomes_a_400_with_field_errors() -> None:
    response = exception_handler(ValidationError({"level": "Level 9 is off the scale."}), {})
    assert response is not None
    assert response.status_code == 400
    assert response.data == {
        "detail": "Invalid input.",
        "errors": {"level": ["Level 9 is off the scale."]},
    }


def test_a_domain_error_without_a_field_is_a_non_field_error() -> None:
    for exc in (ValidationError("Nope."), ValidationError({"__all__": ["Nope."]})):
        response = exception_handler(exc, {})
        assert response is not None
        assert response.data == {
            "detail": "Invalid input.",
            "errors": {"non_field_errors": ["Nope."]},
        }


def test_not_found_never_says_what_was_looked_for() -> None:
    response = exception_handler(NotFound("No Employee matches the given query."), {})
    assert response is not None
    assert response.data == {"detail": "Not found."}


def test_an_unknown_id_is_404_in_the_error_format(api_for, employee) -> None:
    body = assert_error(api_for(employee).get("/api/v1/employees/999999/"), 404)
    assert body == {"detail": "Not found."}
