"""People pages: the HR list, adding, viewing, editing, deactivating and reactivating people."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from mentorship.models import AuditEntry, Employee, User
from tests.factories import DepartmentFactory, EmployeeFactory, RoleFactory


def url(path: str = "") -> str:
    return f"/o/acme/people/{path}"


def valid_person(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Nia",
        "last_name": "Park",
        "email": "nia@acme.test",
        "job_title": "Designer",
        "time_zone": "Europe/London",
        "mentor_available": "on",
        "mentor_capacity": "2",
    }
    data.update(overrides)
    return data


def listed(response) -> set[str]:  # type: ignore[no-untyped-def]
    """Names of the people shown in the list's table."""
    assert response.status_code == 200
    return {person.name for person in response.context["page"].object_list}


# --- Access -------------------------------------------------------------------------------------

HR_PAGES = ["", "new/", "{pk}/edit/", "{pk}/deactivate/"]


@pytest.mark.parametrize("path", [*HR_PAGES, "{pk}/"])
def test_anonymous_is_sent_to_login(client, employee, path) -> None:
    response = client.get(url(path.format(pk=employee.pk)))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", [*HR_PAGES, "{pk}/"])
def test_member_of_another_organisation_gets_404(client_for, outsider, employee, path) -> None:
    assert client_for(outsider).get(url(path.format(pk=employee.pk))).status_code == 404


@pytest.mark.parametrize("path", ["{pk}/", "{pk}/edit/", "{pk}/deactivate/"])
def test_another_organisations_person_is_404_under_own_url(client_for, hr, outsider, path) -> None:
    assert client_for(hr).get(url(path.format(pk=outsider.pk))).status_code == 404


def test_reactivate_of_another_organisations_person_is_404(client_for, hr, outsider) -> None:
    assert client_for(hr).post(url(f"{outsider.pk}/reactivate/")).status_code == 404


@pytest.mark.parametrize("path", HR_PAGES)
def test_non_hr_member_is_refused(client_for, employee, path) -> None:
    assert client_for(employee).get(url(path.format(pk=employee.pk))).status_code == 403


def test_non_hr_member_cannot_post_changes(client_for, employee, manager) -> None:
    c = client_for(employee)
    assert c.post(url("new/"), valid_person()).status_code == 403
    assert c.post(url(f"{manager.pk}/edit/"), valid_person()).status_code == 403
    assert c.post(url(f"{manager.pk}/deactivate/")).status_code == 403
    assert c.post(url(f"{manager.pk}/reactivate/")).status_code == 403
    assert not User.objects.filter(email="nia@acme.test").exists()
    manager.refresh_from_db()
    assert manager.is_active


# --- List -------------------------------------------------------------------------------------


