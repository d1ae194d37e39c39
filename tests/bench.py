"""Benchmarks: `make bench` (or `python -m tests.bench`) prints a table.

Runs against a throw-away test database: in-memory SQLite by default, or a `test_…` PostgreSQL
database when DATABASE_URL points at PostgreSQL. Times are server-side (Django test client,
no network), medians of several runs; query counts come from CaptureQueriesContext.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
os.environ.setdefault("MENTORSHIP_TESTING", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import django

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402


@dataclass
class Result:
    name: str
    size: str
    median_ms: float
    queries: int | str
    note: str = ""


def measure(fn: Callable[[], object], repeat: int = 7) -> tuple[float, int]:
    fn()  # warm-up
    times = []
    reset_queries()  # a request clears the log when it starts; count from an empty log
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)  # read now: later requests clear the log
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), queries


def client_for(member) -> Client:
    c = Client()
    c.force_login(member.user)
    c.get(f"/o/{member.organization.slug}/")
    return c


def bench_demo_seed() -> list[Result]:
    from matching.demo import seed_demo

    start = time.perf_counter()
    results = seed_demo()
    elapsed = (time.perf_counter() - start) * 1000
    people = sum(r.people for r in results)
    return [Result("seed_demo (2 organisations, with ratings)", f"{people} people", elapsed, "-")]


def bench_pages() -> list[Result]:
    from matching.models import Pairing
    from mentorship.models import Employee

    with scopes_disabled():
        hr = Employee.objects.select_related("organization", "user").get(
            user__email="hr@acme.example"
        )
        manager = Employee.objects.select_related("organization", "user").get(
            user__email="manager@acme.example"
        )
        employee = Employee.objects.select_related("organization", "user").get(
            user__email="employee@acme.example"
        )
        people = Employee.objects.filter(organization=hr.organization).count()
        pairing_id = (
            Pairing.objects.filter(organization=hr.organization, state="completed")
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
    rows = []
    for label, member, url in [
        ("people list (HR, first page)", hr, "/o/acme/people/"),
        ("org chart", hr, "/o/acme/org-chart/"),
        ("competency list", hr, "/o/acme/model/competencies/"),
        ("my skills (self-assessment form)", employee, "/o/acme/my-skills/"),
        ("my team (demo manager)", manager, "/o/acme/team/"),
        ("mentoring programme (HR)", hr, "/o/acme/programme/"),
        ("pairing page (HR, read-only)", hr, f"/o/acme/pairings/{pairing_id}/"),
        ("my mentoring (demo employee)", employee, "/o/acme/mentoring/"),
        ("API employees list (page of 50)", hr, "/api/v1/employees/"),
    ]:
        c = client_for(member)
        ms, queries = measure(lambda c=c, url=url: c.get(url))
        rows.append(Result(label, f"{people} people", ms, queries))
    return rows


def bench_team_matrix() -> list[Result]:
    """The issue's case: a manager with 50 direct reports x 40 competencies, all rated."""
    from assessments import services as a
    from mentorship.models import Organization
    from tests.factories import (
        CompetencyFactory,
        EmployeeFactory,
        OrganizationFactory,
        RoleFactory,
        RoleRequirementFactory,
    )

    with scopes_disabled():
        org = OrganizationFactory(name="Bench", slug="bench")
        role = RoleFactory(organization=org)
        comps = [CompetencyFactory(organization=org) for _ in range(40)]
        for i, comp in enumerate(comps):
            RoleRequirementFactory(
                organization=org, role=role, competency=comp, required_level=1 + i % 5
            )
        boss = EmployeeFactory(organization=org)
        reports = [
            EmployeeFactory(organization=org, manager=boss, role=role, department=boss.department)
            for _ in range(50)
        ]
        entries = []
        for n, person in enumerate(reports):
            levels = {c.pk: (n + i) % 6 for i, c in enumerate(comps)}
            entries.append(a.SubmittedAssessment(person, person, "self", org.created_at, levels))
        a.assessments_load_submitted(
            organization=Organization.objects.get(pk=org.pk), entries=entries
        )

        subject = reports[0]

        def submit_40() -> None:
            draft = a.assessment_start(subject=subject, assessor=boss, kind="manager")
            for comp in comps:
                a.rating_set(assessment=draft, actor=boss, competency=comp, level=3)
            a.assessment_submit(assessment=draft, actor=boss)

    c = client_for(boss)
    ms, queries = measure(lambda: c.get("/o/bench/team/"))
    rows = [Result("team matrix", "50 reports x 40 competencies", ms, queries)]
    with scopes_disabled():
        ms, queries = measure(submit_40, repeat=3)
    rows.append(Result("manager assessment: 40 autosaves + submit", "40 ratings", ms, queries))
    return rows


