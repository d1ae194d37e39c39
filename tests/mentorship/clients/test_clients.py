"""HR manages API clients in the browser: /o/<slug>/settings/api-clients/."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.hashers import check_password
from oauth2_provider.models import AccessToken

from mentorship import services
from mentorship.models import ApiClient, AuditEntry
from tests.api.test_oauth import request_token, token_for

LIST = "/o/acme/settings/api-clients/"
NEW = f"{LIST}new/"


def shown_secret(response) -> str:
    match = re.search(
        r'id="shown-client-secret" rows="3" readonly>([^<]+)<', response.content.decode()
    )
    assert match, "no secret shown"
    return match.group(1)


def rotate_url(client: ApiClient) -> str:
    return f"{LIST}{client.pk}/rotate/"


def revoke_url(client: ApiClient) -> str:
    return f"{LIST}{client.pk}/revoke/"


@pytest.fixture
def workday(org, hr) -> ApiClient:
    client, _ = services.api_client_create(
        organization=org, actor=hr, name="Workday", scopes="read write"
    )
    return client


def test_anonymous_is_sent_to_sign_in(client, org) -> None:
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(NEW, {"name": "X", "scopes": "read"}).status_code == 302
    assert not ApiClient.objects.exists()


def test_members_of_another_organisation_get_404(client_for, outsider, workday) -> None:
    browser = client_for(outsider)
    assert browser.get(LIST).status_code == 404
    assert browser.post(revoke_url(workday)).status_code == 404
    # Their own page cannot reach acme's client either.
    assert browser.post(f"/o/globex/settings/api-clients/{workday.pk}/revoke/").status_code == 404
    assert browser.post(f"/o/globex/settings/api-clients/{workday.pk}/rotate/").status_code == 404
    workday.refresh_from_db()
    assert not workday.is_revoked


def test_only_hr_admins_manage_clients(client_for, manager, workday) -> None:
    browser = client_for(manager)
    assert browser.get(LIST).status_code == 403
    assert browser.post(NEW, {"name": "Rogue", "scopes": "read write"}).status_code == 403
    assert browser.post(rotate_url(workday)).status_code == 403
    assert browser.post(revoke_url(workday)).status_code == 403
    workday.refresh_from_db()
    assert not workday.is_revoked and ApiClient.objects.count() == 1


def test_the_empty_page_says_what_to_do(client_for, hr) -> None:
    response = client_for(hr).get(LIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "No API clients yet." in body and 'class="page-header"' in body
    assert 'for="client-name"' in body  # the create form, labelled


def test_the_list_shows_this_organisations_clients_only(
    client_for, hr, workday, other_org, django_assert_max_num_queries
) -> None:
    services.api_client_create(organization=other_org, actor=None, name="Globex HR", scopes="read")
    for n in range(5):
        services.api_client_create(
            organization=hr.organization, actor=hr, name=f"S{n}", scopes="read"
        )
    browser = client_for(hr)
    with django_assert_max_num_queries(12):
        response = browser.get(LIST)
    body = response.content.decode()
    assert "Workday" in body and workday.client_id in body
    assert "Globex HR" not in body


def test_creating_a_client_shows_its_secret_once(client_for, hr) -> None:
    browser = client_for(hr)
    response = browser.post(NEW, {"name": "BambooHR", "scopes": "read"})
    assert response.status_code == 200
    client = ApiClient.objects.get(organization=hr.organization, name="BambooHR")
    assert client.scopes == "read" and client.created_by == hr
    secret = shown_secret(response)
    assert "shown only this once" in response.content.decode()
    # Stored only as a hash, never shown again, and it works.
    assert client.client_secret != secret and check_password(secret, client.client_secret)
    assert secret not in browser.get(LIST).content.decode()
    assert request_token(client.client_id, secret).status_code == 200
    assert AuditEntry.objects.filter(subject_type="api_client", subject_id=client.pk).exists()


def test_creating_with_htmx_swaps_the_page_and_confirms(client_for, hr) -> None:
    response = client_for(hr).post(
        NEW, {"name": "Personio", "scopes": "read write"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body and 'id="client-secret"' in body
    assert json.loads(response["HX-Trigger"])["toast"]["message"].startswith("API client Personio")


def test_bad_input_shows_errors_next_to_the_fields(client_for, hr, workday) -> None:
    browser = client_for(hr)
    response = browser.post(NEW, {"name": "", "scopes": "admin"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "scopes"}
    response = browser.post(NEW, {"name": "workday", "scopes": "read"})
    assert "already an active client" in response.context["form"].errors["name"][0]
    assert ApiClient.objects.count() == 1


def test_rotating_shows_a_new_secret_and_ends_old_tokens(client_for, hr, org) -> None:
    client, old_secret = services.api_client_create(
        organization=org, actor=hr, name="Workday", scopes="read"
    )
    token_for(client, old_secret)
    response = client_for(hr).post(rotate_url(client), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    new_secret = shown_secret(response)
    assert new_secret != old_secret
    assert not AccessToken.objects.filter(application=client).exists()
    assert request_token(client.client_id, old_secret).status_code == 401
    assert request_token(client.client_id, new_secret).status_code == 200
    assert "toast" in response["HX-Trigger"]


def test_revoking_stops_the_client_at_once(client_for, hr, workday) -> None:
    browser = client_for(hr)
    response = browser.post(revoke_url(workday))
    assert response.status_code == 302
    workday.refresh_from_db()
    assert workday.is_revoked
    page = browser.get(LIST).content.decode()
    assert "was revoked" in page and "Revoked" in page
    assert AuditEntry.objects.filter(subject_id=workday.pk, action="revoked").exists()


def test_a_revoked_client_cannot_be_rotated(client_for, hr, workday) -> None:
    services.api_client_revoke(client=workday, actor=hr)
    response = client_for(hr).post(rotate_url(workday), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "danger"
    assert 'id="client-secret"' not in response.content.decode()


def test_clients_pages_only_take_posts_for_changes(client_for, hr, workday) -> None:
    browser = client_for(hr)
    assert browser.get(NEW).status_code == 405
    assert browser.get(revoke_url(workday)).status_code == 405
