from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from django_scopes.exceptions import ScopeError

from mentorship.models import Department, Employee
from tests.factories import EmployeeFactory


def test_unscoped_query_on_a_tenant_model_raises() -> None:
    # The autouse fixture disables scopes for test bodies; re-enable strictness explicitly.
    with scope(), pytest.raises(ScopeError):
        list(Employee.objects.all())


def test_scoped_query_only_sees_its_own_organisation(employee, outsider) -> None:
    with scope(organization=employee.organization):
        assert set(Employee.objects.values_list("organization_id", flat=True)) == {
            employee.organization_id
        }
        assert not Department.objects.filter(organization=outsider.organization).exists()


def test_anonymous_is_sent_to_login(client, org) -> None:
    response = client.get("/o/acme/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/acme/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    assert client_for(outsider).get("/o/acme/").status_code == 404


def test_unknown_organisation_gets_404(client_for, employee) -> None:
    assert client_for(employee).get("/o/no-such-org/").status_code == 404


def test_deactivated_member_gets_404(client_for, employee) -> None:
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    assert client_for(employee).get("/o/acme/").status_code == 404


def test_member_sees_their_dashboard(client_for, employee) -> None:
    response = client_for(employee).get("/o/acme/")
    assert response.status_code == 200
    assert "Welcome, Emma" in response.content.decode()


def test_only_managers_see_their_reports_on_the_dashboard(client_for, manager, employee) -> None:
    assert "Your direct reports" not in client_for(employee).get("/o/acme/").content.decode()
    page = client_for(manager).get("/o/acme/").content.decode()
    assert "Your direct reports" in page and "Emma Stone" in page


def test_home_redirects_single_membership_into_the_organisation(client_for, employee) -> None:
    response = client_for(employee).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"


def test_home_lists_every_organisation_of_a_multi_org_user(client_for, employee, other_org) -> None:
    with scopes_disabled():
        EmployeeFactory(organization=other_org, user=employee.user)
    response = client_for(employee).get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme" in body and "Globex" in body


def test_login_with_email_and_password(client, employee) -> None:
    response = client.post(
        "/accounts/login/", {"username": "employee@acme.test", "password": "mentoring-demo"}
    )
    assert response.status_code == 302
    bad = client.post("/accounts/login/", {"username": "employee@acme.test", "password": "nope"})
    assert bad.status_code == 200
    assert "Please enter a correct" in bad.content.decode()
