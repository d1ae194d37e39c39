"""Writes to the competency model. Every edit is audited (who, when, what changed)."""

from __future__ import annotations

from django.db import transaction

from competencies.models import DEFAULT_SCALE, ProficiencyLevel
from mentorship.models import Organization


@transaction.atomic
def scale_ensure_default(*, organization: Organization) -> list[ProficiencyLevel]:
    """Give an organisation the default 0-5 scale if it has none yet (idempotent)."""
    existing = set(
        ProficiencyLevel.objects.filter(organization=organization).values_list("level", flat=True)
    )
    ProficiencyLevel.objects.bulk_create(
        ProficiencyLevel(organization=organization, level=lv, name=name, description=desc)
        for lv, name, desc in DEFAULT_SCALE
        if lv not in existing and not existing
    )
    return list(ProficiencyLevel.objects.filter(organization=organization).order_by("level"))
