"""Domain errors shared by every layer's services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError

P = ParamSpec("P")
R = TypeVar("R")

CONFLICT_MESSAGE = (
    "This conflicts with a change saved at the same moment (for example the same code or "
    "e-mail address). Reload and try again."
)


def unique_conflicts_as_validation_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Report a unique-constraint race as a ValidationError instead of a server error.

    Services check for duplicates before writing, but two concurrent requests can both pass the
    check; the database's unique constraint then rejects the second. Put this decorator above
    `@transaction.atomic` so the failed savepoint is rolled back before the error is raised.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except IntegrityError as exc:
            raise ValidationError({NON_FIELD_ERRORS: CONFLICT_MESSAGE}) from exc

    return wrapper
