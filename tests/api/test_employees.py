"""/api/v1/employees/: people (memberships), kept in sync by HR systems."""

from __future__ import annotations

import pytest

from mentorship.models import AuditEntry, Employee, User
from tests.api.helpers import assert_error, ids
from tests.api.test_oauth import api_as_client
from tests.factories import DepartmentFactory, EmployeeFactory, RoleFactory, UserFactory

URL = "/api/v1/employees/"

FIELDS = {
    "id",
    "external_id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "department",
    "manager",
    "role",
    "time_zone",
    "is_hr_admin",
    "is_active",
    "mentor_available",
    "mentor_capacity",
}


def new_person(**fields: object) -> dict[str, object]:
    return {"email": "nina@acme.test", "first_name": "Nina", "last_name": "Park", **fields}


def test_anonymous_cannot_read_or_create(api_for, employee) -> None:
    client = api_for(None)
    assert_error(client.get(f"{URL}{employee.pk}/"), 401)
    assert_error(client.post(URL, new_person()), 401)
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_member_lists_colleagues_but_nobody_of_another_organisation(
    api_for, employee, hr, outsider
) -> None:
    response = api_for(employee).get(URL)
    assert response.status_code == 200
    assert ids(response) == {employee.pk, employee.manager_id, hr.pk}
    row = next(r for r in response.json()["results"] if r["id"] == employee.pk)
    assert set(row) == FIELDS
    assert row["email"] == "employee@acme.test"
    assert row["manager"] == employee.manager_id
    assert row["department"] == employee.department_id
    assert outsider.pk not in ids(api_for(hr).get(URL))
    assert ids(api_for(outsider).get(URL)) == {outsider.pk}


def test_outsider_gets_404_on_acme_people(api_for, employee, outsider) -> None:
    client = api_for(outsider)
    url = f"{URL}{employee.pk}/"
    assert_error(client.get(url), 404)
    assert_error(client.patch(url, {"job_title": "Spy"}), 404)
    assert_error(client.post(f"{url}deactivate/"), 404)
    employee.refresh_from_db()
    assert employee.job_title == "Software Developer" and employee.is_active


