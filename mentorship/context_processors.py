from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mentorship.notifications.services import unread_count


def tenant(request: HttpRequest) -> dict[str, Any]:
    """Expose the resolved organisation and membership to every template."""
    me = getattr(request, "employee", None)
    return {
        "organization": getattr(request, "organization", None),
        "me": me,
        # Lazy: only pages that show the navbar pay for the count.
        "unread_notifications": (lambda: unread_count(employee=me)) if me else 0,
    }
