"""Who may grant or take away privileges.

HR admin rights give the whole organisation (every skill profile, the API clients, the audit
log), so only a signed-in HR admin changes them: never an API client (an HR system's operator
could otherwise make any address an HR admin and reset its password), never a manager.
"""

from __future__ import annotations

from mentorship.models import Employee

HR_ADMIN_CHANGE_REFUSED = (
    "Only an HR admin signed in to the app can grant or remove HR admin rights "
    "(People → edit the person); API clients and imports by others cannot."
)


def may_change_hr_admin(actor: Employee | None) -> bool:
    """Whether `actor` may grant or remove HR admin rights (None: an API client, or the system)."""
    return actor is not None and actor.is_active and actor.is_hr_admin