def test_non_hr_member_cannot_write(api_for, employee, manager) -> None:
    client = api_for(manager)
    assert_error(client.post(URL, new_person()), 403)
    assert_error(client.patch(f"{URL}{employee.pk}/", {"job_title": "Lead"}), 403)
    assert_error(client.post(f"{URL}{employee.pk}/deactivate/"), 403)
    employee.refresh_from_db()
    assert employee.job_title == "Software Developer" and employee.is_active
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_hr_adds_a_person_with_their_place_in_the_org(api_for, hr, manager, org) -> None:
    role = RoleFactory(organization=org, name="Developer")
    response = api_for(hr).post(
        URL,
        new_person(
            job_title="Developer",
            department=manager.department_id,
            manager=manager.pk,
            role=role.pk,
            external_id="HR-0042",
            time_zone="Europe/Paris",
            mentor_capacity=3,
        ),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "nina@acme.test"
    assert body["manager"] == manager.pk
    assert body["role"] == role.pk
    assert body["external_id"] == "HR-0042"
    assert body["mentor_capacity"] == 3
    assert body["is_active"] is True
    person = Employee.objects.get(pk=body["id"])
    assert person.organization_id == org.pk
    assert AuditEntry.objects.filter(
        organization=org, subject_type="employee", subject_id=person.pk, action="created"
    ).exists()


def test_hr_updates_a_person_and_moves_them_to_another_manager(api_for, hr, employee, org) -> None:
    lead = EmployeeFactory(organization=org, job_title="Tech Lead")
    response = api_for(hr).patch(
        f"{URL}{employee.pk}/",
        {"job_title": "Senior Developer", "manager": lead.pk, "first_name": "Emmy"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["job_title"] == "Senior Developer"
    assert body["manager"] == lead.pk
    assert body["first_name"] == "Emmy"
    assert AuditEntry.objects.filter(subject_type="employee", subject_id=employee.pk).exists()


def test_a_client_can_send_back_what_it_read(api_for, hr, employee) -> None:
    client = api_for(hr)
    body = client.get(f"{URL}{employee.pk}/").json()
    body["job_title"] = "Staff Engineer"
    response = client.put(f"{URL}{employee.pk}/", body)
    assert response.status_code == 200, response.content
    assert response.json()["job_title"] == "Staff Engineer"


def test_an_api_client_cannot_make_anyone_an_hr_admin(hr, employee, org) -> None:
    """The probe: a write-scope HRIS client minting an HR admin it could then take over."""
    client = api_as_client(org)
    body = assert_error(client.post(URL, new_person(is_hr_admin=True)), 400, "is_hr_admin")
    assert "Only an HR admin" in body["errors"]["is_hr_admin"][0]
    assert not User.objects.filter(email="nina@acme.test").exists()
    assert_error(client.patch(f"{URL}{employee.pk}/", {"is_hr_admin": True}), 400, "is_hr_admin")
    employee.refresh_from_db()
    assert not employee.is_hr_admin
    assert_error(client.patch(f"{URL}{hr.pk}/", {"is_hr_admin": False}), 400, "is_hr_admin")
    # A client may still send back what it read, HR admin flag unchanged.
    read = client.get(f"{URL}{employee.pk}/").json()
    assert client.put(f"{URL}{employee.pk}/", read).status_code == 200
    assert client.post(URL, new_person(is_hr_admin=False)).status_code == 201


def test_only_an_hr_admin_grants_hr_admin_rights(api_for, hr, manager, employee) -> None:
    assert_error(api_for(manager).patch(f"{URL}{employee.pk}/", {"is_hr_admin": True}), 403)
    response = api_for(hr).patch(f"{URL}{employee.pk}/", {"is_hr_admin": True})
    assert response.status_code == 200, response.content
    employee.refresh_from_db()
    assert employee.is_hr_admin
    entry = AuditEntry.objects.filter(subject_id=employee.pk, action="updated").latest("pk")
    assert entry.actor_id == hr.pk and "is_hr_admin" in entry.changes


def test_manager_cycle_is_refused_and_nothing_changes(api_for, hr, employee, manager) -> None:
    response = api_for(hr).patch(
        f"{URL}{manager.pk}/", {"manager": employee.pk, "job_title": "Changed"}
    )
    body = assert_error(response, 400, "manager")
    assert "cycle" in body["errors"]["manager"][0]
    manager.refresh_from_db()
    assert manager.manager_id is None and manager.job_title == "Engineering Manager"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mentor_capacity": 11}, "mentor_capacity"),
        ({"mentor_capacity": "lots"}, "mentor_capacity"),
        ({"is_hr_admin": "perhaps"}, "is_hr_admin"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "not-an-address"}, "email"),
        ({"department": "engineering"}, "department"),
        ({"role": 999999}, "role"),
        ({"salary": 100}, "salary"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_written(api_for, hr, fields, field) -> None:
    people = Employee.objects.count()
    assert_error(api_for(hr).post(URL, new_person(**fields)), 400, field)
    assert Employee.objects.count() == people
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_missing_required_fields_are_each_named(api_for, hr) -> None:
    assert_error(api_for(hr).post(URL, {}), 400, "email", "first_name", "last_name")


def test_manager_and_department_of_another_organisation_are_refused(api_for, hr, outsider) -> None:
    response = api_for(hr).post(
        URL, new_person(manager=outsider.pk, department=outsider.department_id)
    )
    body = assert_error(response, 400, "manager", "department")
    assert "does not exist" in body["errors"]["manager"][0]
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_duplicate_external_id_is_refused(api_for, hr, employee) -> None:
    response = api_for(hr).post(URL, new_person(external_id=employee.external_id))
    assert_error(response, 400, "external_id")
    response = api_for(hr).patch(f"{URL}{hr.pk}/", {"external_id": employee.external_id})
    assert_error(response, 400, "external_id")
    hr.refresh_from_db()
    assert hr.external_id != employee.external_id


def test_deactivation_moves_reports_up_and_is_audited(api_for, hr, manager, employee) -> None:
    response = api_for(hr).post(f"{URL}{manager.pk}/deactivate/")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    employee.refresh_from_db()
    assert employee.manager_id is None
    assert AuditEntry.objects.filter(
        subject_type="employee", subject_id=manager.pk, action="deactivated"
    ).exists()
    response = api_for(hr).post(f"{URL}{manager.pk}/reactivate/")
    assert response.json()["is_active"] is True


def test_hr_cannot_deactivate_themselves(api_for, hr) -> None:
    assert_error(api_for(hr).post(f"{URL}{hr.pk}/deactivate/"), 400, "is_active")
    hr.refresh_from_db()
    assert hr.is_active


def test_filters_and_search(api_for, hr, manager, employee, org) -> None:
    role = RoleFactory(organization=org)
    other = EmployeeFactory(
        organization=org,
        user=UserFactory(email="olga@acme.test", first_name="Olga", last_name="Berg"),
        role=role,
        is_active=False,
        external_id="X-1",
    )
    client = api_for(hr)
    assert ids(client.get(URL, {"manager": manager.pk})) == {employee.pk}
    assert ids(client.get(URL, {"department": manager.department_id})) == {
        manager.pk,
        employee.pk,
    }
    assert ids(client.get(URL, {"role": role.pk})) == {other.pk}
    assert ids(client.get(URL, {"is_active": "false"})) == {other.pk}
    assert ids(client.get(URL, {"external_id": "X-1"})) == {other.pk}
    assert ids(client.get(URL, {"search": "stone"})) == {employee.pk}
    assert ids(client.get(URL, {"search": "manager@acme"})) == {manager.pk}
    assert_error(client.get(URL, {"manager": "boss"}), 400, "manager")


def test_pagination(api_for, hr, org) -> None:
    EmployeeFactory.create_batch(4, organization=org)
    client = api_for(hr)
    first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    last = client.get(URL, {"page_size": 2, "page": 3}).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert_error(client.get(URL, {"page": 99}), 404)


def test_list_runs_a_constant_number_of_queries(
    api_for, hr, org, django_assert_max_num_queries
) -> None:
    client = api_for(hr)
    department = DepartmentFactory(organization=org)
    role = RoleFactory(organization=org)
    EmployeeFactory.create_batch(5, organization=org, department=department, role=role, manager=hr)
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200
    EmployeeFactory.create_batch(25, organization=org, department=department, role=role, manager=hr)
    with django_assert_max_num_queries(5):
        assert len(client.get(URL).json()["results"]) == 31
