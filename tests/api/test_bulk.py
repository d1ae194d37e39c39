"""Bulk sync by HR system keys: POST /api/v1/employees/bulk/ and /departments/bulk/, and the
services behind them (employees_bulk_upsert, departments_bulk_upsert) that the CSV import uses."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mentorship import hooks, services
from mentorship import sync as hr_sync
from mentorship.models import AuditEntry, Department, Employee, Organization, User
from mentorship.sync import engine
from tests.api.helpers import assert_error
from tests.api.test_oauth import api_as_client
from tests.factories import DepartmentFactory, EmployeeFactory, RoleFactory, UserFactory

URL = "/api/v1/employees/bulk/"
DEPARTMENTS_URL = "/api/v1/departments/bulk/"
WRITES = ("INSERT", "UPDATE", "DELETE")


def person(ext: str, **fields: Any) -> dict[str, Any]:
    return {
        "external_id": ext,
        "email": f"{ext.lower()}@acme.test",
        "first_name": ext.title(),
        "last_name": "Test",
        **fields,
    }


def sync(org: Organization, rows: list[dict[str, Any]], **kwargs: Any) -> hr_sync.BulkResult:
    """Apply rows as the organisation's HR admin would (the API-client case is tested apart)."""
    actor = Employee.objects.filter(organization=org, is_hr_admin=True, is_active=True).first()
    return hr_sync.employees_bulk_upsert(organization=org, actor=actor, rows=rows, **kwargs)


def row_errors(exc: pytest.ExceptionInfo[hr_sync.BulkValidationError]) -> dict[int, set[str]]:
    return {e["index"]: set(e["errors"]) for e in exc.value.errors}


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.fixture
def chart(org: Organization, hr: Employee) -> list[dict[str, Any]]:
    """A small org chart as an HR system sends it: managers after their reports, by HR id."""
    DepartmentFactory(organization=org, name="Sales", code="SALES")
    RoleFactory(organization=org, name="Account Executive", code="AE")
    return [
        person("E3", manager_external_id="E2", department_code="SALES", role_code="AE"),
        person("E2", manager_external_id="E1", department_code="sales", job_title="Sales Lead"),
        person(
            "E1", job_title="CEO", is_hr_admin="yes", mentor_capacity="4", time_zone="Europe/Paris"
        ),
    ]


# --- Applying a payload ---------------------------------------------------------------------------


def test_a_payload_creates_people_with_managers_departments_and_roles(org, chart) -> None:
    result = sync(org, chart)
    assert result == hr_sync.BulkResult(created=3)
    e1, e2, e3 = (Employee.objects.get(organization=org, external_id=x) for x in ("E1", "E2", "E3"))
    assert (e3.manager, e2.manager, e1.manager) == (e2, e1, None)
    assert e3.department.code == e2.department.code == "SALES"
    assert e3.role.code == "AE" and e2.role is None
    assert e1.is_hr_admin and e1.mentor_capacity == 4 and e1.time_zone == "Europe/Paris"
    assert e3.user.email == "e3@acme.test" and not e3.user.has_usable_password()
    assert AuditEntry.objects.filter(subject_type="employee", action="created").count() == 3
    summary = AuditEntry.objects.get(subject_type="organization", action="people_synced")
    assert summary.changes["created"] == 3


def test_the_same_payload_twice_changes_nothing_and_writes_nothing(org, chart) -> None:
    sync(org, chart)
    with CaptureQueriesContext(connection) as ctx:
        result = sync(org, chart)
    assert result == hr_sync.BulkResult(unchanged=3)
    assert writes(ctx) == []


def test_changes_are_counted_and_audited_field_by_field(org, chart) -> None:
    sync(org, chart)
    chart[0] = {"external_id": "E3", "job_title": "Senior AE", "manager_external_id": "E1"}
    result = sync(org, chart)
    assert result == hr_sync.BulkResult(updated=1, unchanged=2)
    e3 = Employee.objects.get(organization=org, external_id="E3")
    assert e3.job_title == "Senior AE" and e3.manager.external_id == "E1"
    assert e3.user.first_name == "E3"  # keys left out keep their value
    entry = AuditEntry.objects.filter(subject_id=e3.pk, action="updated").get()
    assert set(entry.changes) == {"job_title", "manager"}


