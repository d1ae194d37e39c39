"""OAuth2 client credentials: organisation-bound API clients, their scopes, revocation, expiry and
rate limits."""

from __future__ import annotations

import base64
import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from mentorship import services
from mentorship.models import ApiClient, AuditEntry, Employee, Organization
from tests.api.conftest import JsonClient
from tests.api.helpers import assert_error, ids
from tests.factories import DepartmentFactory, EmployeeFactory

TOKEN_URL = "/api/oauth/token/"
PEOPLE = "/api/v1/employees/"
_numbers = itertools.count(1)


def request_token(client_id: str, secret: str, **data: str) -> Any:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return Client().post(
        TOKEN_URL,
        {"grant_type": "client_credentials", **data},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def new_client(
    org: Organization, scopes: str = "read write", name: str = "Workday"
) -> tuple[ApiClient, str]:
    return services.api_client_create(organization=org, actor=None, name=name, scopes=scopes)


def bearer(token: str) -> JsonClient:
    return JsonClient(HTTP_AUTHORIZATION=f"Bearer {token}")


def token_for(client: ApiClient, secret: str) -> str:
    response = request_token(client.client_id, secret)
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def api_as_client(org: Organization, scopes: str = "read write") -> JsonClient:
    """A JSON client sending a fresh bearer token of a new API client of `org`."""
    client, secret = new_client(org, scopes, name=f"HRIS {next(_numbers)}")
    return bearer(token_for(client, secret))


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


# --- Tokens ---------------------------------------------------------------------------------------


def test_client_credentials_give_an_expiring_token_with_the_clients_scopes(org) -> None:
    client, secret = new_client(org, "read write")
    response = request_token(client.client_id, secret)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"read", "write"}
    assert "refresh_token" not in body
    token = AccessToken.objects.get(application=client)
    assert token.user is None
    # Stored as a checksum only, and the secret only as a hash.
    assert body["access_token"] not in token.token
    client.refresh_from_db()
    assert client.client_secret != secret and client.client_secret.startswith("md5$")


def test_a_client_may_ask_for_less_than_it_holds_but_never_more(org) -> None:
    reader, secret = new_client(org, "read")
    assert request_token(reader.client_id, secret, scope="write").status_code == 400
    both, both_secret = new_client(org, "read write", name="Other")
    response = request_token(both.client_id, both_secret, scope="read")
    assert response.json()["scope"] == "read"


def test_a_wrong_secret_gets_no_token(org) -> None:
    client, _ = new_client(org)
    response = request_token(client.client_id, "not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_an_expired_token_is_refused_with_401(org) -> None:
    client, secret = new_client(org)
    api = bearer(token_for(client, secret))
    assert api.get(PEOPLE).status_code == 200
    AccessToken.objects.filter(application=client).update(
        expires=timezone.now() - timedelta(seconds=1)
    )
    response = api.get(PEOPLE)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_and_no_credential_at_all_are_each_a_401_saying_which(
    org, employee
) -> None:
    unknown = bearer("made-up").get(PEOPLE)
    assert "unknown, expired or revoked" in assert_error(unknown, 401)["detail"]
    assert 'error="invalid_token"' in unknown["WWW-Authenticate"]
    missing = JsonClient().get(PEOPLE)
    assert assert_error(missing, 401)["detail"].startswith("No credentials were sent")
    assert missing["WWW-Authenticate"] == 'Bearer realm="api"'


# --- Tenancy ------------------------------------------------------------------------------------


def test_a_client_reads_only_its_own_organisation(org, employee, outsider) -> None:
    api = api_as_client(org, "read")
    people = api.get(PEOPLE)
    assert people.status_code == 200
    assert employee.pk in ids(people) and outsider.pk not in ids(people)
    globex_department = DepartmentFactory(organization=outsider.organization)
    assert globex_department.pk not in ids(api.get("/api/v1/departments/"))
    assert_error(api.get(f"{PEOPLE}{outsider.pk}/"), 404)
    assert_error(api.get(f"/api/v1/departments/{globex_department.pk}/"), 404)
    assert api.get(f"{PEOPLE}?external_id={outsider.external_id}").json()["count"] == 0


def test_the_organization_header_cannot_move_a_client(org, employee, outsider) -> None:
    api = api_as_client(org, "read")
    response = api.get(PEOPLE, HTTP_X_ORGANIZATION=outsider.organization.slug)
    assert response.status_code == 200
    assert outsider.pk not in ids(response) and employee.pk in ids(response)


def test_a_client_cannot_change_anything_of_another_organisation(org, hr, outsider) -> None:
    api = api_as_client(org, "read write")
    assert_error(api.patch(f"{PEOPLE}{outsider.pk}/", {"job_title": "Spy"}), 404)
    assert_error(api.post(f"{PEOPLE}{outsider.pk}/deactivate/"), 404)
    # Another organisation's HR id is simply unknown here: the person is created in acme.
    response = api.put(
        f"{PEOPLE}by-external-id/{outsider.external_id}/",
        {"email": "new.person@acme.test", "first_name": "New"},
    )
    assert response.status_code == 201, response.content
    created = Employee.objects.get(pk=response.json()["employee"]["id"])
    assert created.organization == org
    outsider.refresh_from_db()
    assert outsider.job_title != "Spy" and outsider.is_active
    assert outsider.user.email == "outsider@globex.test"


# --- Scopes -------------------------------------------------------------------------------------


def test_a_read_only_client_cannot_write(org, employee) -> None:
    api = api_as_client(org, "read")
    assert_error(api.patch(f"{PEOPLE}{employee.pk}/", {"job_title": "Lead"}), 403)
    assert_error(api.put(f"{PEOPLE}by-external-id/X1/", {"email": "x@acme.test"}), 403)
    assert_error(api.post(f"{PEOPLE}bulk/", {"employees": []}), 403)
    assert_error(api.put("/api/v1/departments/by-code/OPS/", {"name": "Ops"}), 403)
    assert_error(api.put("/api/v1/roles/by-code/R1/", {"name": "Analyst"}), 403)
    employee.refresh_from_db()
    assert employee.job_title == "Software Developer"
    assert not Employee.objects.filter(external_id="X1").exists()


def test_a_write_only_client_cannot_read(org, employee) -> None:
    api = api_as_client(org, "write")
    assert_error(api.get(PEOPLE), 403)
    assert api.patch(f"{PEOPLE}{employee.pk}/", {"job_title": "Lead"}).status_code == 200


def test_clients_change_people_departments_and_roles_only(org, employee) -> None:
    api = api_as_client(org, "read write")
    assert api.get("/api/v1/competencies/").status_code == 200
    assert_error(api.post("/api/v1/competencies/", {"name": "Negotiation"}), 403)
    assert_error(api.patch("/api/v1/scale/1/", {"name": "Novice"}), 403)
    # Assessments are people's own records: no client reads them.
    assert_error(api.get("/api/v1/assessments/"), 403)
    assert api.post("/api/v1/roles/", {"name": "Analyst", "code": "AN"}).status_code == 201
    assert api.post("/api/v1/departments/", {"name": "Ops", "code": "OPS"}).status_code == 201


def test_a_client_write_is_audited_with_the_clients_name(org, employee) -> None:
    client, secret = new_client(org, name="BambooHR")
    api = bearer(token_for(client, secret))
    assert api.patch(f"{PEOPLE}{employee.pk}/", {"job_title": "Lead"}).status_code == 200
    entry = AuditEntry.objects.get(subject_type="employee", subject_id=employee.pk)
    assert entry.actor is None
    assert entry.changes["via"] == "api client BambooHR"
    # Outside a client's request nothing is added.
    services.employee_update(employee=employee, actor=None, job_title="Staff")
    latest = AuditEntry.objects.filter(subject_id=employee.pk).order_by("-id").first()
    assert latest is not None and "via" not in latest.changes


# --- Revocation and rotation --------------------------------------------------------------------


def test_a_revoked_client_is_refused_at_once(org, employee) -> None:
    client, secret = new_client(org)
    api = bearer(token_for(client, secret))
    assert api.get(PEOPLE).status_code == 200
    services.api_client_revoke(client=client, actor=None)
    response = api.get(PEOPLE)
    assert_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not AccessToken.objects.filter(application=client).exists()
    assert request_token(client.client_id, secret).status_code == 401


def test_a_revoked_clients_surviving_token_is_refused(org) -> None:
    client, secret = new_client(org)
    api = bearer(token_for(client, secret))
    ApiClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now())
    assert_error(api.get(PEOPLE), 401)