def test_people_list_shows_people_and_counts(client_for, hr, employee) -> None:
    response = client_for(hr).get(url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Emma Stone" in body and "Mark Ito" in body
    assert "3 active" in body
    assert "Add person" in body


def test_people_list_search_and_filters(client_for, hr, manager, employee) -> None:
    c = client_for(hr)
    assert listed(c.get(url(), {"q": "stone"})) == {"Emma Stone"}
    assert listed(c.get(url(), {"q": "emma developer"})) == {"Emma Stone"}
    assert listed(c.get(url(), {"q": "HR@ACME"})) == {"Hana Reyes"}
    assert listed(c.get(url(), {"q": employee.external_id})) == {"Emma Stone"}
    assert listed(c.get(url(), {"manager": manager.pk})) == {"Emma Stone"}
    assert listed(c.get(url(), {"department": employee.department_id})) == {
        "Emma Stone",
        "Mark Ito",
    }


def test_people_list_filters_by_role_and_status(client_for, org, hr, employee) -> None:
    role = RoleFactory(organization=org, name="Backend developer")
    employee.role = role
    employee.save(update_fields=["role"])
    gone = EmployeeFactory(organization=org, job_title="Former", is_active=False)
    c = client_for(hr)
    assert listed(c.get(url(), {"role": role.pk})) == {"Emma Stone"}
    assert gone.name not in listed(c.get(url()))
    assert listed(c.get(url(), {"status": "inactive"})) == {gone.name}
    assert listed(c.get(url(), {"status": "all"})) == {
        "Emma Stone",
        "Hana Reyes",
        "Mark Ito",
        gone.name,
    }


def test_people_list_ignores_another_organisations_filter_values(client_for, hr, outsider) -> None:
    response = client_for(hr).get(
        url(), {"department": outsider.department_id, "manager": "nope", "page": "x"}
    )
    assert "Hana Reyes" in listed(response)


def test_people_list_shows_an_empty_state_for_no_matches(client_for, hr) -> None:
    body = client_for(hr).get(url(), {"q": "zzzz"}).content.decode()
    assert "Nobody matches these filters" in body


def test_people_list_htmx_returns_only_the_results(client_for, hr, employee) -> None:
    response = client_for(hr).get(url(), {"q": "emma"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Emma Stone" in body
    assert "<html" not in body and "Apply filters" not in body  # just the results


def test_people_list_paginates_by_fifty(client_for, org, hr) -> None:
    EmployeeFactory.create_batch(55, organization=org, department=None)
    c = client_for(hr)
    first = c.get(url()).content.decode()
    assert "Showing 1–50 of 56 people" in first
    assert "Page 1 of 2" in first
    second = c.get(url(), {"page": 2}).content.decode()
    assert "Showing 51–56 of 56 people" in second


def test_people_list_runs_a_constant_number_of_queries(
    client_for, org, hr, django_assert_max_num_queries
) -> None:
    role = RoleFactory(organization=org)
    boss = EmployeeFactory(organization=org)
    c = client_for(hr)
    queries = []
    for batch in (5, 35):  # 5 people, then 40
        EmployeeFactory.create_batch(batch, organization=org, manager=boss, role=role)
        with django_assert_max_num_queries(15) as captured:
            assert c.get(url()).status_code == 200
        queries.append(len(captured))
    assert queries[0] == queries[1]


# --- Create -----------------------------------------------------------------------------------


def test_hr_adds_a_person(client_for, org, hr, manager) -> None:
    role = RoleFactory(organization=org)
    response = client_for(hr).post(
        url("new/"),
        valid_person(manager=manager.pk, department=manager.department_id, role=role.pk),
    )
    person = Employee.objects.get(organization=org, user__email="nia@acme.test")
    assert response.status_code == 302
    assert response["Location"] == url(f"{person.pk}/")
    assert (person.manager, person.role, person.time_zone) == (manager, role, "Europe/London")
    assert AuditEntry.objects.filter(subject_id=person.pk, action="created").exists()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Nia Park was added" in m for m in messages)


def test_create_form_only_offers_this_organisations_choices(client_for, org, hr, outsider) -> None:
    archived = RoleFactory(organization=org, name="Old role", archived_at="2024-01-01T00:00Z")
    current = RoleFactory(organization=org, name="Current role")
    body = client_for(hr).get(url("new/")).content.decode()
    assert "Current role" in body and "Old role" not in body
    assert "Otto Sider" not in body
    assert outsider.department.name not in body
    assert current.pk and archived.pk


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": "employee@acme.test"}, "already a member of this organisation"),
        ({"mentor_capacity": "11"}, "less than or equal to 10"),
        ({"time_zone": "Mars/Base"}, "Select a valid choice"),
        ({"first_name": ""}, "This field is required."),
    ],
)
def test_create_shows_errors_and_writes_nothing(
    client_for, org, hr, employee, overrides, field_error
) -> None:
    before = (User.objects.count(), Employee.objects.count(), AuditEntry.objects.count())
    response = client_for(hr).post(url("new/"), valid_person(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert field_error in body
    assert "is-invalid" in body
    assert (User.objects.count(), Employee.objects.count(), AuditEntry.objects.count()) == before


def test_create_refuses_another_organisations_manager(client_for, hr, outsider) -> None:
    response = client_for(hr).post(url("new/"), valid_person(manager=outsider.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="nia@acme.test").exists()


def test_create_shows_a_duplicate_hr_id_next_to_the_field(client_for, hr, employee) -> None:
    response = client_for(hr).post(url("new/"), valid_person(external_id=employee.external_id))
    body = response.content.decode()
    assert "Another person already has the HR system id" in body
    assert not User.objects.filter(email="nia@acme.test").exists()


# --- Detail -----------------------------------------------------------------------------------


def test_member_sees_a_colleague(client_for, manager, employee) -> None:
    response = client_for(employee).get(url(f"{manager.pk}/"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mark Ito" in body and "Engineering Manager" in body
    assert "Emma Stone" in body  # the direct report
    assert "Open to mentoring" in body
    assert "Deactivate" not in body and "/edit/" not in body
    assert "History" not in body


def test_hr_sees_manage_buttons_and_history(client_for, hr, employee) -> None:
    body = client_for(hr).get(url(f"{employee.pk}/")).content.decode()
    assert "Deactivate" in body and "Edit" in body and "History" in body


def test_member_cannot_see_a_deactivated_colleague(client_for, org, employee) -> None:
    gone = EmployeeFactory(organization=org, is_active=False)
    assert client_for(employee).get(url(f"{gone.pk}/")).status_code == 404


# --- Edit -------------------------------------------------------------------------------------


def test_hr_edits_a_person(client_for, hr, employee, manager) -> None:
    data = valid_person(
        first_name="Emma",
        last_name="Stone",
        email="employee@acme.test",
        job_title="Lead Developer",
        manager=hr.pk,
        department=employee.department_id,
    )
    response = client_for(hr).post(url(f"{employee.pk}/edit/"), data)
    assert response.status_code == 302
    employee.refresh_from_db()
    assert employee.job_title == "Lead Developer"
    assert employee.manager == hr
    assert AuditEntry.objects.filter(subject_id=employee.pk, action="updated").exists()


def test_edit_form_is_prefilled(client_for, hr, employee) -> None:
    body = client_for(hr).get(url(f"{employee.pk}/edit/")).content.decode()
    assert 'value="employee@acme.test"' in body
    assert 'value="Software Developer"' in body


def test_edit_shows_a_manager_cycle_next_to_the_field(client_for, hr, manager, employee) -> None:
    data = valid_person(
        first_name="Mark",
        last_name="Ito",
        email="manager@acme.test",
        manager=employee.pk,
    )
    response = client_for(hr).post(url(f"{manager.pk}/edit/"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "would create a cycle: Mark Ito → Emma Stone → Mark Ito" in body
    manager.refresh_from_db()
    assert manager.manager is None
    assert manager.job_title == "Engineering Manager"


def test_edit_keeps_an_archived_role_selectable_for_its_holder(client_for, org, hr, employee):
    role = RoleFactory(organization=org, name="Legacy role", archived_at="2024-01-01T00:00Z")
    employee.role = role
    employee.save(update_fields=["role"])
    body = client_for(hr).get(url(f"{employee.pk}/edit/")).content.decode()
    assert "Legacy role" in body


# --- Deactivate / reactivate ------------------------------------------------------------------


def test_deactivate_asks_for_confirmation_first(client_for, hr, manager, employee) -> None:
    response = client_for(hr).get(url(f"{manager.pk}/deactivate/"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Deactivate Mark Ito?" in body
    assert "Emma Stone" in body  # the report who will move
    manager.refresh_from_db()
    assert manager.is_active


def test_hr_deactivates_and_reactivates(client_for, hr, manager, employee) -> None:
    c = client_for(hr)
    response = c.post(url(f"{manager.pk}/deactivate/"))
    assert response.status_code == 302
    manager.refresh_from_db()
    employee.refresh_from_db()
    assert not manager.is_active and employee.manager is None
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Mark Ito was deactivated" in m for m in messages)

    response = c.post(url(f"{manager.pk}/reactivate/"))
    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.is_active


def test_deactivating_oneself_is_refused_with_a_message(client_for, hr, manager) -> None:
    manager.is_hr_admin = True
    manager.save(update_fields=["is_hr_admin"])
    response = client_for(hr).post(url(f"{hr.pk}/deactivate/"), follow=True)
    assert "cannot deactivate yourself" in response.content.decode()
    hr.refresh_from_db()
    assert hr.is_active


def test_reactivate_needs_post(client_for, hr, employee) -> None:
    assert client_for(hr).get(url(f"{employee.pk}/reactivate/")).status_code == 405


def test_department_filter_link_from_the_departments_page(client_for, org, hr) -> None:
    dep = DepartmentFactory(organization=org, name="Finance")
    EmployeeFactory(organization=org, department=dep, job_title="Accountant")
    response = client_for(hr).get(url(), {"department": dep.pk})
    assert [p.job_title for p in response.context["page"].object_list] == ["Accountant"]