def test_blank_codes_clear_the_department_role_and_manager(org, chart) -> None:
    sync(org, chart)
    sync(
        org,
        [
            {
                "external_id": "E3",
                "department_code": "",
                "role_code": None,
                "manager_external_id": "",
            }
        ],
    )
    e3 = Employee.objects.get(organization=org, external_id="E3")
    assert (e3.department, e3.role, e3.manager) == (None, None, None)


def test_a_dry_run_counts_without_writing(org, chart) -> None:
    with CaptureQueriesContext(connection) as ctx:
        result = sync(org, chart, dry_run=True)
    assert result == hr_sync.BulkResult(created=3)
    assert writes(ctx) == []
    assert not Employee.objects.filter(organization=org, external_id="E1").exists()


def test_a_member_without_an_hr_id_is_claimed_by_e_mail(org, employee) -> None:
    employee.external_id = ""
    employee.save(update_fields=["external_id"])
    result = sync(org, [{"external_id": "W-9", "email": "EMPLOYEE@acme.test", "job_title": "Dev"}])
    assert result == hr_sync.BulkResult(updated=1)
    employee.refresh_from_db()
    assert employee.external_id == "W-9" and employee.job_title == "Dev"


def test_an_account_of_another_organisation_is_reused_not_duplicated(org, outsider) -> None:
    sync(org, [person("G1", email="Outsider@globex.test", first_name="Otto")])
    membership = Employee.objects.get(organization=org, external_id="G1")
    assert membership.user == outsider.user
    assert User.objects.filter(email__iexact="outsider@globex.test").count() == 1
    outsider.refresh_from_db()
    assert outsider.organization != org and outsider.external_id != "G1"


# --- Deactivation ---------------------------------------------------------------------------------


def test_deactivating_moves_reports_up_ends_sessions_and_runs_hooks(org, chart, monkeypatch):
    sync(org, chart)
    seen: list[tuple[int, list[int]]] = []
    monkeypatch.setattr(
        hooks,
        "_deactivation_hooks_in_transaction",
        [lambda *, organization, employee_ids, actor: seen.append((organization.pk, employee_ids))],
    )
    e2 = Employee.objects.get(organization=org, external_id="E2")
    browser = Client()
    browser.force_login(e2.user)
    assert Session.objects.count() == 1

    result = sync(org, [{"external_id": "E2", "active": "false"}])

    assert result == hr_sync.BulkResult(updated=1, deactivated=1)
    e2.refresh_from_db()
    e3 = Employee.objects.get(organization=org, external_id="E3")
    assert not e2.is_active and e3.manager.external_id == "E1"
    assert Session.objects.count() == 0
    assert seen == [(org.pk, [e2.pk])]
    assert AuditEntry.objects.filter(subject_id=e2.pk, action="deactivated").exists()
    moved = AuditEntry.objects.get(subject_id=e3.pk, action="manager_changed")
    assert "because" in moved.summary
    # Again: nothing to do.
    assert sync(org, [{"external_id": "E2", "active": False}]) == hr_sync.BulkResult(unchanged=1)


def test_deactivating_one_person_runs_the_same_hooks(org, employee, monkeypatch) -> None:
    seen: list[list[int]] = []
    monkeypatch.setattr(
        hooks,
        "_deactivation_hooks_in_transaction",
        [lambda *, organization, employee_ids, actor: seen.append(employee_ids)],
    )
    services.employee_deactivate(employee=employee, actor=None)
    assert seen == [[employee.pk]]


def test_reactivating_someone_whose_manager_has_left_puts_them_at_the_top(org, chart) -> None:
    sync(org, chart)
    # Left over from before: an inactive person still under a manager who has left since.
    Employee.objects.filter(organization=org, external_id__in=["E2", "E3"]).update(is_active=False)
    result = sync(org, [{"external_id": "E3", "active": True}])
    assert result == hr_sync.BulkResult(updated=1, reactivated=1)
    e3 = Employee.objects.get(organization=org, external_id="E3")
    assert e3.is_active and e3.manager is None


