"""The daily pairings pass on a real Celery worker (Redis broker, the PostgreSQL test database),
with the real clock: the beat's fan-out reaches the worker, each reminder due goes out by e-mail
with a link and in the app, an unanswered proposal expires, and a second pass sends nothing.

Skipped unless DATABASE_URL (PostgreSQL) and REDIS_URL are set; CI sets both.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from matching.models import Pairing, ReminderSent
from matching.pairings import rules, services
from matching.pairings.services import pairing_propose
from matching.tasks import pairings_daily_all
from mentorship.models import Employee, Notification, Organization
from tests.matching.conftest import Team, person, rate

pytestmark = [
    pytest.mark.worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    # Set up first: without PostgreSQL and Redis the test is skipped before any data is built.
    pytest.mark.usefixtures("redis_url"),
]

TASK = "Rewrite the invoice export together"
NOTHING = {"expired": 0, "ended": 0, "reminded": 0}


@dataclass
class Due:
    """One pairing in each situation the daily pass acts on, and the two extra mentees."""

    ann: Employee  # reports to Sally
    ben: Employee  # reports to Sally
    pending: Pairing  # proposed; the answer window closes tomorrow
    lapsed: Pairing  # proposed to Pat (one slot); the answer window closed yesterday
    quiet: Pairing  # active, nothing logged for 20 days
    ending: Pairing  # active, ends in 3 days
    unreviewed: Pairing  # awaiting review, the mentee has not re-assessed for 3 days
    unconfirmed: Pairing  # awaiting review, re-assessed 3 days ago, the manager has not confirmed


def _propose(mentee: Employee, mentor: Employee, competency, *, days: int = 30) -> Pairing:
    today = timezone.localdate()
    return pairing_propose(
        mentee=mentee,
        mentor=mentor,
        competency=competency,
        actor=mentee.manager,
        task=TASK,
        start_date=today,
        end_date=today + dt.timedelta(days=days),
    )


def _back_date(pairing: Pairing, **fields: object) -> None:
    Pairing.objects.filter(pk=pairing.pk).update(**fields)


@pytest.fixture
def due(team: Team) -> Due:
    """Built through the services now, then moved back in time the way pairings_daily reads it."""
    ann = person(team.org, "Ann", team.sales, manager=team.sally, role=team.role)
    ben = person(team.org, "Ben", team.sales, manager=team.sally, role=team.role)
    for mentee in (ann, ben):
        rate(mentee, {team.programming: 1, team.writing: 1, team.negotiation: 2})
    now = timezone.now()
    days = dt.timedelta(days=1)
    response_days = rules.mentor_response_days(organization_id=team.org.pk)
    review_wait = (rules.REVIEW_REMINDER_DAYS + 1) * days

    # The two in review first: they no longer take Sam's slots.
    unreviewed = _propose(ben, team.sam, team.writing)
    services.pairing_accept(pairing=unreviewed, actor=team.sam)
    services.pairing_finish(pairing=unreviewed, actor=team.sam)
    _back_date(unreviewed, finished_at=now - review_wait)

    unconfirmed = _propose(ann, team.sam, team.writing)
    services.pairing_accept(pairing=unconfirmed, actor=team.sam)
    services.pairing_finish(pairing=unconfirmed, actor=team.sam)
    services.pairing_reassess(pairing=unconfirmed, actor=ann, level=3)
    _back_date(unconfirmed, finished_at=now - review_wait, reassessed_at=now - review_wait)

    # The reminder window is the last RESPONSE_REMINDER_DAYS before the deadline.
    pending = _propose(team.emma, team.sam, team.programming)
    _back_date(pending, created_at=now - (response_days - 1) * days)

    lapsed = _propose(ben, team.pat, team.programming)
    _back_date(lapsed, created_at=now - (response_days + 1) * days)

    # Quiet since the later of the start, the acceptance and the last check-in.
    quiet = _propose(team.emma, team.sam, team.writing)
    services.pairing_accept(pairing=quiet, actor=team.sam)
    quiet_since = rules.CHECK_IN_GAP_DAYS + 6
    _back_date(
        quiet,
        start_date=timezone.localdate() - quiet_since * days,
        accepted_at=now - quiet_since * days,
    )

    ending = _propose(ann, team.mark, team.programming, days=rules.ENDING_REMINDER_DAYS)
    services.pairing_accept(pairing=ending, actor=team.mark)

    return Due(ann, ben, pending, lapsed, quiet, ending, unreviewed, unconfirmed)


def _link(pairing: Pairing) -> str:
    return f"/o/{pairing.organization.slug}/pairings/{pairing.pk}/"


def _mails(directory: Path) -> list[EmailMessage]:
    """The messages Django's file-based backend wrote (one file per connection)."""
    separator = b"\n" + b"-" * 79 + b"\n"
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(separator):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                messages.append(message)
    return messages


