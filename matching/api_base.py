"""What matching's API endpoints share: who may call them, the id format, the org chart below a
member."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from assessments.selectors import subtree_of
from mentorship.models import Employee

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

NUMERIC_ID = "[0-9]+"


class IsPerson(BasePermission):
    """A member signed in: these endpoints act for a person, never for an API client."""

    message = "Matching acts for a person signed in to the organisation; API clients cannot use it."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return getattr(request, "employee", None) is not None


class IsHRAdmin(IsPerson):
    message = "Only HR admins can see and start matching runs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            self.message = IsPerson.message
            return False
        return bool(request.employee.is_hr_admin)  # type: ignore[attr-defined]


PERSON: Sequence[_PermissionClass] = [IsAuthenticated, IsPerson]
HR_ADMIN: Sequence[_PermissionClass] = [IsAuthenticated, IsHRAdmin]


def below(member: Employee) -> list[int]:
    """Everyone below `member` in the org chart."""
    direct, deeper = subtree_of(manager=member)
    return [*direct, *deeper]
