"""Reads of the competency model."""

from __future__ import annotations

from competencies.models import ProficiencyLevel
from mentorship.models import Organization


def scale_for(*, organization: Organization) -> list[ProficiencyLevel]:
    """The organisation's proficiency scale, lowest level first."""
    return list(ProficiencyLevel.objects.filter(organization=organization).order_by("level"))


def scale_bounds(*, organization: Organization) -> tuple[int, int]:
    """(lowest, highest) level of the organisation's scale; (0, 5) before a scale exists."""
    levels = [p.level for p in scale_for(organization=organization)]
    return (min(levels), max(levels)) if levels else (0, 5)