def test_people_leaving_together_move_their_reports_past_both(org, chart) -> None:
    sync(org, chart)
    e4 = person("E4", manager_external_id="E3")
    sync(org, [e4])
    result = sync(
        org, [{"external_id": "E3", "active": False}, {"external_id": "E2", "active": False}]
    )
    assert result == hr_sync.BulkResult(updated=2, deactivated=2)
    e4_now = Employee.objects.get(organization=org, external_id="E4")
    assert e4_now.manager.external_id == "E1"


def test_the_last_hr_admin_cannot_be_removed(org, hr) -> None:
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [{"external_id": hr.external_id, "active": False}])
    assert row_errors(exc) == {0: {"active"}}
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [{"external_id": hr.external_id, "is_hr_admin": False}])
    assert row_errors(exc) == {0: {"is_hr_admin"}}
    hr.refresh_from_db()
    assert hr.is_active and hr.is_hr_admin


def test_people_cannot_deactivate_themselves(org, hr) -> None:
    EmployeeFactory(organization=org, is_hr_admin=True)
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        hr_sync.employees_bulk_upsert(
            organization=org, actor=hr, rows=[{"external_id": hr.external_id, "active": False}]
        )
    assert row_errors(exc) == {0: {"active"}}


# --- All or nothing -------------------------------------------------------------------------------


def test_a_loop_of_managers_across_the_payload_is_refused(org, chart) -> None:
    sync(org, chart)
    rows = [
        {"external_id": "E1", "manager_external_id": "E3"},
        {
            "external_id": "E9",
            "email": "e9@acme.test",
            "first_name": "Nine",
            "manager_external_id": "E9",
        },
    ]
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, rows)
    assert row_errors(exc) == {0: {"manager_external_id"}, 1: {"manager_external_id"}}
    message = exc.value.errors[0]["errors"]["manager_external_id"][0]
    assert "loop" in message and "→" in message
    assert Employee.objects.get(organization=org, external_id="E1").manager is None


def test_a_loop_made_only_of_new_rows_is_refused(org, hr) -> None:
    rows = [person("A", manager_external_id="B"), person("B", manager_external_id="A")]
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, rows)
    assert row_errors(exc) == {0: {"manager_external_id"}, 1: {"manager_external_id"}}
    assert not Employee.objects.filter(organization=org, external_id__in=["A", "B"]).exists()


def test_every_bad_row_is_reported_and_nothing_is_written(org, chart) -> None:
    rows = [
        *chart,
        person("E1", email="again@acme.test"),  # 3: duplicate HR id
        person("E4", email="E3@acme.test"),  # 4: duplicate e-mail
        person("E5", department_code="NOPE", role_code="NOPE"),  # 5: unknown codes
        person("E6", manager_external_id="GHOST"),  # 6: unknown manager
        {"external_id": "E7", "email": "not-an-email", "mentor_capacity": 11, "colour": "red"},
        {"email": "e8@acme.test", "first_name": "Eight", "active": "maybe"},  # 8: no HR id
        "not an object",  # 9
        person("E10", time_zone="Mars/Olympus"),
    ]
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, rows)
    assert row_errors(exc) == {
        3: {"external_id"},
        4: {"email"},
        5: {"department_code", "role_code"},
        6: {"manager_external_id"},
        7: {"email", "mentor_capacity", "colour", "first_name"},
        8: {"external_id", "active"},
        9: {"non_field_errors"},
        10: {"time_zone"},
    }
    assert exc.value.errors[0]["external_id"] == "E1"
    assert not Employee.objects.filter(
        organization=org, external_id__in=["E1", "E2", "E3"]
    ).exists()


def test_an_e_mail_taken_by_another_account_cannot_be_given_to_someone(org, chart) -> None:
    sync(org, chart)
    UserFactory(email="taken@example.com")
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [{"external_id": "E2", "email": "taken@example.com"}])
    assert row_errors(exc) == {0: {"email"}}


