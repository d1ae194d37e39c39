"""Department pages (HR admins): list, add, edit."""

from __future__ import annotations

import pytest

from mentorship.models import AuditEntry, Department
from tests.factories import DepartmentFactory

BASE = "/o/acme/departments/"


@pytest.fixture
def finance(org) -> Department:
    return DepartmentFactory(organization=org, name="Finance", code="FIN")


@pytest.mark.parametrize("path", ["", "new/", "{pk}/edit/"])
def test_anonymous_is_sent_to_login(client, finance, path) -> None:
    response = client.get(BASE + path.format(pk=finance.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["", "new/", "{pk}/edit/"])
def test_member_of_another_organisation_gets_404(client_for, outsider, finance, path) -> None:
    assert client_for(outsider).get(BASE + path.format(pk=finance.pk)).status_code == 404


def test_another_organisations_department_is_404_under_own_url(client_for, hr, outsider) -> None:
    response = client_for(hr).get(f"{BASE}{outsider.department_id}/edit/")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["", "new/", "{pk}/edit/"])
def test_non_hr_member_is_refused(client_for, employee, finance, path) -> None:
    assert client_for(employee).get(BASE + path.format(pk=finance.pk)).status_code == 403


def test_non_hr_member_cannot_create(client_for, employee) -> None:
    response = client_for(employee).post(BASE + "new/", {"name": "Ops", "code": "OPS"})
    assert response.status_code == 403
    assert not Department.objects.filter(code="OPS").exists()


def test_list_shows_departments_with_head_counts(client_for, hr, employee, finance) -> None:
    response = client_for(hr).get(BASE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Engineering" in body and "Finance" in body and "Add department" in body
    counts = {d.name: d.people_count for d in response.context["departments"]}
    assert counts["Engineering"] == 2


def test_list_has_an_empty_state(client_for, org, hr) -> None:
    Department.objects.filter(organization=org).exclude(pk=hr.department_id).update(parent=None)
    hr.department = None
    hr.save(update_fields=["department"])
    Department.objects.filter(organization=org).delete()
    body = client_for(hr).get(BASE).content.decode()
    assert "No departments yet" in body


def test_hr_creates_a_department_under_a_parent(client_for, org, hr, finance) -> None:
    response = client_for(hr).post(
        BASE + "new/", {"name": "Payroll", "code": "PAY", "parent": finance.pk}
    )
    assert response.status_code == 302
    payroll = Department.objects.get(organization=org, code="PAY")
    assert payroll.parent == finance
    assert AuditEntry.objects.filter(subject_type="department", subject_id=payroll.pk).exists()


def test_create_shows_errors_and_writes_nothing(client_for, org, hr, finance, outsider) -> None:
    before = Department.objects.count()
    c = client_for(hr)
    response = c.post(BASE + "new/", {"name": "finance", "code": "fin"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is already a department called" in body
    assert "Another department already uses the code" in body
    response = c.post(BASE + "new/", {"name": "", "code": "X", "parent": outsider.department_id})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Department.objects.count() == before


def test_hr_edits_a_department(client_for, hr, finance) -> None:
    response = client_for(hr).post(
        f"{BASE}{finance.pk}/edit/", {"name": "Finance & Legal", "code": "FIN"}
    )
    assert response.status_code == 302
    finance.refresh_from_db()
    assert finance.name == "Finance & Legal"


def test_edit_refuses_a_cycle(client_for, org, hr, finance) -> None:
    child = DepartmentFactory(organization=org, name="Tax", code="TAX", parent=finance)
    response = client_for(hr).post(
        f"{BASE}{finance.pk}/edit/", {"name": "Finance", "code": "FIN", "parent": child.pk}
    )
    assert response.status_code == 200
    assert "would create a cycle: Finance → Tax → Finance" in response.content.decode()
    finance.refresh_from_db()
    assert finance.parent is None
