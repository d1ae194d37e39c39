"""Recomputes on a real Celery worker (Redis broker, the PostgreSQL test database).

Skipped unless DATABASE_URL (PostgreSQL) and REDIS_URL are set; CI sets both.
"""

from __future__ import annotations

import random
import signal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from assessments.models import SkillProfile
from competencies.models import Competency, Role, RoleRequirement
from matching.models import MatchRun, MatchSuggestion, RecomputeState
from matching.recompute import LEASE, recompute_organization
from matching.tasks import recompute_organization_task
from mentorship.models import Department, Employee, User
from tests.factories import OrganizationFactory
from tests.matching.conftest import rate
from tests.workers import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_submitted_assessment_updates_suggestions_through_the_worker(
    team, start_worker, settings
) -> None:
    settings.MATCHING_DEBOUNCE_SECONDS = 1
    start_worker()
    RecomputeState.objects.filter(organization=team.org).update(scheduled_for=None)
    submitted = timezone.now()

    rate(team.pat, {team.programming: 5})  # the hook schedules the recompute after commit

    def pat_is_expert() -> bool:
        return MatchSuggestion.objects.filter(
            mentor=team.pat, competency=team.programming, mentor_level=5, status="open"
        ).exists()

    wait_for(pat_is_expert, timeout=60, what="the worker to update Pat's suggestion")

    # The suggestions commit first; the run's record is closed just after.
    def run_finished() -> bool:
        return MatchRun.objects.filter(
            organization=team.org, started_at__gte=submitted, status="succeeded"
        ).exists()

    wait_for(run_finished, timeout=30, what="the run to be recorded as succeeded")
    run = MatchRun.objects.filter(organization=team.org, started_at__gte=submitted).get()
    assert run.trigger == "assessment" and run.status == "succeeded"
    assert run.rows_updated >= 1


def _big_organisation(people: int, competencies: int, seed: int = 7):
    """An organisation big enough for a recompute to take a few seconds, written in bulk."""
    rnd = random.Random(seed)
    org = OrganizationFactory()
    departments = Department.objects.bulk_create(
        Department(organization=org, name=f"Department {i}", code=f"D{i}") for i in range(12)
    )
    comps = Competency.objects.bulk_create(
        Competency(organization=org, name=f"Skill {i}") for i in range(competencies)
    )
    role = Role.objects.create(organization=org, name="Specialist")
    RoleRequirement.objects.bulk_create(
        RoleRequirement(
            organization=org,
            role=role,
            competency=comp,
            required_level=rnd.choice([3, 4]),
            importance=rnd.randint(1, 5),
        )
        for comp in comps[: competencies // 2]
    )
    users = User.objects.bulk_create(
        User(email=f"p{i}-{org.slug}@big.test", first_name="P", last_name=str(i))
        for i in range(people)
    )
    staff = Employee.objects.bulk_create(
        Employee(
            organization=org,
            user=user,
            role=role,
            department=departments[i % len(departments)],
            mentor_capacity=rnd.choice([1, 2, 2, 3]),
        )
        for i, user in enumerate(users)
    )
    for i, person in enumerate(staff[10:], start=10):
        person.manager = staff[i % 10]
    Employee.objects.bulk_update(staff[10:], ["manager"], batch_size=2000)
    SkillProfile.objects.bulk_create(
        (
            SkillProfile(
                organization=org,
                employee=person,
                competency=comp,
                effective_level=level,
                self_level=level,
                manager_confirmed=rnd.random() < 0.5,
            )
            for person in staff
            for comp in comps
            for level in [rnd.choice([1, 2, 2, 3, 3, 4, 5])]
        ),
        batch_size=5000,
    )
    return org


def _writing_suggestions() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start < query_start "
            "AND query ILIKE %s",
            ["%matching_matchsuggestion%"],
        )
        return bool(cursor.fetchone()[0])


def _snapshot(org) -> set[tuple[int, int, int, int, float]]:
    return set(
        MatchSuggestion.objects.filter(organization=org, status="open").values_list(
            "mentee_id", "competency_id", "mentor_id", "rank", "score"
        )
    )


def test_a_worker_killed_mid_recompute_leaves_consistent_suggestions(start_worker) -> None:
    org = _big_organisation(people=3000, competencies=16)
    first = recompute_organization(organization_id=org.pk, trigger="schedule")
    assert first is not None and first.suggestions > 10_000
    before = _snapshot(org)
    # Everyone's levels change: the next run rewrites almost every suggestion.
    SkillProfile.objects.filter(organization=org).update(effective_level=6 - F("effective_level"))
    SkillProfile.objects.filter(organization=org, effective_level__gt=5).update(effective_level=5)

    worker = start_worker()
    recompute_organization_task.delay(org.pk, "manual")
    # Kill it inside its write transaction: the moment the database shows the worker's
    # connection reading or writing suggestions in a transaction of several statements.
    wait_for(_writing_suggestions, timeout=60, what="the worker to start writing")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=20)
    running = MatchRun.objects.get(organization=org, trigger="manual")
    assert running.status == "running", "the run finished before the worker was killed"
    assert _snapshot(org) == before  # the write is one transaction: nothing of it is visible

    # A restarted worker cannot take the organisation while the dead run's lease holds; once it
    # has expired (time passes: back-date it) the next run takes over and completes.
    start_worker()
    RecomputeState.objects.filter(organization=org).update(
        running_since=timezone.now() - LEASE - LEASE / 10
    )
    recompute_organization_task.delay(org.pk, "schedule")
    done = wait_for(
        lambda: MatchRun.objects.filter(
            organization=org, trigger="schedule", status="succeeded", pk__gt=running.pk
        ).first(),
        timeout=120,
        what="the next run to complete",
    )
    running.refresh_from_db()
    assert running.status == "superseded"
    assert done.rows_written > 0 and _snapshot(org) != before
    # Consistent: recomputing the same data again changes nothing.
    again = recompute_organization(organization_id=org.pk, trigger="manual")
    assert again is not None and again.rows_written == 0
    state = RecomputeState.objects.get(organization=org)
    assert state.running_since is None