def test_a_member_with_another_hr_id_cannot_be_claimed_by_e_mail(org, employee) -> None:
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [person("NEW", email="employee@acme.test")])
    assert employee.external_id in exc.value.errors[0]["errors"]["email"][0]


def test_an_archived_role_cannot_be_given(org, hr) -> None:
    from django.utils import timezone

    RoleFactory(organization=org, code="OLD", archived_at=timezone.now())
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [person("E1", role_code="OLD")])
    assert row_errors(exc) == {0: {"role_code"}}


def test_a_deactivated_manager_cannot_be_chosen(org, chart) -> None:
    sync(org, chart)
    with pytest.raises(hr_sync.BulkValidationError) as exc:
        sync(org, [{"external_id": "E2", "active": False}, person("E4", manager_external_id="E2")])
    assert row_errors(exc) == {1: {"manager_external_id"}}


def test_rows_beyond_the_service_limit_are_refused(org, monkeypatch) -> None:
    monkeypatch.setattr(engine, "BULK_MAX_ROWS", 2)
    with pytest.raises(services.ValidationError):
        sync(org, [person("A"), person("B"), person("C")])


# --- The endpoint ---------------------------------------------------------------------------------


def test_hr_syncs_people_and_gets_the_counts(api_for, hr, chart) -> None:
    response = api_for(hr).post(URL, {"employees": chart})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "dry_run": False,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "reactivated": 0,
    }
    again = api_for(hr).post(URL, {"employees": chart, "dry_run": True}).json()
    assert again["dry_run"] is True and again["unchanged"] == 3


def test_invalid_rows_answer_400_listing_each_row(api_for, hr, chart) -> None:
    chart[1]["manager_external_id"] = "GHOST"
    response = api_for(hr).post(URL, {"employees": chart})
    body = assert_error(response, 400)
    assert "nothing was changed" in body["detail"]
    assert body["errors"] == {
        "employees": [
            {
                "index": 1,
                "external_id": "E2",
                "errors": {"manager_external_id": ["No person has the HR system id “GHOST”."]},
            }
        ]
    }
    assert not Employee.objects.filter(external_id="E3").exists()


def test_a_malformed_body_is_a_400_with_field_errors(api_for, hr) -> None:
    client = api_for(hr)
    assert_error(client.post(URL, {"employees": "E1"}), 400, "employees")
    assert_error(client.post(URL, {}), 400, "employees")
    assert_error(client.post(URL, {"employees": [], "dry": True}), 400, "dry")
    assert_error(client.post(URL, [person("E1")]), 400, "non_field_errors")


def test_more_than_5000_rows_are_refused_per_request(api_for, hr) -> None:
    rows = [{"external_id": str(i)} for i in range(5001)]
    body = assert_error(api_for(hr).post(URL, {"employees": rows}), 400, "employees")
    assert "5,000" in body["errors"]["employees"][0]


def test_only_hr_and_write_clients_sync(api_for, employee, outsider, chart) -> None:
    assert_error(api_for(None).post(URL, {"employees": chart}), 401)
    assert_error(api_for(employee).post(URL, {"employees": chart}), 403)
    assert not Employee.objects.filter(external_id="E1").exists()


def test_a_client_syncs_into_its_own_organisation_only(org, hr, outsider, chart) -> None:
    rows = [*chart, person(outsider.external_id)]
    rows[2].pop("is_hr_admin")  # an API client cannot grant HR admin rights (tested below)
    response = api_as_client(org).post(URL, {"employees": rows})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 4
    assert Employee.objects.filter(organization=org, external_id=outsider.external_id).exists()
    outsider.refresh_from_db()
    assert outsider.user.email == "outsider@globex.test"
    entry = AuditEntry.objects.get(organization=org, action="people_synced")
    assert entry.changes["via"].startswith("api client")


