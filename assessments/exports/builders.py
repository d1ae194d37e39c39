"""CSV exports of the assessments layer: skill profiles and gaps, one query each, streamed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse

from assessments.models import SkillProfile
from competencies.models import RoleRequirement
from mentorship.exports.builders import CHUNK_SIZE, csv_response, export_filename
from mentorship.models import Organization

SKILL_PROFILE_COLUMNS: tuple[str, ...] = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "department_code",
    "role_code",
    "competency_code",
    "competency",
    "category",
    "self_level",
    "self_assessed_at",
    "manager_level",
    "manager_assessed_at",
    "effective_level",
    "manager_confirmed",
    "updated_at",
)

GAP_COLUMNS: tuple[str, ...] = (
    "external_id",
    "email",
    "first_name",
    "last_name",
    "department_code",
    "role_code",
    "role",
    "competency_code",
    "competency",
    "category",
    "required_level",
    "effective_level",
    "gap",
    "importance",
    "priority",
    "manager_confirmed",
)


def skill_profile_rows(*, organization: Organization) -> Iterator[Sequence[object]]:
    """Every active person's current level per competency (active competencies), by person."""
    yield SKILL_PROFILE_COLUMNS
    profiles = (
        SkillProfile.objects.filter(
            organization=organization,
            employee__is_active=True,
            competency__archived_at__isnull=True,
        )
        .order_by(
            "employee__user__last_name",
            "employee__user__first_name",
            "employee_id",
            "competency__category",
            "competency__name",
        )
        .values_list(
            "employee__external_id",
            "employee__user__email",
            "employee__user__first_name",
            "employee__user__last_name",
            "employee__department__code",
            "employee__role__code",
            "competency__code",
            "competency__name",
            "competency__category",
            "self_level",
            "self_assessed_at",
            "manager_level",
            "manager_assessed_at",
            "effective_level",
            "manager_confirmed",
            "updated_at",
        )
    )
    yield from profiles.iterator(chunk_size=CHUNK_SIZE)


def gap_rows(*, organization: Organization) -> Iterator[Sequence[object]]:
    """Every active person's gaps against their role, highest priority first within a person.

    The same rule as `selectors.gaps_for` (gap = required − effective level, never assessed counts
    as 0; priority = gap × importance), computed in one query for the whole organisation: each
    requirement of a role joined to the role's people and their skill profile for it.
    """
    yield GAP_COLUMNS
    profile = SkillProfile.objects.filter(
        organization=organization,
        employee_id=OuterRef("role__employees__id"),
        competency_id=OuterRef("competency_id"),
    ).order_by()  # one row at most (unique); the model's ordering would only add joins
    level = Subquery(profile.values("effective_level")[:1], output_field=IntegerField())
    confirmed = Subquery(profile.values("manager_confirmed")[:1])
    gaps = (
        RoleRequirement.objects.filter(
            organization=organization,
            competency__archived_at__isnull=True,
            role__employees__organization=organization,
            role__employees__is_active=True,
        )
        .annotate(effective=level, confirmed=confirmed)
        .annotate(gap=F("required_level") - Coalesce(F("effective"), Value(0)))
        .filter(gap__gt=0)
        .annotate(priority=F("gap") * F("importance"))
        .order_by(
            "role__employees__user__last_name",
            "role__employees__user__first_name",
            "role__employees__id",
            "-priority",
            "competency__name",
        )
        .values_list(
            "role__employees__external_id",
            "role__employees__user__email",
            "role__employees__user__first_name",
            "role__employees__user__last_name",
            "role__employees__department__code",
            "role__code",
            "role__name",
            "competency__code",
            "competency__name",
            "competency__category",
            "required_level",
            "effective",
            "gap",
            "importance",
            "priority",
            "confirmed",
        )
    )
    for row in gaps.iterator(chunk_size=CHUNK_SIZE):
        # Never assessed: no level and, naturally, not confirmed by a manager.
        yield (*row[:-1], bool(row[-1]))


def skill_profiles_export(*, organization: Organization) -> StreamingHttpResponse:
    return csv_response(
        skill_profile_rows(organization=organization),
        organization=organization,
        filename=export_filename(organization, "skill-profiles"),
    )


def gaps_export(*, organization: Organization) -> StreamingHttpResponse:
    return csv_response(
        gap_rows(organization=organization),
        organization=organization,
        filename=export_filename(organization, "gaps"),
    )
