"""The dates people may enter: within a few years of today.

Nothing in the product plans further ahead than that, and dates near the calendar's end broke
arithmetic (a start in year 9999 plus a pairing's length overflows), so every form, serializer
and service that takes a date refuses one outside the window with a clear message.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

MAX_YEARS = 5


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The earliest and latest date accepted (today ± MAX_YEARS, by days)."""
    today = today or timezone.localdate()
    span = dt.timedelta(days=365 * MAX_YEARS + MAX_YEARS // 4 + 1)
    return today - span, today + span


def date_out_of_range(value: object, today: dt.date | None = None) -> str | None:
    """Why `value` is refused, or None when it is a date inside the window (or not a date)."""
    if not isinstance(value, dt.date):
        return None
    earliest, latest = date_window(today)
    if value < earliest or value > latest:
        return (
            f"Enter a date within {MAX_YEARS} years of today "
            f"({earliest:%d %b %Y} to {latest:%d %b %Y})."
        )
    return None


def validate_date_in_range(value: dt.date) -> None:
    """A form or serializer field validator."""
    message = date_out_of_range(value)
    if message:
        raise ValidationError(message, code="date_out_of_range")
