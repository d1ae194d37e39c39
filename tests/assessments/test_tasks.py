"""The daily reminders task."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone

from assessments import services
from assessments.tasks import send_assessment_reminders
from tests.factories import EmployeeFactory


def test_overdue_reminders_are_sent_once_through_the_task(
    hr, developer, other_org, time_machine
) -> None:
    services.assessment_request_create(
        organization=hr.organization,
        actor=hr,
        audience="role",
        role=developer.role,
        due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    EmployeeFactory(organization=other_org)  # another organisation with nothing due
    assert send_assessment_reminders.delay().get() == 2
    assert mail.outbox == []

    time_machine.move_to(timezone.now() + dt.timedelta(days=3))
    send_assessment_reminders.delay()
    send_assessment_reminders.delay()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["employee@acme.test"]
    assert "/o/acme/my-skills/" in mail.outbox[0].body