def test_rotating_the_secret_ends_the_old_secret_and_tokens(org) -> None:
    client, old_secret = new_client(org)
    api = bearer(token_for(client, old_secret))
    client, new_secret = services.api_client_rotate(client=client, actor=None)
    assert new_secret != old_secret
    assert_error(api.get(PEOPLE), 401)
    assert request_token(client.client_id, old_secret).status_code == 401
    assert bearer(token_for(client, new_secret)).get(PEOPLE).status_code == 200


# --- Rate limits --------------------------------------------------------------------------------


def test_too_many_requests_from_a_client_get_429_with_retry_after(org, hr, api_for, settings):
    settings.API_RATE = "3/min"
    api = api_as_client(org, "read")
    for _ in range(3):
        assert api.get(PEOPLE).status_code == 200
    response = api.get(PEOPLE)
    assert_error(response, 429)
    assert 0 < int(response["Retry-After"]) <= 60
    # Each client has its own allowance, and people in the browser are not limited here.
    assert api_as_client(org, "read").get(PEOPLE).status_code == 200
    session = api_for(hr)
    assert all(session.get(PEOPLE).status_code == 200 for _ in range(5))


# --- Services ------------------------------------------------------------------------------------


def test_creating_a_client_validates_and_is_audited(org, hr) -> None:
    with pytest.raises(services.ValidationError) as exc:
        services.api_client_create(organization=org, actor=hr, name=" ", scopes="admin")
    assert set(exc.value.message_dict) == {"name", "scopes"}
    client, _ = services.api_client_create(
        organization=org, actor=hr, name="Workday", scopes="read"
    )
    with pytest.raises(services.ValidationError) as exc:
        services.api_client_create(organization=org, actor=hr, name="workday", scopes="read")
    assert "name" in exc.value.message_dict
    entry = AuditEntry.objects.get(subject_type="api_client", subject_id=client.pk)
    assert entry.actor == hr and entry.action == "created"
    assert client.client_secret not in str(entry.changes)


def test_a_revoked_client_cannot_be_rotated(org) -> None:
    client, _ = new_client(org)
    services.api_client_revoke(client=client, actor=None)
    with pytest.raises(services.ValidationError):
        services.api_client_rotate(client=client, actor=None)


def test_member_requests_keep_working_alongside_clients(api_for, hr, employee) -> None:
    assert api_for(employee).get(PEOPLE).status_code == 200
    other = EmployeeFactory(organization=hr.organization)
    assert api_for(hr).patch(f"{PEOPLE}{other.pk}/", {"job_title": "X"}).status_code == 200
