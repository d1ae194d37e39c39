"""Reads of the competency model. Every query names the organisation; page reads run in a fixed
number of queries whatever the size of the model."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement
from mentorship.models import Organization

# O*NET element ids look like "2.A.1.a"; O*NET-SOC occupation codes like "15-1252.00".
ONET_COMPETENCY_CODE = r"^[0-9]+\.[A-Z]\.[0-9]+(\.[a-z])?$"
ONET_ROLE_CODE = r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$"


def scale_for(*, organization: Organization) -> list[ProficiencyLevel]:
    """The organisation's proficiency scale, lowest level first."""
    return list(ProficiencyLevel.objects.filter(organization=organization).order_by("level"))


def scale_bounds(*, organization: Organization) -> tuple[int, int]:
    """(lowest, highest) level of the organisation's scale; (0, 5) before a scale exists."""
    levels = [p.level for p in scale_for(organization=organization)]
    return (min(levels), max(levels)) if levels else (0, 5)


def scale_level_for(*, organization: Organization, level: int) -> ProficiencyLevel | None:
    return ProficiencyLevel.objects.filter(organization=organization, level=level).first()


# --- competencies ---------------------------------------------------------------------------


def competency_list(
    *,
    organization: Organization,
    search: str = "",
    category: str = "",
    show_archived: bool = False,
) -> QuerySet[Competency]:
    """Competencies ordered by category then name, each with `behaviour_count`."""
    qs = Competency.objects.filter(organization=organization)
    if not show_archived:
        qs = qs.filter(archived_at__isnull=True)
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(description__icontains=search) | Q(code__iexact=search)
        )
    return qs.annotate(behaviour_count=Count("behaviours")).order_by("category", "name")


def competency_categories(*, organization: Organization) -> list[str]:
    """The categories in use, for filters and suggestions."""
    return list(
        Competency.objects.filter(organization=organization)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class BehaviourRow:
    """One level of the scale and what the competency looks like there (None if undescribed)."""

    step: ProficiencyLevel
    behaviour: LevelBehaviour | None


def competency_behaviour_rows(*, competency: Competency) -> list[BehaviourRow]:
    """One row per level of the organisation's scale, merged with the competency's behaviours."""
    by_level = {
        b.level: b
        for b in LevelBehaviour.objects.filter(
            organization=competency.organization_id, competency=competency
        )
    }
    return [
        BehaviourRow(step=step, behaviour=by_level.get(step.level))
        for step in scale_for(organization=competency.organization)
    ]


def behaviour_row(*, competency: Competency, step: ProficiencyLevel) -> BehaviourRow:
    behaviour = LevelBehaviour.objects.filter(
        organization=competency.organization_id, competency=competency, level=step.level
    ).first()
    return BehaviourRow(step=step, behaviour=behaviour)


def competency_requirements(*, competency: Competency) -> QuerySet[RoleRequirement]:
    """The roles that require this competency, and at which level."""
    return (
        RoleRequirement.objects.filter(
            organization=competency.organization_id, competency=competency
        )
        .select_related("role")
        .order_by("role__name")
    )


# --- roles ----------------------------------------------------------------------------------


def role_list(
    *, organization: Organization, search: str = "", show_archived: bool = False
) -> QuerySet[Role]:
    """Roles ordered by family then name, with `requirement_count` and `employee_count`."""
    qs = Role.objects.filter(organization=organization)
    if not show_archived:
        qs = qs.filter(archived_at__isnull=True)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(family__icontains=search) | Q(code__iexact=search)
        )
    return qs.annotate(
        requirement_count=Count("requirements", distinct=True),
        employee_count=Count("employees", filter=Q(employees__is_active=True), distinct=True),
    ).order_by("family", "name")


def role_employee_count(*, role: Role) -> int:
    return role.employees.filter(organization=role.organization_id, is_active=True).count()


@dataclass(frozen=True)
class MatrixRow:
    """One competency of the model and this role's requirement of it (None if not required)."""

    competency: Competency
    requirement: RoleRequirement | None


def role_requirement_matrix(*, role: Role) -> list[MatrixRow]:
    """Every non-archived competency (by category, name) against the role's requirements.

    Archived competencies the role still requires are kept in the matrix, so HR can see and
    remove them.
    """
    requirements = {
        r.competency_id: r
        for r in RoleRequirement.objects.filter(organization=role.organization_id, role=role)
    }
    competencies = (
        Competency.objects.filter(organization=role.organization_id)
        .filter(Q(archived_at__isnull=True) | Q(pk__in=list(requirements)))
        .order_by("category", "name")
    )
    return [MatrixRow(competency=c, requirement=requirements.get(c.pk)) for c in competencies]


def matrix_row(*, role: Role, competency: Competency) -> MatrixRow:
    requirement = RoleRequirement.objects.filter(
        organization=role.organization_id, role=role, competency=competency
    ).first()
    return MatrixRow(competency=competency, requirement=requirement)


# --- O*NET attribution ----------------------------------------------------------------------


def model_uses_onet(*, organization: Organization) -> bool:
    """Whether any competency or role came from O*NET (by its code), so its licence applies."""
    return (
        Competency.objects.filter(
            organization=organization, code__regex=ONET_COMPETENCY_CODE
        ).exists()
        or Role.objects.filter(organization=organization, code__regex=ONET_ROLE_CODE).exists()
    )
