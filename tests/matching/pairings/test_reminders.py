"""Pairing reminders and the daily task, with a frozen clock: each reminder is sent on its day,
by e-mail with a link and in the app, and never twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from matching.models import Pairing, ReminderSent
from matching.pairings import checkins, reminders, rules, services
from matching.pairings.services import pairing_propose
from matching.tasks import pairings_daily_all, pairings_daily_task
from mentorship.models import Notification

# Reminder links point at the pairing pages (see test_pairing_urls).


MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(days: float, hours: float = 0) -> time_machine.travel:
    return time_machine.travel(MONDAY + dt.timedelta(days=days, hours=hours), tick=False)


@pytest.fixture
def proposed(team) -> Pairing:
    with at(0):
        return pairing_propose(
            mentee=team.emma,
            mentor=team.sam,
            competency=team.programming,
            actor=team.mark,
            task="Rewrite the invoice export",
            start_date=MONDAY.date(),
            end_date=MONDAY.date() + dt.timedelta(weeks=6),
        )


@pytest.fixture
def active(team, proposed) -> Pairing:
    with at(1):
        return services.pairing_accept(pairing=proposed, actor=team.sam)


def send(team, capture) -> int:
    with capture(execute=True):
        return reminders.pairing_reminders_send(organization=team.org)


def kinds(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person).order_by("id").values_list("kind", flat=True)
    )


def test_mentor_response_pending_two_days_before_expiry_once(
    team, proposed, django_capture_on_commit_callbacks
) -> None:
    with at(2, 23):
        assert send(team, django_capture_on_commit_callbacks) == 0
    with at(3):
        assert send(team, django_capture_on_commit_callbacks) == 1
        assert send(team, django_capture_on_commit_callbacks) == 0
    with at(4):
        assert send(team, django_capture_on_commit_callbacks) == 0

    # The proposal itself was announced when it was made; the reminder comes on top, once.
    assert kinds(team.sam) == ["pairing_proposed", "response_pending"]
    email = mail.outbox[-1]
    assert email.to == [team.sam.email]
    assert f"{settings.SITE_URL}/o/{team.org.slug}/pairings/{proposed.pk}/" in email.body
    assert "7 Mar 2026" in email.body
    assert ReminderSent.objects.get(kind=ReminderSent.Kind.RESPONSE_PENDING).due_date == dt.date(
        2026, 3, 7
    )


def test_no_response_reminder_once_expired(team, proposed, django_capture_on_commit_callbacks):
    with at(5):
        assert send(team, django_capture_on_commit_callbacks) == 0


def test_check_in_due_after_fourteen_quiet_days_then_again_after_the_next(
    team, active, django_capture_on_commit_callbacks
) -> None:
    # Accepted on day 1: due on day 15.
    with at(14):
        assert send(team, django_capture_on_commit_callbacks) == 0
    with at(15):
        assert send(team, django_capture_on_commit_callbacks) == 1
        assert send(team, django_capture_on_commit_callbacks) == 0
    assert kinds(team.emma) == ["pairing_accepted", "check_in_due"]
    assert "check_in_due" in kinds(team.sam)
    assert {m.to[0] for m in mail.outbox} == {team.emma.email, team.sam.email}

    with at(16):
        checkins.check_in_add(
            pairing=active,
            actor=team.sam,
            data=rules.CheckInInput(date=dt.date(2026, 3, 18), went_well="Good start"),
        )
    with at(29):
        assert send(team, django_capture_on_commit_callbacks) == 0
    with at(30):
        assert send(team, django_capture_on_commit_callbacks) == 1
    assert list(
        ReminderSent.objects.filter(kind="check_in_due").values_list("due_date", flat=True)
    ) == [dt.date(2026, 3, 17), dt.date(2026, 4, 1)]


def test_ending_in_three_days(team, active, django_capture_on_commit_callbacks) -> None:
    for day in range(1, 16, 7):  # keep check-ins fresh so only the ending reminder is due
        with at(day):
            checkins.check_in_add(
                pairing=active,
                actor=team.emma,
                data=rules.CheckInInput(date=(MONDAY + dt.timedelta(days=day)).date(), notes="ok"),
            )
    end = active.end_date
    with time_machine.travel(dt.datetime.combine(end, dt.time(7), dt.UTC) - dt.timedelta(days=4)):
        assert ReminderSent.objects.filter(kind="ending_soon").count() == 0
        send(team, django_capture_on_commit_callbacks)
        assert ReminderSent.objects.filter(kind="ending_soon").count() == 0
    with time_machine.travel(dt.datetime.combine(end, dt.time(7), dt.UTC) - dt.timedelta(days=3)):
        send(team, django_capture_on_commit_callbacks)
        send(team, django_capture_on_commit_callbacks)
    assert ReminderSent.objects.filter(kind="ending_soon", due_date=end).count() == 1
    assert kinds(team.emma).count("ending_soon") == 1
    assert kinds(team.sam).count("ending_soon") == 1


def test_review_due_first_the_mentee_then_the_manager(
    team, active, django_capture_on_commit_callbacks
) -> None:
    with at(10):
        services.pairing_finish(pairing=active, actor=team.sam)
    with at(11):
        send(team, django_capture_on_commit_callbacks)
        assert not ReminderSent.objects.filter(kind="reassessment_due").exists()
    with at(12):
        send(team, django_capture_on_commit_callbacks)
        send(team, django_capture_on_commit_callbacks)
    assert kinds(team.emma).count("reassessment_due") == 2  # the finish notice, one reminder
    assert ReminderSent.objects.filter(kind="reassessment_due").count() == 1

    with at(13):
        services.pairing_reassess(pairing=active, actor=team.emma, level=4)
    with at(15):
        send(team, django_capture_on_commit_callbacks)
        send(team, django_capture_on_commit_callbacks)
    assert kinds(team.mark).count("confirmation_due") == 2  # the re-assessment notice, a reminder
    assert ReminderSent.objects.filter(kind="confirmation_due").count() == 1


def test_the_daily_task_expires_ends_and_reminds_idempotently(
    team, proposed, django_capture_on_commit_callbacks
) -> None:
    with at(5), django_capture_on_commit_callbacks(execute=True):
        first = pairings_daily_task(team.org.pk)
        again = pairings_daily_task(team.org.pk)
    assert first == {"expired": 1, "ended": 0, "reminded": 0}
    assert again == {"expired": 0, "ended": 0, "reminded": 0}
    assert Pairing.objects.get(pk=proposed.pk).state == Pairing.State.EXPIRED


def test_the_daily_fan_out_queues_one_task_per_organisation(team, other_org) -> None:
    assert pairings_daily_all() == 2


def test_the_daily_task_ignores_a_missing_organisation(db) -> None:
    assert pairings_daily_task(999_999) == {"expired": 0, "ended": 0, "reminded": 0}


def test_beat_runs_the_pairings_pass_daily() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["pairings-daily"]
    assert entry["task"] == "matching.tasks.pairings_daily_all"
