"""In-app notifications, with an e-mail when it matters.

`notify` is the one write: higher layers (pairings, reminders) call it inside their transaction;
the e-mail goes out only once that transaction commits. The reads feed the notifications page and
the navbar's unread count.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mentorship.models import Employee, Notification

MESSAGE_MAX = 500


def _send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])


def notify(
    *,
    recipient: Employee,
    kind: str,
    message: str,
    url: str = "",
    email_subject: str = "",
) -> Notification | None:
    """Tell one person something in the app; with `email_subject`, also by e-mail with a link.

    Nobody is notified once they have left the organisation (None is returned).
    """
    if not recipient.is_active:
        return None
    notification = Notification.objects.create(
        organization_id=recipient.organization_id,
        recipient=recipient,
        kind=kind[:50],
        message=message[:MESSAGE_MAX],
        url=url[:500],
    )
    if email_subject:
        link = f"{settings.SITE_URL}{url}" if url.startswith("/") else url
        first_name = recipient.user.first_name or recipient.name
        body = f"Hello {first_name},\n\n{message}\n" + (f"\n{link}\n" if link else "")
        transaction.on_commit(
            partial(_send_email, to=recipient.user.email, subject=email_subject, body=body)
        )
    return notification


@transaction.atomic
def notifications_mark_read(*, employee: Employee, pk: int | None = None) -> int:
    """Mark one of the person's notifications (or all of them) read; how many changed."""
    unread = Notification.objects.filter(
        organization_id=employee.organization_id, recipient=employee, read_at__isnull=True
    )
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())


def notifications_for(*, employee: Employee, limit: int = 50) -> QuerySet[Notification]:
    """The person's latest notifications, newest first."""
    return Notification.objects.filter(
        organization_id=employee.organization_id, recipient=employee
    ).order_by("-created_at", "-id")[:limit]


def unread_count(*, employee: Employee) -> int:
    return Notification.objects.filter(
        organization_id=employee.organization_id, recipient=employee, read_at__isnull=True
    ).count()


def notification_get(*, employee: Employee, pk: int) -> Notification | None:
    """One of the person's own notifications (None for anyone else's, so nothing leaks)."""
    return Notification.objects.filter(
        organization_id=employee.organization_id, recipient=employee, pk=pk
    ).first()