def bench_bulk_upsert() -> list[Result]:
    """The issue's case: an HR system syncs 5,000 people (managers by HR id, department and role
    by code) in one request's worth of rows; then sends the same rows again."""
    from django.db import transaction

    from mentorship import sync as hr_sync
    from mentorship.models import Organization
    from tests.factories import DepartmentFactory, OrganizationFactory, RoleFactory

    size = 5000
    with scopes_disabled():
        org = OrganizationFactory(name="Bulk bench", slug="bulk-bench")
        DepartmentFactory(organization=org, code="OPS")
        RoleFactory(organization=org, code="AN")
        organization = Organization.objects.get(pk=org.pk)
    rows = [
        {
            "external_id": f"B{i}",
            "email": f"b{i}@bulk.example",
            "first_name": f"Person{i}",
            "last_name": "Bench",
            "department_code": "OPS",
            "role_code": "AN",
            # Teams of ten under a manager who comes later in the payload.
            "manager_external_id": f"B{(i // 10 + 1) * 10 % size}" if i % 10 else "",
        }
        for i in range(size)
    ]

    def sync() -> hr_sync.BulkResult:
        with scopes_disabled():
            return hr_sync.employees_bulk_upsert(organization=organization, actor=None, rows=rows)

    def create_and_roll_back() -> None:
        with transaction.atomic():
            sync()
            transaction.set_rollback(True)

    ms, queries = measure(create_and_roll_back, repeat=3)
    results = [Result("bulk upsert: create (one transaction)", f"{size:,} people", ms, queries)]
    sync()
    ms, queries = measure(sync, repeat=3)
    results.append(Result("bulk upsert: same payload again", f"{size:,} unchanged", ms, queries))
    return results


def print_table(rows: list[Result]) -> None:
    vendor = connection.vendor
    print(f"\nBenchmarks on {vendor} ({connection.settings_dict['NAME']})\n")
    header = f"| {'benchmark':<45} | {'size':<30} | {'median ms':>10} | {'queries':>7} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        print(f"| {r.name:<45} | {r.size:<30} | {r.median_ms:>10.1f} | {r.queries!s:>7} |")


def bench_csv_import() -> list[Result]:
    """The issue's case: HR imports a 10,000-person CSV (a ten-wide org chart, managers by HR id,
    departments and roles by code): the upload's preview (parse and dry run), then the import the
    Celery task runs in batches after confirming."""
    from mentorship.imports import services as imports
    from mentorship.models import Organization, PeopleImport
    from tests.factories import DepartmentFactory, EmployeeFactory, OrganizationFactory, RoleFactory

    size = 10_000
    with scopes_disabled():
        org = OrganizationFactory(name="CSV bench", slug="csv-bench")
        for code in ("ENG", "OPS", "SALES"):
            DepartmentFactory(organization=org, code=code)
        RoleFactory(organization=org, code="DEV")
        hr = EmployeeFactory(organization=org, is_hr_admin=True)
        organization = Organization.objects.get(pk=org.pk)
    lines = [",".join(imports.COLUMNS)]
    for i in range(size):
        manager = f"P{i // 10}" if i >= 10 else ""
        department = ("ENG", "OPS", "SALES")[i % 3]
        lines.append(
            f"P{i},p{i}@csv.example,Person{i},Bench,Analyst,{department},{manager},DEV,"
            "Europe/Paris,false,true,2,true"
        )
    data = ("\n".join(lines) + "\n").encode()
    label = f"{size:,} rows, {len(data) / 1e6:.1f} MB"

    with scopes_disabled():
        start = time.perf_counter()
        people_import = imports.people_import_create(
            organization=organization, actor=hr, upload=data, file_name="bench.csv"
        )
        preview_ms = (time.perf_counter() - start) * 1000
        assert people_import.status == PeopleImport.Status.VALIDATED, people_import.errors[:3]
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            # Outside a transaction the task runs at once (CELERY_TASK_ALWAYS_EAGER).
            imports.people_import_confirm(people_import=people_import, actor=hr)
            import_ms = (time.perf_counter() - start) * 1000
        people_import.refresh_from_db()
        assert people_import.status == PeopleImport.Status.DONE, people_import.errors[:3]
    return [
        Result("CSV import: upload preview (parse, dry run)", label, preview_ms, "-"),
        Result("CSV import: confirm, task applies in batches", label, import_ms, len(ctx)),
    ]


def main() -> int:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        rows = (
            bench_demo_seed()
            + bench_pages()
            + bench_team_matrix()
            + bench_bulk_upsert()
            + bench_csv_import()
        )
        print_table(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
