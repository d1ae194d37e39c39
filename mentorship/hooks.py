"""Upward notifications and look-ups. Higher layers register here (in their AppConfig.ready);
this layer never imports them.

Both notifications run inside the transaction that made the change, as their names say: a new
organisation gets what the higher layers need (the default proficiency scale, for instance)
atomically with it, and people leaving are dealt with (their pairings ended, for instance) in the
same transaction as the deactivation. A hook that has side effects outside the database defers
them with `transaction.on_commit`.

The role directory lets people's forms, serializers and the people sync find roles by id or by
HR code; roles belong to the competency layer above, which registers the directory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from datetime import datetime

    from django.db.models import QuerySet

    from mentorship.models import Employee, Organization


# --- Organisation created (in the creating transaction) -------------------------------------------

OrganizationCreatedHook = Callable[["Organization"], object]
_organization_created_hooks_in_transaction: list[OrganizationCreatedHook] = []


def register_organization_created_hook_in_transaction(hook: OrganizationCreatedHook) -> None:
    if hook not in _organization_created_hooks_in_transaction:
        _organization_created_hooks_in_transaction.append(hook)


def run_organization_created_hooks_in_transaction(organization: Organization) -> None:
    for hook in _organization_created_hooks_in_transaction:
        hook(organization)


# --- People deactivated (in the deactivating transaction) -----------------------------------------


class DeactivationHook(Protocol):
    def __call__(
        self, *, organization: Organization, employee_ids: list[int], actor: Employee | None
    ) -> object: ...


_deactivation_hooks_in_transaction: list[DeactivationHook] = []


def register_deactivation_hook_in_transaction(hook: DeactivationHook) -> None:
    """Called once per deactivating call with every deactivated id (one id from
    employee_deactivate, many from employees_bulk_upsert)."""
    if hook not in _deactivation_hooks_in_transaction:
        _deactivation_hooks_in_transaction.append(hook)


def run_deactivation_hooks_in_transaction(
    *, organization: Organization, employee_ids: list[int], actor: Employee | None
) -> None:
    for hook in _deactivation_hooks_in_transaction:
        hook(organization=organization, employee_ids=employee_ids, actor=actor)


# --- Roles (the competency layer provides them) --------------------------------------------------


class RoleRef(NamedTuple):
    pk: int
    name: str
    archived_at: datetime | None


class RoleDirectory(Protocol):
    def by_code(self, organization: Organization) -> dict[str, RoleRef]:
        """The organisation's coded roles (archived ones too) by lower-cased code."""
        ...

    def queryset(self, organization: Organization) -> QuerySet[Any]:
        """The organisation's roles (Employee.role's choices), unordered."""
        ...


_role_directory: list[RoleDirectory] = []


def register_role_directory(directory: RoleDirectory) -> None:
    _role_directory[:] = [directory]


def roles_by_code(organization: Organization) -> dict[str, RoleRef]:
    """Every coded role of the organisation by lower-cased code; none when no layer provides
    roles."""
    return _role_directory[0].by_code(organization) if _role_directory else {}


def roles_of(organization: Organization) -> QuerySet[Any]:
    """The organisation's roles, for choosing a person's role (by id)."""
    if not _role_directory:
        raise LookupError("No installed app provides roles.")
    return _role_directory[0].queryset(organization)
