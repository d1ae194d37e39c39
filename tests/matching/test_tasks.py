from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from competencies.services import competency_archive, requirement_remove, requirement_set
from matching.models import MatchRun, MatchSuggestion, RecomputeState
from matching.recompute import debounce_seconds, schedule_recompute
from matching.tasks import recompute_due_organizations, recompute_organization_task
from tests.factories import OrganizationFactory
from tests.matching.conftest import rate


@pytest.fixture
def queued(monkeypatch) -> list[tuple[tuple, dict]]:
    """Calls that would reach the broker, recorded instead of run."""
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(
        recompute_organization_task, "apply_async", lambda *a, **kw: calls.append((a, kw))
    )
    monkeypatch.setattr(recompute_organization_task, "delay", lambda *a: calls.append((a, {})))
    return calls


def test_a_burst_of_changes_schedules_one_recompute(
    team, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_recompute(organization_id=team.org.pk, trigger="assessment")
        assert not schedule_recompute(organization_id=team.org.pk, trigger="assessment")
        assert not schedule_recompute(organization_id=team.org.pk, trigger="requirement")
    assert queued == [((), {"args": (team.org.pk, "assessment"), "countdown": 30})]
    state = RecomputeState.objects.get(organization=team.org)
    assert timezone.now() < state.scheduled_for <= timezone.now() + dt.timedelta(seconds=30)


def test_once_the_delay_has_passed_a_change_schedules_again(
    team, queued, settings, django_capture_on_commit_callbacks
) -> None:
    settings.MATCHING_DEBOUNCE_SECONDS = 1
    RecomputeState.objects.create(
        organization=team.org, scheduled_for=timezone.now() - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_recompute(organization_id=team.org.pk, trigger="availability")
    assert queued == [((), {"args": (team.org.pk, "availability"), "countdown": 1})]


def test_nothing_is_queued_if_the_change_is_rolled_back(team, queued) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        schedule_recompute(organization_id=team.org.pk, trigger="assessment")
        raise RuntimeError("the change failed")
    assert queued == []
    assert not RecomputeState.objects.filter(scheduled_for__isnull=False).exists()


def test_the_task_clears_the_schedule_and_recomputes(team) -> None:
    RecomputeState.objects.create(
        organization=team.org, scheduled_for=timezone.now() + dt.timedelta(seconds=30)
    )
    run_id = recompute_organization_task.delay(team.org.pk, "assessment").get()
    run = MatchRun.objects.get(pk=run_id)
    assert run.status == "succeeded" and run.trigger == "assessment"
    assert MatchSuggestion.objects.filter(organization=team.org).count() == 3
    assert RecomputeState.objects.get(organization=team.org).scheduled_for is None


def test_the_task_of_a_deleted_organisation_does_nothing(db) -> None:
    assert recompute_organization_task.delay(999_999, "schedule").get() is None


def test_the_task_is_acks_late_and_retried_on_database_errors() -> None:
    from django.db import InterfaceError, OperationalError

    assert recompute_organization_task.acks_late is True
    assert set(recompute_organization_task.autoretry_for) == {OperationalError, InterfaceError}
    assert recompute_organization_task.retry_backoff is True
    assert recompute_organization_task.max_retries == 5


def test_due_organisations_get_one_task_each(org, queued) -> None:
    now = timezone.now()
    never_ran = OrganizationFactory(slug="never")
    recent = OrganizationFactory(slug="recent")
    MatchRun.objects.create(
        organization=recent, trigger="schedule", started_at=now, finished_at=now
    )
    # acme ran 20 minutes ago with the default interval of 15 minutes: due.
    old = now - dt.timedelta(minutes=20)
    MatchRun.objects.create(organization=org, trigger="schedule", started_at=old, finished_at=old)
    slow = OrganizationFactory(slug="slow", recompute_interval_minutes=60)
    MatchRun.objects.create(organization=slow, trigger="schedule", started_at=old, finished_at=old)

    assert recompute_due_organizations() == 2
    assert sorted(args[0] for args, _ in queued) == sorted([org.pk, never_ran.pk])
    assert {args[1] for args, _ in queued} == {"schedule"}


def test_an_organisation_left_with_a_rerun_request_is_due(org, queued) -> None:
    now = timezone.now()
    MatchRun.objects.create(organization=org, trigger="schedule", started_at=now, finished_at=now)
    RecomputeState.objects.create(organization=org, rerun_requested=True)
    assert recompute_due_organizations() == 1


def test_beat_runs_the_due_check_every_minute() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["matching-recompute-due"]
    assert entry["task"] == "matching.tasks.recompute_due_organizations"
    assert entry["schedule"].remaining_estimate(timezone.now()) <= dt.timedelta(minutes=1)


# --- hooks from the lower layers ------------------------------------------------------------


def test_a_submitted_assessment_schedules_a_recompute(
    team, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rate(team.pat, {team.programming: 5})
    assert [args for _, kw in queued for args in [kw["args"]]] == [(team.org.pk, "assessment")]


def test_requirement_changes_and_archiving_schedule_a_recompute(
    team, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        requirement_set(
            role=team.role,
            actor=team.mark,
            competency=team.negotiation,
            required_level=3,
            importance=1,
        )
    RecomputeState.objects.filter(organization=team.org).update(scheduled_for=None)
    with django_capture_on_commit_callbacks(execute=True):
        requirement_remove(role=team.role, actor=team.mark, competency=team.negotiation)
    RecomputeState.objects.filter(organization=team.org).update(scheduled_for=None)
    with django_capture_on_commit_callbacks(execute=True):
        competency_archive(competency=team.writing, actor=team.mark)
    assert [kw["args"] for _, kw in queued] == [(team.org.pk, "requirement")] * 3


def test_an_unchanged_requirement_schedules_nothing(
    team, queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        requirement_set(
            role=team.role,
            actor=team.mark,
            competency=team.programming,
            required_level=4,
            importance=5,
        )
    assert queued == []


def test_with_an_eager_broker_a_submitted_assessment_updates_suggestions(
    team, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rate(team.pat, {team.programming: 5})
    run = MatchRun.objects.get(organization=team.org)
    assert run.trigger == "assessment" and run.status == "succeeded"
    pat = MatchSuggestion.objects.get(mentor=team.pat, competency=team.programming)
    assert pat.mentor_level == 5


def test_tasks_are_registered_with_the_celery_app() -> None:
    from mentorship.celery import app

    assert "matching.tasks.recompute_organization" in app.tasks
    assert "matching.tasks.recompute_due_organizations" in app.tasks
    assert debounce_seconds() == 30
