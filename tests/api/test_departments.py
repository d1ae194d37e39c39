"""/api/v1/departments/: the org chart's units, kept in sync by HR systems."""

from __future__ import annotations

from mentorship.models import AuditEntry, Department
from tests.api.helpers import assert_error, ids
from tests.factories import DepartmentFactory

URL = "/api/v1/departments/"


def test_anonymous_cannot_create(api_for, org) -> None:
    assert_error(api_for(None).post(URL, {"name": "Ops", "code": "OPS"}), 401)
    assert not Department.objects.filter(code="OPS").exists()


def test_member_lists_only_their_organisation(api_for, employee, outsider) -> None:
    theirs = DepartmentFactory(organization=outsider.organization, name="Globex R&D")
    response = api_for(employee).get(URL)
    assert response.status_code == 200
    assert employee.department_id in ids(response)
    assert theirs.pk not in ids(response)
    assert set(response.json()["results"][0]) == {"id", "name", "code", "parent"}


def test_outsider_gets_404_on_an_acme_department(api_for, employee, outsider) -> None:
    url = f"{URL}{employee.department_id}/"
    client = api_for(outsider)
    assert_error(client.get(url), 404)
    assert_error(client.patch(url, {"name": "Mine now"}), 404)
    employee.department.refresh_from_db()
    assert employee.department.name == "Engineering"


def test_non_hr_member_cannot_change_a_department(api_for, employee) -> None:
    url = f"{URL}{employee.department_id}/"
    assert_error(api_for(employee).patch(url, {"name": "Renamed"}), 403)
    assert_error(api_for(employee).post(URL, {"name": "Ops", "code": "OPS"}), 403)
    assert not Department.objects.filter(code="OPS").exists()


def test_hr_creates_a_department_under_a_parent(api_for, hr, manager) -> None:
    response = api_for(hr).post(
        URL, {"name": "Platform", "code": "PLAT", "parent": manager.department_id}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Platform",
        "code": "PLAT",
        "parent": manager.department_id,
    }
    assert AuditEntry.objects.filter(
        organization=hr.organization, subject_type="department", subject_id=body["id"]
    ).exists()


def test_hr_renames_a_department(api_for, hr, manager) -> None:
    url = f"{URL}{manager.department_id}/"
    response = api_for(hr).patch(url, {"name": "Software Engineering"})
    assert response.status_code == 200
    assert response.json()["name"] == "Software Engineering"
    assert response.json()["code"] == "ENG"
    assert AuditEntry.objects.filter(
        subject_type="department", subject_id=manager.department_id, action="updated"
    ).exists()


def test_full_update_needs_name_and_code(api_for, hr, manager) -> None:
    url = f"{URL}{manager.department_id}/"
    assert_error(api_for(hr).put(url, {"name": "Only a name"}), 400, "code")
    response = api_for(hr).put(url, {"name": "Eng", "code": "E", "parent": None})
    assert response.status_code == 200
    assert response.json()["code"] == "E"


def test_parent_of_another_organisation_is_refused(api_for, hr, outsider) -> None:
    theirs = DepartmentFactory(organization=outsider.organization)
    response = api_for(hr).post(URL, {"name": "Ops", "code": "OPS", "parent": theirs.pk})
    body = assert_error(response, 400, "parent")
    assert "does not exist" in body["errors"]["parent"][0]
    assert not Department.objects.filter(code="OPS").exists()


def test_a_cycle_in_the_department_tree_is_refused(api_for, hr, org) -> None:
    top = DepartmentFactory(organization=org, name="Top")
    child = DepartmentFactory(organization=org, name="Child", parent=top)
    response = api_for(hr).patch(f"{URL}{top.pk}/", {"parent": child.pk})
    body = assert_error(response, 400, "parent")
    assert "cycle" in body["errors"]["parent"][0]
    top.refresh_from_db()
    assert top.parent_id is None


def test_duplicate_code_and_missing_fields_are_field_errors(api_for, hr, manager) -> None:
    count = Department.objects.count()
    assert_error(api_for(hr).post(URL, {"name": "Other", "code": "ENG"}), 400, "code")
    assert_error(api_for(hr).post(URL, {}), 400, "name", "code")
    assert_error(api_for(hr).post(URL, {"name": "X", "code": "X", "colour": "red"}), 400, "colour")
    assert_error(api_for(hr).post(URL, {"name": "X", "code": "X", "parent": "one"}), 400, "parent")
    assert Department.objects.count() == count


def test_filters_search_and_pagination(api_for, hr, org) -> None:
    top = DepartmentFactory(organization=org, name="Operations", code="OPS")
    for n in range(3):
        DepartmentFactory(organization=org, name=f"Ops team {n}", code=f"OPS{n}", parent=top)
    client = api_for(hr)
    assert len(ids(client.get(URL, {"parent": top.pk}))) == 3
    assert ids(client.get(URL, {"code": "OPS"})) == {top.pk}
    assert len(ids(client.get(URL, {"search": "ops team"}))) == 3
    page = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert page["count"] == Department.objects.filter(organization=org).count()
    assert len(page["results"]) == 2 and page["previous"]
    assert_error(client.get(URL, {"parent": "abc"}), 400, "parent")


def test_list_runs_a_constant_number_of_queries(
    api_for, hr, org, django_assert_max_num_queries
) -> None:
    client = api_for(hr)
    parent = DepartmentFactory(organization=org)
    DepartmentFactory.create_batch(5, organization=org, parent=parent)
    with django_assert_max_num_queries(5):
        assert client.get(URL).status_code == 200
    DepartmentFactory.create_batch(25, organization=org, parent=parent)
    with django_assert_max_num_queries(5):
        assert len(client.get(URL).json()["results"]) >= 30
