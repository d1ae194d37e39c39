"""`manage.py seed_demo`: the demo organisations, their people and org charts."""

from __future__ import annotations

import random
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django_scopes import scopes_disabled

from competencies.models import Competency, Role, RoleRequirement
from matching.demo import ACME, GLOBEX, SEED, plan_organisation
from mentorship.models import Department, Employee, Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Seed once for the module, inside a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            "organizations": Organization.objects.count(),
            "users": User.objects.count(),
            "employees": Employee.objects.count(),
            "departments": Department.objects.count(),
            "roles": Role.objects.count(),
            "competencies": Competency.objects.count(),
            "requirements": RoleRequirement.objects.count(),
        }


def _member(email: str) -> Employee:
    return Employee.objects.select_related("role", "department", "manager__user").get(
        user__email=email
    )


def test_seed_prints_what_it_made_and_the_logins(seed_output) -> None:
    assert "Acme Corporation (acme): created" in seed_output
    assert "Globex (globex): created" in seed_output
    assert "http://127.0.0.1:8000" in seed_output
    for email in ("hr@acme.example", "manager@acme.example", "employee@acme.example"):
        assert email in seed_output
    assert "hr@globex.example" in seed_output and "mentoring-demo" in seed_output


def test_seeding_again_changes_nothing(seed_output) -> None:
    before = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == before
    assert out.getvalue().count("already seeded") == 2


def test_organisations_have_the_expected_size_and_model(seed_output) -> None:
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    assert acme.name == "Acme Corporation" and globex.name == "Globex"
    assert 250 <= Employee.objects.filter(organization=acme).count() <= 350
    assert 30 <= Employee.objects.filter(organization=globex).count() <= 50
    assert Department.objects.filter(organization=acme).count() >= 6
    for org in (acme, globex):
        assert Competency.objects.filter(organization=org).count() == 35
        assert RoleRequirement.objects.filter(organization=org).exists()
    acme_roles = set(Role.objects.filter(organization=acme).values_list("code", flat=True))
    assert {"41-4012.00", "13-1071.00", "15-1251.00", "15-2051.01"} <= acme_roles
    assert 5 <= Role.objects.filter(organization=globex).count() <= 8


def test_fixed_accounts_have_their_roles_and_relations(seed_output) -> None:
    hr = _member("hr@acme.example")
    manager = _member("manager@acme.example")
    employee = _member("employee@acme.example")
    globex_hr = _member("hr@globex.example")

    assert hr.is_hr_admin and hr.department is not None and hr.department.name == "People"
    assert globex_hr.is_hr_admin and globex_hr.organization.slug == "globex"
    assert not manager.is_hr_admin and not employee.is_hr_admin
    assert manager.department is not None and manager.department.name == "Engineering"
    assert manager.role is not None and manager.role.name == "Computer Programmers"
    assert manager.reports.count() >= 5
    assert employee.manager == manager and employee.role == manager.role
    assert authenticate(username="employee@acme.example", password="mentoring-demo") is not None
    colleague = manager.reports.exclude(pk=employee.pk).select_related("user").first()
    assert colleague is not None
    assert authenticate(username=colleague.user.email, password="mentoring-demo") is not None


def test_everyone_but_the_ceo_has_a_manager_and_there_is_no_cycle(seed_output) -> None:
    for slug in ("acme", "globex"):
        managers = dict(
            Employee.objects.filter(organization__slug=slug).values_list("id", "manager_id")
        )
        roots = [pk for pk, manager in managers.items() if manager is None]
        assert len(roots) == 1
        for start in managers:
            seen, current = set(), start
            while current is not None:
                assert current not in seen, "manager cycle"
                seen.add(current)
                current = managers[current]


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_people_are_realistic(seed_output, slug) -> None:
    people = list(Employee.objects.filter(organization__slug=slug).select_related("user", "role"))
    assert all(e.role is not None and e.job_title and e.department_id for e in people)
    assert all(e.user.first_name and e.user.last_name for e in people)
    assert len({e.user.email for e in people}) == len(people)
    assert sorted(e.external_id for e in people)[0] == f"{slug.upper()}-0001"
    capacities = [e.mentor_capacity for e in people]
    assert capacities.count(2) >= len(people) / 2 and set(capacities) <= {1, 2, 3}
    spans: dict[int, int] = {}
    for e in people:
        if e.manager_id:
            spans[e.manager_id] = spans.get(e.manager_id, 0) + 1
    assert min(spans.values()) >= 4 and max(spans.values()) <= 10


def test_the_plan_is_deterministic() -> None:
    def plan() -> list[object]:
        rng = random.Random(SEED)
        return [plan_organisation(spec, rng) for spec in (ACME, GLOBEX)]

    assert plan() == plan()