def test_a_client_cannot_grant_or_remove_hr_admin_rights(org, hr, chart) -> None:
    response = api_as_client(org).post(URL, {"employees": chart})
    assert response.status_code == 400, response.content
    errors = {e["index"]: e["errors"] for e in response.json()["errors"]["employees"]}
    assert set(errors) == {2} and "Only an HR admin" in errors[2]["is_hr_admin"][0]
    assert not Employee.objects.filter(organization=org, external_id__in=["E1", "E2", "E3"])
    other_admin = EmployeeFactory(organization=org, is_hr_admin=True)
    response = api_as_client(org).post(
        URL, {"employees": [{"external_id": other_admin.external_id, "is_hr_admin": False}]}
    )
    assert response.status_code == 400
    other_admin.refresh_from_db()
    assert other_admin.is_hr_admin
    # Stating what is already true is not a change.
    response = api_as_client(org).post(
        URL, {"employees": [{"external_id": other_admin.external_id, "is_hr_admin": True}]}
    )
    assert response.status_code == 200, response.content


# --- Scale ----------------------------------------------------------------------------------------


def big_payload(org: Organization, size: int) -> list[dict[str, Any]]:
    """`size` people in teams of ten under managers who come later in the payload."""
    department = DepartmentFactory(organization=org, code=f"D{org.pk}")
    role = RoleFactory(organization=org, code=f"R{org.pk}")
    rows = []
    for i in range(size):
        boss = (i // 10 + 1) * 10 + size  # a manager row further down
        rows.append(
            {
                "external_id": f"P{i}",
                "email": f"p{i}.{org.slug}@example.com",
                "first_name": f"Person{i}",
                "last_name": "Bulk",
                "department_code": department.code,
                "role_code": role.code,
                "manager_external_id": f"P{boss % size}" if i % 10 else "",
                "mentor_capacity": i % 4,
            }
        )
    return rows


def test_a_bulk_sync_takes_a_constant_number_of_queries_per_batch(hr, other_org) -> None:
    small_org = hr.organization
    small, large = big_payload(small_org, 500), big_payload(other_org, 5000)
    with CaptureQueriesContext(connection) as small_ctx:
        assert sync(small_org, small).created == 500
    with CaptureQueriesContext(connection) as large_ctx:
        assert sync(other_org, large).created == 5000
    queries_500, queries_5000 = len(small_ctx), len(large_ctx)
    # Ten times the rows cost at most ten times the batches, never a query per row.
    assert queries_5000 <= 10 * queries_500
    assert queries_5000 < 5000 / 10
    with CaptureQueriesContext(connection) as again:
        assert sync(other_org, large).unchanged == 5000
    assert writes(again) == []


# --- Departments ----------------------------------------------------------------------------------


def test_departments_sync_by_code_with_parents_in_the_payload(api_for, hr) -> None:
    rows = [
        {"code": "EMEA-S", "name": "Sales EMEA", "parent_code": "SALES"},
        {"code": "SALES", "name": "Sales"},
    ]
    response = api_for(hr).post(DEPARTMENTS_URL, {"departments": rows})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    emea = Department.objects.get(organization=hr.organization, code="EMEA-S")
    assert emea.parent.code == "SALES"
    again = api_for(hr).post(DEPARTMENTS_URL, {"departments": rows}).json()
    assert again["unchanged"] == 2
    rows[1]["name"] = "Global Sales"
    assert api_for(hr).post(DEPARTMENTS_URL, {"departments": rows}).json()["updated"] == 1


def test_department_loops_duplicates_and_unknown_parents_are_refused(api_for, hr) -> None:
    DepartmentFactory(organization=hr.organization, name="Legal", code="LEGAL")
    rows = [
        {"code": "A", "name": "A", "parent_code": "B"},
        {"code": "B", "name": "B", "parent_code": "A"},
        {"code": "a", "name": "Another A"},
        {"code": "C", "name": "legal"},
        {"code": "D", "name": "D", "parent_code": "NOPE"},
        {"code": "E"},
    ]
    body = assert_error(api_for(hr).post(DEPARTMENTS_URL, {"departments": rows}), 400)
    bad = {row["index"]: set(row["errors"]) for row in body["errors"]["departments"]}
    assert bad == {
        0: {"parent_code"},
        1: {"parent_code"},
        2: {"code"},
        3: {"name"},
        4: {"parent_code"},
        5: {"name"},
    }
    assert not Department.objects.filter(organization=hr.organization, code="A").exists()
