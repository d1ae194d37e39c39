"""Writes to the competency model. Every edit is audited (who, when, what changed).

Audit subjects: "competency" (its fields, archive/restore/delete and its level behaviours), "role" (its
fields, archive/restore/delete and its requirements) and "scale" (one subject per organisation, keyed
by the organisation's id, so the scale page shows one history for all its levels).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from competencies.hooks import run_model_change_hooks_on_commit
from competencies.models import (
    DEFAULT_SCALE,
    Competency,
    LevelBehaviour,
    ProficiencyLevel,
    Role,
    RoleRequirement,
)
from competencies.selectors import scale_bounds
from mentorship.audit import audit_record, diff_fields
from mentorship.errors import unique_conflicts_as_validation_errors
from mentorship.models import Employee, Organization

COMPETENCY_FIELDS = ("name", "category", "description", "code")
ROLE_FIELDS = ("name", "code", "family", "description")
IMPORTANCE_MIN, IMPORTANCE_MAX = 1, 5


# --- shared validation ------------------------------------------------------------------------


def _clean_text(value: object, *, field: str, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: "This field is required."})
    if len(text) > max_length:
        raise ValidationError(
            {field: f"Use at most {max_length} characters (this has {len(text)})."}
        )
    return text


def _clean_int(value: object, *, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError({field: "Enter a whole number."}) from None


def _scale_level(organization: Organization, level: object, *, field: str) -> ProficiencyLevel:
    """The organisation's scale step for `level`, or a ValidationError naming the scale's range."""
    number = _clean_int(level, field=field)
    step = ProficiencyLevel.objects.filter(organization=organization, level=number).first()
    if step is None:
        low, high = scale_bounds(organization=organization)
        raise ValidationError(
            {field: f"Level {number} is outside this organisation's scale ({low}–{high})."}
        )
    return step


# --- scale ----------------------------------------------------------------------------------


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


@transaction.atomic
def scale_level_update(
    *,
    organization: Organization,
    actor: Employee | None,
    level: int,
    name: str,
    description: str,
) -> ProficiencyLevel:
    """Rename one step of the scale or reword its general description."""
    step = _scale_level(organization, level, field="level")
    after = {
        "name": _clean_text(name, field="name", max_length=60, required=True),
        "description": _clean_text(description, field="description", max_length=300),
    }
    before = {"name": step.name, "description": step.description}
    changes = diff_fields(before, after)
    if not changes:
        return step
    step.name, step.description = after["name"], after["description"]
    step.save(update_fields=list(changes))
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="scale",
        subject_id=organization.pk,
        action="level_updated",
        summary=f"Level {step.level} “{step.name}”: changed {', '.join(changes)}",
        changes={"level": step.level, **changes},
    )
    return step


# --- competencies ---------------------------------------------------------------------------


def _clean_competency_fields(
    organization: Organization, fields: dict[str, Any], *, exclude_pk: int | None = None
) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    if "name" in fields:
        cleaned["name"] = _clean_text(fields["name"], field="name", max_length=200, required=True)
    if "category" in fields:
        cleaned["category"] = _clean_text(fields["category"], field="category", max_length=120)
    if "description" in fields:
        cleaned["description"] = _clean_text(
            fields["description"], field="description", max_length=5000
        )
    if "code" in fields:
        cleaned["code"] = _clean_text(fields["code"], field="code", max_length=50)

    others = Competency.objects.filter(organization=organization)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if "name" in cleaned and others.filter(name__iexact=cleaned["name"]).exists():
        raise ValidationError({"name": f"A competency named “{cleaned['name']}” already exists."})
    if cleaned.get("code") and others.filter(code=cleaned["code"]).exists():
        raise ValidationError(
            {"code": f"Another competency already has the code {cleaned['code']}."}
        )
    return cleaned


def _audit_competency(
    competency: Competency,
    actor: Employee | None,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        organization=competency.organization,
        actor=actor,
        subject_type="competency",
        subject_id=competency.pk,
        action=action,
        summary=summary,
        changes=changes,
    )


@unique_conflicts_as_validation_errors
@transaction.atomic
def competency_create(
    *,
    organization: Organization,
    actor: Employee | None,
    name: str,
    category: str = "",
    description: str = "",
    code: str = "",
) -> Competency:
    cleaned = _clean_competency_fields(
        organization, {"name": name, "category": category, "description": description, "code": code}
    )
    competency = Competency.objects.create(organization=organization, **cleaned)
    _audit_competency(
        competency,
        actor,
        "created",
        f"Created competency “{competency.name}”",
        {k: [None, v] for k, v in cleaned.items() if v},
    )
    return competency


@unique_conflicts_as_validation_errors
@transaction.atomic
def competency_update(
    *, competency: Competency, actor: Employee | None, **fields: Any
) -> Competency:
    """Change any of name, category, description and code; unchanged values write nothing."""
    unknown = set(fields) - set(COMPETENCY_FIELDS)
    if unknown:
        raise TypeError(f"competency_update() got unexpected fields: {', '.join(sorted(unknown))}")
    cleaned = _clean_competency_fields(competency.organization, fields, exclude_pk=competency.pk)
    changes = diff_fields({k: getattr(competency, k) for k in cleaned}, cleaned)
    if not changes:
        return competency
    for key in changes:
        setattr(competency, key, cleaned[key])
    competency.save(update_fields=[*changes, "updated_at"])
    _audit_competency(competency, actor, "updated", f"Changed {', '.join(changes)}", changes)
    return competency


@transaction.atomic
def competency_archive(*, competency: Competency, actor: Employee | None) -> Competency:
    """Hide a competency from new requirements; existing ratings and requirements keep it."""
    if competency.archived_at is None:
        competency.archived_at = timezone.now()
        competency.save(update_fields=["archived_at", "updated_at"])
        _audit_competency(competency, actor, "archived", f"Archived “{competency.name}”")
        run_model_change_hooks_on_commit(
            organization_id=competency.organization_id, change="competency_archived"
        )
    return competency


@transaction.atomic
def competency_restore(*, competency: Competency, actor: Employee | None) -> Competency:
    if competency.archived_at is not None:
        competency.archived_at = None
        competency.save(update_fields=["archived_at", "updated_at"])
        _audit_competency(competency, actor, "restored", f"Restored “{competency.name}”")
    return competency


@transaction.atomic
def competency_delete(*, competency: Competency, actor: Employee | None) -> None:
    """Delete a competency nothing refers to; anything referred to must be archived instead."""
    required_by = RoleRequirement.objects.filter(
        organization=competency.organization, competency=competency
    ).count()
    if required_by:
        raise ValidationError(
            {
                "competency": f"“{competency.name}” is required by {required_by} "
                f"role{'s' if required_by != 1 else ''}; archive it instead of deleting it."
            }
        )
    pk, name = competency.pk, competency.name
    try:
        with transaction.atomic():
            competency.delete()
    except ProtectedError:
        # Rows of higher layers (ratings) protect it too; those are not visible from here.
        raise ValidationError(
            {"competency": f"“{name}” is in use; archive it instead of deleting it."}
        ) from None
    audit_record(
        organization=competency.organization,
        actor=actor,
        subject_type="competency",
        subject_id=pk,
        action="deleted",
        summary=f"Deleted competency “{name}”",
    )


@unique_conflicts_as_validation_errors
@transaction.atomic
def behaviour_set(
    *, competency: Competency, actor: Employee | None, level: int, description: str
) -> LevelBehaviour | None:
    """Describe what a person observably does at one level; a blank description removes it."""
    step = _scale_level(competency.organization, level, field="level")
    text = _clean_text(description, field="description", max_length=2000)
    behaviour = LevelBehaviour.objects.filter(
        organization=competency.organization, competency=competency, level=step.level
    ).first()
    old = behaviour.description if behaviour else ""
    if text == old:
        return behaviour
    if not text:
        assert behaviour is not None
        behaviour.delete()
        result = None
        summary = f"Removed the level {step.level} ({step.name}) behaviour"
    elif behaviour is None:
        result = LevelBehaviour.objects.create(
            organization=competency.organization,
            competency=competency,
            level=step.level,
            description=text,
        )
        summary = f"Described level {step.level} ({step.name})"
    else:
        behaviour.description = text
        behaviour.save(update_fields=["description"])
        result = behaviour
        summary = f"Changed the level {step.level} ({step.name}) behaviour"
    _audit_competency(
        competency,
        actor,
        "behaviour_set",
        summary,
        {f"behaviour_{step.level}": [old or None, text or None]},
    )
    return result


# --- roles ----------------------------------------------------------------------------------


def _clean_role_fields(
    organization: Organization, fields: dict[str, Any], *, exclude_pk: int | None = None
) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    if "name" in fields:
        cleaned["name"] = _clean_text(fields["name"], field="name", max_length=200, required=True)
    if "code" in fields:
        cleaned["code"] = _clean_text(fields["code"], field="code", max_length=50)
    if "family" in fields:
        cleaned["family"] = _clean_text(fields["family"], field="family", max_length=120)
    if "description" in fields:
        cleaned["description"] = _clean_text(
            fields["description"], field="description", max_length=5000
        )

    others = Role.objects.filter(organization=organization)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if "name" in cleaned and others.filter(name__iexact=cleaned["name"]).exists():
        raise ValidationError({"name": f"A role named “{cleaned['name']}” already exists."})
    if cleaned.get("code") and others.filter(code=cleaned["code"]).exists():
        raise ValidationError({"code": f"Another role already has the code {cleaned['code']}."})
    return cleaned


def _audit_role(
    role: Role,
    actor: Employee | None,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        organization=role.organization,
        actor=actor,
        subject_type="role",
        subject_id=role.pk,
        action=action,
        summary=summary,
        changes=changes,
    )


@unique_conflicts_as_validation_errors
@transaction.atomic
def role_create(
    *,
    organization: Organization,
    actor: Employee | None,
    name: str,
    code: str = "",
    family: str = "",
    description: str = "",
) -> Role:
    cleaned = _clean_role_fields(
        organization, {"name": name, "code": code, "family": family, "description": description}
    )
    role = Role.objects.create(organization=organization, **cleaned)
    _audit_role(
        role,
        actor,
        "created",
        f"Created role “{role.name}”",
        {k: [None, v] for k, v in cleaned.items() if v},
    )
    return role


@unique_conflicts_as_validation_errors
@transaction.atomic
def role_update(*, role: Role, actor: Employee | None, **fields: Any) -> Role:
    """Change any of name, code, family and description; unchanged values write nothing."""
    unknown = set(fields) - set(ROLE_FIELDS)
    if unknown:
        raise TypeError(f"role_update() got unexpected fields: {', '.join(sorted(unknown))}")
    cleaned = _clean_role_fields(role.organization, fields, exclude_pk=role.pk)
    changes = diff_fields({k: getattr(role, k) for k in cleaned}, cleaned)
    if not changes:
        return role
    for key in changes:
        setattr(role, key, cleaned[key])
    role.save(update_fields=[*changes, "updated_at"])
    _audit_role(role, actor, "updated", f"Changed {', '.join(changes)}", changes)
    return role


@transaction.atomic
def role_archive(*, role: Role, actor: Employee | None) -> Role:
    """Retire a role; people who hold it keep it until HR moves them."""
    if role.archived_at is None:
        role.archived_at = timezone.now()
        role.save(update_fields=["archived_at", "updated_at"])
        _audit_role(role, actor, "archived", f"Archived “{role.name}”")
    return role


@transaction.atomic
def role_restore(*, role: Role, actor: Employee | None) -> Role:
    if role.archived_at is not None:
        role.archived_at = None
        role.save(update_fields=["archived_at", "updated_at"])
        _audit_role(role, actor, "restored", f"Restored “{role.name}”")
    return role


@transaction.atomic
def role_delete(*, role: Role, actor: Employee | None) -> None:
    """Delete a role nobody holds (its requirements go with it); otherwise archive it instead."""
    holders = Employee.objects.filter(organization=role.organization, role=role).count()
    if holders:
        raise ValidationError(
            {
                "role": f"{holders} {'person holds' if holders == 1 else 'people hold'} "
                f"“{role.name}”; archive it instead of deleting it."
            }
        )
    pk, name = role.pk, role.name
    try:
        with transaction.atomic():
            role.delete()
    except ProtectedError:
        raise ValidationError({"role": f"“{name}” is in use; archive it instead."}) from None
    audit_record(
        organization=role.organization,
        actor=actor,
        subject_type="role",
        subject_id=pk,
        action="deleted",
        summary=f"Deleted role “{name}”",
    )


@unique_conflicts_as_validation_errors
@transaction.atomic
def requirement_set(
    *,
    role: Role,
    actor: Employee | None,
    competency: Competency,
    required_level: int,
    importance: int,
) -> RoleRequirement:
    """Require a level of a competency for a role, with an importance weight (create or update)."""
    organization = role.organization
    if competency.organization_id != role.organization_id:
        raise ValidationError({"competency": "Choose a competency of this organisation."})
    if competency.archived_at is not None:
        raise ValidationError(
            {"competency": f"“{competency.name}” is archived; restore it before requiring it."}
        )
    step = _scale_level(organization, required_level, field="required_level")
    if step.level == 0:
        raise ValidationError(
            {
                "required_level": f"Level {step.level} ({step.name}) requires nothing; "
                "choose a higher level or remove the requirement."
            }
        )
    weight = _clean_int(importance, field="importance")
    if not IMPORTANCE_MIN <= weight <= IMPORTANCE_MAX:
        raise ValidationError(
            {"importance": f"Importance must be between {IMPORTANCE_MIN} and {IMPORTANCE_MAX}."}
        )

    requirement = (
        RoleRequirement.objects.select_for_update()
        .filter(organization=organization, role=role, competency=competency)
        .first()
    )
    after = {"required_level": step.level, "importance": weight}
    if requirement is None:
        requirement = RoleRequirement.objects.create(
            organization=organization, role=role, competency=competency, **after
        )
        changes = {k: [None, v] for k, v in after.items()}
        summary = f"Required {competency.name} at level {step.level} (importance {weight})"
    else:
        before = {
            "required_level": requirement.required_level,
            "importance": requirement.importance,
        }
        changes = diff_fields(before, after)
        if not changes:
            return requirement
        requirement.required_level, requirement.importance = step.level, weight
        requirement.save(update_fields=list(changes))
        summary = f"Changed {competency.name}: level {step.level}, importance {weight}"
    _audit_role(
        role,
        actor,
        "requirement_set",
        summary,
        {"competency": competency.name, "competency_id": competency.pk, **changes},
    )
    run_model_change_hooks_on_commit(organization_id=role.organization_id, change="requirement")
    return requirement


@transaction.atomic
def requirement_remove(*, role: Role, actor: Employee | None, competency: Competency) -> None:
    """Stop requiring a competency for a role (nothing happens if it was not required)."""
    requirement = RoleRequirement.objects.filter(
        organization=role.organization, role=role, competency=competency
    ).first()
    if requirement is None:
        return
    before = {"required_level": requirement.required_level, "importance": requirement.importance}
    requirement.delete()
    _audit_role(
        role,
        actor,
        "requirement_removed",
        f"No longer requires {competency.name}",
        {
            "competency": competency.name,
            "competency_id": competency.pk,
            **{k: [v, None] for k, v in before.items()},
        },
    )
    run_model_change_hooks_on_commit(organization_id=role.organization_id, change="requirement")
