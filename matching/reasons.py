"""Why a mentor is suggested, in the words a manager reads on the page."""

from __future__ import annotations


def reasons_in_words(
    *,
    level_name: str,
    confirmed: bool,
    mentor_department: str | None,
    other_department: bool,
    slots_used: int,
    capacity: int,
    paired_before: bool,
) -> list[str]:
    """E.g. ["Advanced, confirmed by manager", "Sales, another department", "0 of 2 slots used",
    "never paired before"]. `level_name` is the mentor's level named on the organisation's scale."""
    reasons = [f"{level_name}, {'confirmed by manager' if confirmed else 'self-rated'}"]
    if mentor_department:
        reasons.append(
            f"{mentor_department}, {'another department' if other_department else 'same department'}"
        )
    reasons.append(f"{slots_used} of {capacity} slot{'s' if capacity != 1 else ''} used")
    reasons.append("paired before" if paired_before else "never paired before")
    return reasons
