"""Upserts of one thing by its HR system key: PUT /api/v1/employees/by-external-id/{id}/,
/departments/by-code/{code}/ and /roles/by-code/{code}/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from competencies import sync as role_sync
from competencies.models import Role
from mentorship import services
from mentorship import sync as hr_sync
from mentorship.models import AuditEntry, Department, Employee
from tests.api.helpers import assert_error
from tests.api.test_oauth import api_as_client
from tests.factories import DepartmentFactory, RoleFactory

PEOPLE = "/api/v1/employees/by-external-id/"
DEPARTMENTS = "/api/v1/departments/by-code/"
ROLES = "/api/v1/roles/by-code/"


def nina(**fields: object) -> dict[str, object]:
    return {"email": "nina@acme.test", "first_name": "Nina", "last_name": "Park", **fields}


# --- People ---------------------------------------------------------------------------------------


def test_put_creates_then_updates_then_reports_unchanged(api_for, hr, manager) -> None:
    client = api_for(hr)
    body = nina(manager_external_id=manager.external_id, department_code="ENG")
    created = client.put(f"{PEOPLE}W-1/", body)
    assert created.status_code == 201, created.content
    assert created.json()["result"] == "created"
    person = created.json()["employee"]
    assert person["external_id"] == "W-1" and person["manager"] == manager.pk
    assert person["department"] == manager.department_id and person["is_active"] is True

    updated = client.put(f"{PEOPLE}W-1/", {**body, "job_title": "Analyst"})
    assert updated.status_code == 200
    assert updated.json()["result"] == "updated"
    assert updated.json()["employee"]["job_title"] == "Analyst"

    same = client.put(f"{PEOPLE}W-1/", {**body, "job_title": "Analyst"})
    assert same.json() == {**updated.json(), "result": "unchanged"}
    assert AuditEntry.objects.filter(subject_id=person["id"], subject_type="employee").count() == 2


def test_put_deactivates_and_reactivates(api_for, hr, manager, employee) -> None:
    client = api_for(hr)
    url = f"{PEOPLE}{manager.external_id}/"
    response = client.put(url, {"active": False})
    assert response.json()["result"] == "updated"
    assert response.json()["employee"]["is_active"] is False
    employee.refresh_from_db()
    assert employee.manager is None  # moved up: their manager had nobody above
    assert client.put(url, {"active": True}).json()["employee"]["is_active"] is True


def test_put_with_bad_fields_is_a_400_naming_them(api_for, hr) -> None:
    client = api_for(hr)
    assert_error(client.put(f"{PEOPLE}W-2/", {"first_name": "No e-mail"}), 400, "email")
    assert_error(
        client.put(f"{PEOPLE}W-2/", nina(department_code="NOPE", role_code="NOPE")),
        400,
        "department_code",
        "role_code",
    )
    assert_error(
        client.put(f"{PEOPLE}W-2/", nina(manager_external_id="W-2")), 400, "manager_external_id"
    )
    assert_error(client.put(f"{PEOPLE}W-2/", nina(colour="red")), 400, "colour")
    assert_error(client.put(f"{PEOPLE}W-2/", nina(external_id="W-3")), 400, "external_id")
    assert_error(client.put(f"{PEOPLE}W-2/", ["not", "an", "object"]), 400, "non_field_errors")
    assert_error(client.put(f"{PEOPLE}W-2/", nina(mentor_capacity=True)), 400, "mentor_capacity")
    assert_error(client.put(f"{PEOPLE}W-2/", nina(job_title="a\x00b")), 400, "job_title")
    assert not Employee.objects.filter(external_id="W-2").exists()


def test_put_by_external_id_is_refused_to_non_hr_and_anonymous(api_for, employee) -> None:
    assert_error(api_for(employee).put(f"{PEOPLE}W-1/", nina()), 403)
    assert_error(api_for(None).put(f"{PEOPLE}W-1/", nina()), 401)
    assert not Employee.objects.filter(external_id="W-1").exists()


def test_another_organisations_hr_id_is_unknown_here(api_for, employee, outsider) -> None:
    response = api_for(outsider).put(
        f"{PEOPLE}{employee.external_id}/", {"email": "x@globex.test", "first_name": "X"}
    )
    assert response.status_code == 201
    assert Employee.objects.get(pk=response.json()["employee"]["id"]).organization_id == (
        outsider.organization_id
    )
    employee.refresh_from_db()
    assert employee.user.email == "employee@acme.test"


def test_an_hr_id_with_dots_and_spaces_works(api_for, hr) -> None:
    response = api_for(hr).put(f"{PEOPLE}emp.42%20b/", nina())
    assert response.status_code == 201, response.content
    assert response.json()["employee"]["external_id"] == "emp.42 b"


def test_service_upsert_reports_what_it_did(org, hr) -> None:
    employee, result = hr_sync.employee_upsert(
        organization=org, actor=hr, external_id="S-1", fields=nina()
    )
    assert result == "created" and employee.external_id == "S-1"
    _, result = hr_sync.employee_upsert(organization=org, actor=hr, external_id="S-1", fields={})
    assert result == "unchanged"
    with pytest.raises(services.ValidationError) as exc:
        hr_sync.employee_upsert(
            organization=org, actor=hr, external_id="S-2", fields={"email": "bad"}
        )
    assert set(exc.value.message_dict) == {"email", "first_name"}


# --- Departments ----------------------------------------------------------------------------------


def test_put_a_department_by_code(api_for, hr) -> None:
    client = api_for(hr)
    DepartmentFactory(organization=hr.organization, name="Sales", code="SALES")
    created = client.put(f"{DEPARTMENTS}EMEA/", {"name": "EMEA Sales", "parent_code": "SALES"})
    assert created.status_code == 201, created.content
    assert created.json()["result"] == "created"
    department = Department.objects.get(organization=hr.organization, code="EMEA")
    assert created.json()["department"]["parent"] == department.parent_id
    assert client.put(f"{DEPARTMENTS}emea/", {"name": "EMEA Sales"}).json()["result"] == "unchanged"
    renamed = client.put(f"{DEPARTMENTS}EMEA/", {"name": "Sales Europe", "parent_code": None})
    assert renamed.json()["result"] == "updated"
    department.refresh_from_db()
    assert department.name == "Sales Europe" and department.parent is None


def test_put_a_department_with_bad_fields_is_a_400(api_for, hr, manager) -> None:
    client = api_for(hr)
    assert_error(client.put(f"{DEPARTMENTS}NEW/", {}), 400, "name")
    assert_error(client.put(f"{DEPARTMENTS}NEW/", {"name": "Engineering"}), 400, "name")
    assert_error(
        client.put(f"{DEPARTMENTS}NEW/", {"name": "X", "parent_code": "NEW"}), 400, "parent_code"
    )
    assert_error(client.put(f"{DEPARTMENTS}ENG/", {"parent_code": "NOPE"}), 400, "parent_code")
    assert not Department.objects.filter(code="NEW").exists()


def test_departments_of_another_organisation_are_out_of_reach(api_for, manager, outsider) -> None:
    response = api_for(outsider).put(f"{DEPARTMENTS}ENG/", {"name": "Globex Engineering"})
    assert response.json()["result"] == "created"
    manager.department.refresh_from_db()
    assert manager.department.name == "Engineering"
    assert_error(api_for(manager).put(f"{DEPARTMENTS}ENG/", {"name": "Mine"}), 403)


# --- Roles ----------------------------------------------------------------------------------------


def test_put_a_role_by_code(api_for, hr) -> None:
    client = api_for(hr)
    created = client.put(f"{ROLES}15-2051.00/", {"name": "Data Scientist", "family": "Data"})
    assert created.status_code == 201, created.content
    assert created.json()["result"] == "created"
    assert created.json()["role"]["code"] == "15-2051.00"
    same = client.put(f"{ROLES}15-2051.00/", {"name": "Data Scientist"})
    assert same.json()["result"] == "unchanged"
    changed = client.put(f"{ROLES}15-2051.00/", {"description": "Finds patterns."})
    assert changed.json()["result"] == "updated"
    role = Role.objects.get(organization=hr.organization, code="15-2051.00")
    assert (role.name, role.family, role.description) == (
        "Data Scientist",
        "Data",
        "Finds patterns.",
    )
    assert AuditEntry.objects.filter(subject_type="role", subject_id=role.pk).count() == 2


def test_put_a_role_keeps_an_archived_role_archived(api_for, hr) -> None:
    role = RoleFactory(organization=hr.organization, code="OLD", archived_at=timezone.now())
    response = api_for(hr).put(f"{ROLES}OLD/", {"name": "Renamed"})
    assert response.json()["result"] == "updated"
    role.refresh_from_db()
    assert role.name == "Renamed" and role.archived_at is not None


def test_put_a_role_with_bad_fields_is_a_400(api_for, hr) -> None:
    RoleFactory(organization=hr.organization, name="Analyst", code="AN")
    client = api_for(hr)
    assert_error(client.put(f"{ROLES}NEW/", {}), 400, "name")
    assert_error(client.put(f"{ROLES}NEW/", {"name": "analyst"}), 400, "name")
    assert_error(client.put(f"{ROLES}NEW/", {"name": "X" * 201}), 400, "name")
    assert_error(client.put(f"{ROLES}NEW/", {"name": "X", "requirements": []}), 400, "requirements")
    assert not Role.objects.filter(code="NEW").exists()


def test_roles_are_upserted_by_write_clients_only(org, hr, employee, api_for) -> None:
    assert_error(api_for(employee).put(f"{ROLES}R1/", {"name": "Analyst"}), 403)
    assert_error(api_as_client(org, "read").put(f"{ROLES}R1/", {"name": "Analyst"}), 403)
    response = api_as_client(org, "read write").put(f"{ROLES}R1/", {"name": "Analyst"})
    assert response.status_code == 201
    role = Role.objects.get(organization=org, code="R1")
    entry = AuditEntry.objects.get(subject_type="role", subject_id=role.pk)
    assert entry.actor is None and entry.changes["via"].startswith("api client")


def test_roles_bulk_service_is_all_or_nothing(org, hr) -> None:
    rows = [
        {"code": "A", "name": "Alpha"},
        {"code": "B", "name": "alpha"},
        {"code": "A", "name": "Again"},
    ]
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        role_sync.roles_upsert(organization=org, actor=hr, rows=rows)
    assert {e["index"] for e in exc.value.errors} == {0, 1, 2}
    assert exc.value.key == "roles"
    result = role_sync.roles_upsert(organization=org, actor=hr, rows=rows[:1])
    assert result == hr_sync.BulkResult(created=1)
    assert role_sync.roles_upsert(organization=org, actor=hr, rows=rows[:1]).unchanged == 1
