from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from mentorship import hooks, services
from mentorship.models import AuditEntry, Department, Employee, Organization, User
from tests.factories import DepartmentFactory, EmployeeFactory, RoleFactory


def audit_actions(subject: Employee | Department, subject_type: str = "employee") -> list[str]:
    return list(
        AuditEntry.objects.filter(subject_type=subject_type, subject_id=subject.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def add(org: Organization, actor: Employee | None, email: str, **extra: object) -> Employee:
    extra.setdefault("first_name", email.split("@")[0].title())
    extra.setdefault("last_name", "Test")
    return services.employee_create(organization=org, actor=actor, email=email, **extra)  # type: ignore[arg-type]


# --- organization_create --------------------------------------------------------------------


def test_organization_create_validates_the_slug(db) -> None:
    org = services.organization_create(name="Initech", slug="initech")
    assert org.slug == "initech"
    assert audit_actions_for_org(org) == ["created"]
    with pytest.raises(ValidationError) as exc:
        services.organization_create(name="Initech 2", slug="INITECH")
    assert "slug" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.organization_create(name="", slug="has spaces")
    assert set(exc.value.message_dict) == {"name", "slug"}
    assert Organization.objects.count() == 1


def audit_actions_for_org(org: Organization) -> list[str]:
    return list(
        AuditEntry.objects.filter(organization=org, subject_type="organization").values_list(
            "action", flat=True
        )
    )


def test_organization_create_runs_registered_hooks(db, monkeypatch) -> None:
    seen: list[str] = []
    monkeypatch.setattr(
        hooks, "_organization_created_hooks_in_transaction", [lambda o: seen.append(o.slug)]
    )
    services.organization_create(name="Hooli", slug="hooli")
    assert seen == ["hooli"]


# --- employee_create ------------------------------------------------------------------------


def test_employee_create_makes_an_account_without_a_usable_password(org, hr) -> None:
    person = add(org, hr, "New.Person@Acme.test", job_title="Analyst", time_zone="Europe/Paris")
    assert person.user.email == "new.person@acme.test"
    assert not person.user.has_usable_password()
    assert person.time_zone == "Europe/Paris"
    entry = AuditEntry.objects.get(subject_type="employee", subject_id=person.pk)
    assert entry.actor == hr
    assert entry.action == "created"
    assert "new.person@acme.test" in entry.summary


def test_employee_create_reuses_an_existing_account(org, other_org, outsider) -> None:
    person = add(org, None, "OUTSIDER@globex.test", first_name="Other", last_name="Name")
    assert person.user == outsider.user
    assert User.objects.filter(email__iexact="outsider@globex.test").count() == 1
    outsider.user.refresh_from_db()
    assert outsider.user.first_name == "Otto"  # another organisation's HR does not rename people


def test_employee_create_refuses_a_second_membership(org, employee) -> None:
    with pytest.raises(ValidationError) as exc:
        add(org, None, "EMPLOYEE@acme.test")
    assert "already a member" in exc.value.message_dict["email"][0]
    assert Employee.objects.filter(organization=org).count() == 2


def test_employee_create_refuses_things_of_another_organisation(org, other_org, outsider) -> None:
    foreign_department = DepartmentFactory(organization=other_org)
    foreign_role = RoleFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        add(
            org,
            None,
            "x@acme.test",
            department=foreign_department,
            manager=outsider,
            role=foreign_role,
        )
    errors = exc.value.message_dict
    assert set(errors) == {"department", "manager", "role"}
    assert all("not in this organisation" in msgs[0] for msgs in errors.values())
    assert not User.objects.filter(email="x@acme.test").exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"mentor_capacity": 11}, "mentor_capacity"),
        ({"mentor_capacity": -1}, "mentor_capacity"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"email": "not-an-email"}, "email"),
        ({"first_name": "  "}, "first_name"),
    ],
)
def test_employee_create_rejects_bad_values(org, extra, field) -> None:
    kwargs = {"email": "bad@acme.test", **extra}
    email = kwargs.pop("email")
    with pytest.raises(ValidationError) as exc:
        add(org, None, email, **kwargs)
    assert field in exc.value.message_dict
    assert not Employee.objects.filter(organization=org).exists()
    assert not User.objects.filter(email=email).exists()


def test_employee_create_refuses_a_duplicate_external_id(org, employee) -> None:
    with pytest.raises(ValidationError) as exc:
        add(org, None, "dup@acme.test", external_id=employee.external_id)
    assert "external_id" in exc.value.message_dict


