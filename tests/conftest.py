"""The base fixture set: two organisations.

acme: `hr` (HR admin), `manager` with direct report `employee`.
globex: `outsider`, who must never see anything of acme (and vice versa).

Test bodies run with tenant scopes disabled so that they can arrange and inspect data freely; every
request through the test client runs in the scope the middleware resolves, exactly as in production,
so an unscoped query in a view still fails loudly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from django_scopes import scopes_disabled

from mentorship.middleware import SESSION_ORG_KEY
from mentorship.models import Employee, Organization
from tests.factories import DepartmentFactory, EmployeeFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _unscoped_test_body() -> Iterator[None]:
    with scopes_disabled():
        yield


@pytest.fixture
def postgres() -> None:
    """Skip unless the test database is PostgreSQL (a failure under REQUIRE_SERVICES=1, as in CI)."""
    if connection.vendor != "postgresql":
        what = "these tests need PostgreSQL (set DATABASE_URL)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {what}")
        pytest.skip(what)


@pytest.fixture
def org(db: None) -> Organization:
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db: None) -> Organization:
    return OrganizationFactory(name="Globex", slug="globex")


@pytest.fixture
def hr(org: Organization) -> Employee:
    return EmployeeFactory(
        organization=org,
        user=UserFactory(email="hr@acme.test", first_name="Hana", last_name="Reyes"),
        is_hr_admin=True,
        job_title="HR Business Partner",
    )


@pytest.fixture
def manager(org: Organization) -> Employee:
    return EmployeeFactory(
        organization=org,
        user=UserFactory(email="manager@acme.test", first_name="Mark", last_name="Ito"),
        department=DepartmentFactory(organization=org, name="Engineering", code="ENG"),
        job_title="Engineering Manager",
    )


@pytest.fixture
def employee(org: Organization, manager: Employee) -> Employee:
    return EmployeeFactory(
        organization=org,
        user=UserFactory(email="employee@acme.test", first_name="Emma", last_name="Stone"),
        manager=manager,
        department=manager.department,
        job_title="Software Developer",
    )


@pytest.fixture
def outsider(other_org: Organization) -> Employee:
    return EmployeeFactory(
        organization=other_org,
        user=UserFactory(email="outsider@globex.test", first_name="Otto", last_name="Sider"),
        is_hr_admin=True,
    )


@pytest.fixture
def client_for() -> Callable[[Employee], Client]:
    """A test client signed in as the given member."""

    def make(member: Employee) -> Client:
        c = Client()
        c.force_login(member.user)
        # As after a first visit: the session already remembers the current organisation.
        session = c.session
        session[SESSION_ORG_KEY] = member.organization_id
        session.save()
        return c

    return make
