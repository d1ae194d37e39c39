"""A small organisation to match, built through the assessments services.

acme's `employee` (Emma, Engineering, reports to `manager`) is a developer who needs Programming ≥ 4
(importance 5) and Writing ≥ 3 (importance 2) and self-rates 2 and 1: two gaps, priorities 10 and
4. Negotiation ≥ 2 she meets. Around her:

- sam (Sales, reports to sally): Programming 5 and Writing 4, confirmed by sally; 2 slots.
- pat (Engineering, no manager): Programming 4, self-rated; 1 slot.
- nora (Sales): Programming 5, self-rated, but not available as a mentor.
- olly (Sales): Programming 5, self-rated, but opted out of mentoring Programming.
- `manager` (Mark): Programming 5, self-rated, but he is Emma's manager.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pytest
from django.db import connection

from assessments.services import assessment_start, assessment_submit, rating_set
from competencies.models import Competency, Role
from matching.models import MentorOptOut
from mentorship.celery import app
from mentorship.models import Department, Employee, Organization
from tests.factories import (
    CompetencyFactory,
    DepartmentFactory,
    EmployeeFactory,
    RoleFactory,
    RoleRequirementFactory,
    UserFactory,
)
from tests.workers import spawn_worker, stop_worker, worker_database_url


def rate(subject: Employee, levels: dict[Competency, int], *, by: Employee | None = None) -> None:
    """Submit a self-assessment (or, with `by`, a manager assessment) through the services."""
    assessor = by or subject
    kind = "manager" if by is not None else "self"
    assessment = assessment_start(subject=subject, assessor=assessor, kind=kind)
    for competency, level in levels.items():
        rating_set(assessment=assessment, actor=assessor, competency=competency, level=level)
    assessment_submit(assessment=assessment, actor=assessor)


def person(org: Organization, first_name: str, department: Department | None, **kwargs) -> Employee:
    return EmployeeFactory(
        organization=org,
        user=UserFactory(
            email=f"{first_name.lower()}@{org.slug}.test", first_name=first_name, last_name="Test"
        ),
        department=department,
        **kwargs,
    )


@dataclass
class Team:
    org: Organization
    role: Role
    programming: Competency
    writing: Competency
    negotiation: Competency
    sales: Department
    emma: Employee
    mark: Employee
    sam: Employee
    sally: Employee
    pat: Employee
    nora: Employee
    olly: Employee


@pytest.fixture
def team(org, manager, employee) -> Team:
    role = RoleFactory(organization=org, name="Software Developers")
    comps = {}
    for name, level, importance in (
        ("Programming", 4, 5),
        ("Writing", 3, 2),
        ("Negotiation", 2, 1),
    ):
        comps[name] = CompetencyFactory(organization=org, name=name)
        RoleRequirementFactory(
            organization=org,
            role=role,
            competency=comps[name],
            required_level=level,
            importance=importance,
        )
    programming, writing, negotiation = comps["Programming"], comps["Writing"], comps["Negotiation"]
    employee.role = role
    employee.save(update_fields=["role"])
    sales = DepartmentFactory(organization=org, name="Sales", code="SALES")
    sally = person(org, "Sally", sales)
    sam = person(org, "Sam", sales, manager=sally)
    pat = person(org, "Pat", manager.department, mentor_capacity=1)
    nora = person(org, "Nora", sales, mentor_available=False)
    olly = person(org, "Olly", sales)
    MentorOptOut.objects.create(organization=org, employee=olly, competency=programming)

    rate(employee, {programming: 2, writing: 1, negotiation: 2})
    rate(sam, {programming: 5, writing: 4}, by=sally)
    rate(pat, {programming: 4})
    rate(nora, {programming: 5})
    rate(olly, {programming: 5})
    rate(manager, {programming: 5})
    return Team(
        org=org,
        role=role,
        programming=programming,
        writing=writing,
        negotiation=negotiation,
        sales=sales,
        emma=employee,
        mark=manager,
        sam=sam,
        sally=sally,
        pat=pat,
        nora=nora,
        olly=olly,
    )


def _require(what: str) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"REQUIRE_SERVICES=1 but {what}")
    pytest.skip(what)


@pytest.fixture
def postgres() -> None:
    """Skip unless the test database is PostgreSQL (a failure in CI, where it must be)."""
    if connection.vendor != "postgresql":
        _require("these tests need PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url(postgres) -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _require("these tests need Redis (set REDIS_URL)")
    return url


@pytest.fixture
def start_worker(redis_url) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start (or restart) a real worker on Redis and the test database; tasks are sent for real.

    `start(env={...})` adds environment variables for that worker (its e-mail directory, say).
    """
    started: list[subprocess.Popen[bytes]] = []

    def start(env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
        proc = spawn_worker(
            name="matching",
            env={"DATABASE_URL": worker_database_url(), "REDIS_URL": redis_url, **(env or {})},
        )
        started.append(proc)
        return proc

    import redis

    def forget_queued_tasks() -> None:
        # Tasks queued for another test's organisations (debounced recomputes, a killed worker's
        # unacknowledged task) must not reach this test's worker, nor a later one.
        redis.Redis.from_url(redis_url).delete("celery", "unacked", "unacked_index")

    forget_queued_tasks()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield start
    finally:
        app.conf.task_always_eager = eager
        for proc in started:
            stop_worker(proc)
        forget_queued_tasks()