def _run_daily_pass() -> list[dict[str, int]]:
    """Send the beat's fan-out and wait, through the result backend, for every task it queued."""
    fan_out = pairings_daily_all.delay()
    assert fan_out.get(timeout=60) == Organization.objects.count()
    return [child.get(timeout=60) for child in fan_out.children]


def test_the_daily_pass_on_a_worker_reminds_once_and_expires(
    team: Team, due: Due, start_worker, tmp_path: Path
) -> None:
    mail_dir = tmp_path / "mail"
    earlier = set(Notification.objects.values_list("pk", flat=True))
    start_worker(env={"EMAIL_FILE_PATH": str(mail_dir)})

    assert _run_daily_pass() == [{"expired": 1, "ended": 0, "reminded": 5}]

    sent = Notification.objects.exclude(pk__in=earlier)
    assert sorted(sent.values_list("recipient_id", "kind", "url")) == sorted(
        [
            (team.sam.pk, "response_pending", _link(due.pending)),
            (team.emma.pk, "check_in_due", _link(due.quiet)),
            (team.sam.pk, "check_in_due", _link(due.quiet)),
            (due.ann.pk, "ending_soon", _link(due.ending)),
            (team.mark.pk, "ending_soon", _link(due.ending)),
            (due.ben.pk, "reassessment_due", _link(due.unreviewed)),
            (team.sally.pk, "confirmation_due", _link(due.unconfirmed)),
            # Expiry is told in the app only: to whoever proposed it, and to the mentor.
            (team.sally.pk, "pairing_expired", _link(due.lapsed)),
            (team.pat.pk, "pairing_expired", _link(due.lapsed)),
        ]
    )
    # Each e-mail carries the link to its pairing's page.
    link = re.compile(re.escape(settings.SITE_URL) + r"(/o/[^/\s]+/pairings/\d+/)")
    received = [(str(m["To"]), *link.findall(m.get_content())) for m in _mails(mail_dir)]
    assert sorted(received) == sorted(
        [
            (team.sam.email, _link(due.pending)),
            (team.emma.email, _link(due.quiet)),
            (team.sam.email, _link(due.quiet)),
            (due.ann.email, _link(due.ending)),
            (team.mark.email, _link(due.ending)),
            (due.ben.email, _link(due.unreviewed)),
            (team.sally.email, _link(due.unconfirmed)),
        ]
    )
    assert ReminderSent.objects.exclude(kind=ReminderSent.Kind.PROPOSED).count() == 5

    due.lapsed.refresh_from_db()
    assert due.lapsed.state == Pairing.State.EXPIRED
    assert not Pairing.objects.filter(mentor=team.pat, state__in=Pairing.LOAD_STATES).exists()

    # The next day's beat, early: everything due has been claimed, so nothing goes out twice.
    assert _run_daily_pass() == [NOTHING]
    assert Notification.objects.exclude(pk__in=earlier).count() == 9
    assert len(_mails(mail_dir)) == 7
    assert ReminderSent.objects.exclude(kind=ReminderSent.Kind.PROPOSED).count() == 5

    # Pat's one slot is free again: Ben can be paired with Pat anew.
    again = _propose(due.ben, team.pat, team.programming)
    assert again.state == Pairing.State.PROPOSED