def test_employee_create_refuses_an_archived_role(org) -> None:
    role = RoleFactory(organization=org, archived_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        add(org, None, "r@acme.test", role=role)
    assert "archived" in exc.value.message_dict["role"][0]


# --- employee_update / employee_set_manager -------------------------------------------------


def test_employee_update_changes_account_and_membership_and_audits(org, hr, employee) -> None:
    role = RoleFactory(organization=org)
    services.employee_update(
        employee=employee,
        actor=hr,
        first_name="Emily",
        email="Emily@Acme.test",
        job_title="Senior Developer",
        role=role,
        mentor_capacity=4,
    )
    employee.refresh_from_db()
    employee.user.refresh_from_db()
    assert employee.user.first_name == "Emily"
    assert employee.user.email == "emily@acme.test"
    assert (employee.job_title, employee.role, employee.mentor_capacity) == (
        "Senior Developer",
        role,
        4,
    )
    entry = AuditEntry.objects.get(subject_id=employee.pk, action="updated")
    assert entry.changes["job_title"] == ["Software Developer", "Senior Developer"]
    assert entry.actor == hr


def test_employee_update_without_changes_writes_no_audit(org, hr, employee) -> None:
    services.employee_update(employee=employee, actor=hr, job_title=employee.job_title)
    assert audit_actions(employee) == []


def test_employee_update_refuses_an_email_of_another_account(org, hr, employee, manager) -> None:
    with pytest.raises(ValidationError) as exc:
        services.employee_update(employee=employee, actor=hr, email="MANAGER@acme.test")
    assert "email" in exc.value.message_dict


def test_employee_update_keeps_the_last_hr_admin(org, hr) -> None:
    with pytest.raises(ValidationError) as exc:
        services.employee_update(employee=hr, actor=hr, is_hr_admin=False)
    assert "is_hr_admin" in exc.value.message_dict
    hr.refresh_from_db()
    assert hr.is_hr_admin


def test_employee_update_rejects_unknown_fields(hr) -> None:
    with pytest.raises(TypeError):
        services.employee_update(employee=hr, actor=hr, salary=1)


def test_set_manager_detects_a_cycle(org, hr, manager, employee) -> None:
    with pytest.raises(ValidationError) as exc:
        services.employee_set_manager(employee=manager, actor=hr, manager=employee)
    message = exc.value.message_dict["manager"][0]
    assert "would create a cycle: Mark Ito → Emma Stone → Mark Ito" in message
    manager.refresh_from_db()
    assert manager.manager is None


def test_set_manager_detects_a_longer_cycle(org, hr, manager, employee) -> None:
    intern = EmployeeFactory(organization=org, manager=employee)
    with pytest.raises(ValidationError) as exc:
        services.employee_update(employee=manager, actor=hr, manager=intern)
    assert "Mark Ito → " in exc.value.message_dict["manager"][0]
    assert exc.value.message_dict["manager"][0].count("→") == 3


def test_set_manager_refuses_self_other_org_and_inactive(org, hr, employee, outsider) -> None:
    for manager, text in [
        (employee, "own manager"),
        (outsider, "not in this organisation"),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.employee_set_manager(employee=employee, actor=hr, manager=manager)
        assert text in exc.value.message_dict["manager"][0]
    gone = EmployeeFactory(organization=org, is_active=False)
    with pytest.raises(ValidationError):
        services.employee_set_manager(employee=employee, actor=hr, manager=gone)


def test_set_manager_moves_and_audits(org, hr, employee) -> None:
    services.employee_set_manager(employee=employee, actor=hr, manager=hr)
    employee.refresh_from_db()
    assert employee.manager == hr
    assert audit_actions(employee) == ["manager_changed"]
    services.employee_set_manager(employee=employee, actor=hr, manager=None)
    employee.refresh_from_db()
    assert employee.manager is None


# --- deactivation ---------------------------------------------------------------------------


def test_deactivation_moves_reports_up_and_audits(org, hr, manager, employee) -> None:
    services.employee_set_manager(employee=manager, actor=hr, manager=hr)
    services.employee_deactivate(employee=manager, actor=hr)
    manager.refresh_from_db()
    employee.refresh_from_db()
    assert not manager.is_active
    assert employee.manager == hr
    assert audit_actions(employee) == ["manager_changed"]
    assert audit_actions(manager)[-1] == "deactivated"


def test_deactivation_of_a_top_manager_makes_reports_roots(org, hr, manager, employee) -> None:
    services.employee_deactivate(employee=manager, actor=hr)
    employee.refresh_from_db()
    assert employee.manager is None


def test_deactivation_ends_sessions_without_another_membership(org, hr, employee) -> None:
    client = Client()
    client.force_login(employee.user)
    other = Client()
    other.force_login(hr.user)
    assert Session.objects.count() == 2
    services.employee_deactivate(employee=employee, actor=hr)
    assert Session.objects.count() == 1
    assert client.get("/o/acme/").status_code == 302  # signed out: back to the login page


def test_deactivation_keeps_sessions_of_a_member_elsewhere(org, other_org, hr, employee) -> None:
    EmployeeFactory(organization=other_org, user=employee.user)
    client = Client()
    client.force_login(employee.user)
    services.employee_deactivate(employee=employee, actor=hr)
    assert Session.objects.count() == 1
    assert client.get("/o/acme/").status_code == 404
    assert client.get("/o/globex/").status_code == 200


def test_deactivation_refuses_self_and_the_last_hr_admin(org, hr, manager) -> None:
    with pytest.raises(ValidationError):
        services.employee_deactivate(employee=hr, actor=hr)
    with pytest.raises(ValidationError) as exc:
        services.employee_deactivate(employee=hr, actor=manager)
    assert "last active HR admin" in exc.value.message_dict["is_active"][0]
    hr.refresh_from_db()
    assert hr.is_active


def test_reactivation_restores_and_audits(org, hr, employee) -> None:
    services.employee_deactivate(employee=employee, actor=hr)
    services.employee_reactivate(employee=employee, actor=hr)
    employee.refresh_from_db()
    assert employee.is_active
    assert audit_actions(employee)[-2:] == ["deactivated", "reactivated"]


def test_update_is_active_deactivates_through_the_same_rules(org, hr, manager, employee) -> None:
    services.employee_update(employee=manager, actor=hr, is_active=False)
    employee.refresh_from_db()
    assert employee.manager is None
    services.employee_update(employee=manager, actor=hr, is_active=True)
    manager.refresh_from_db()
    assert manager.is_active


# --- departments ----------------------------------------------------------------------------


def test_department_create_and_duplicates(org, hr, other_org) -> None:
    eng = services.department_create(organization=org, actor=hr, name=" Engineering ", code="ENG")
    assert eng.name == "Engineering"
    assert audit_actions(eng, "department") == ["created"]
    with pytest.raises(ValidationError) as exc:
        services.department_create(organization=org, actor=hr, name="engineering", code="eng")
    assert set(exc.value.message_dict) == {"name", "code"}
    # The same code is fine in another organisation.
    services.department_create(organization=other_org, actor=None, name="Engineering", code="ENG")


def test_department_refuses_a_parent_of_another_organisation(org, hr, other_org) -> None:
    foreign = DepartmentFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        services.department_create(organization=org, actor=hr, name="X", code="X", parent=foreign)
    assert "not in this organisation" in exc.value.message_dict["parent"][0]
    assert not Department.objects.filter(organization=org, code="X").exists()


def test_department_update_detects_a_cycle(org, hr) -> None:
    top = services.department_create(organization=org, actor=hr, name="Top", code="T")
    mid = services.department_create(organization=org, actor=hr, name="Mid", code="M", parent=top)
    low = services.department_create(organization=org, actor=hr, name="Low", code="L", parent=mid)
    with pytest.raises(ValidationError) as exc:
        services.department_update(department=top, actor=hr, parent=low)
    assert "would create a cycle: Top → Low → Mid → Top" in exc.value.message_dict["parent"][0]
    with pytest.raises(ValidationError):
        services.department_update(department=top, actor=hr, parent=top)
    top.refresh_from_db()
    assert top.parent is None


def test_department_update_audits_changes(org, hr) -> None:
    dep = services.department_create(organization=org, actor=hr, name="Sales", code="S")
    services.department_update(department=dep, actor=hr, name="Sales & Marketing")
    entry = AuditEntry.objects.filter(subject_type="department", subject_id=dep.pk).first()
    assert entry is not None
    assert entry.action == "updated"
    assert entry.changes == {"name": ["Sales", "Sales & Marketing"]}
