"""Writes to the competency model. Every edit is audited (who, when, what changed).

Audit subjects: "competency" (its fields, archive/restore/delete and its level behaviours), "role" (its
fields, archive/restore/delete and its requirements) and "scale" (one subject per organisation, keyed
by the organisation's id, so the scale page shows one history for all its levels).
"""

from __future__ import annotations

from typing import Any, TypeVar

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

# The editable text fields, in the order they are checked (the first error is the one reported).
COMPETENCY_FIELDS = ("name", "category", "description", "code")
ROLE_FIELDS = ("name", "code", "family", "description")
_EDITABLE = {"competency": COMPETENCY_FIELDS, "role": ROLE_FIELDS}
_MAX_LENGTHS = {"name": 200, "code": 50, "category": 120, "family": 120, "description": 5000}
IMPORTANCE_MIN, IMPORTANCE_MAX = 1, 5

_Editable = TypeVar("_Editable", Competency, Role)


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


# --- competencies and roles: the same editing rules ----------------------------------------
# `kind` ("competency" or "role") is the audit subject type and the word used in messages.


def _audit(
    kind: str,
    subject: Competency | Role,
    actor: Employee | None,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    audit_record(
        organization=subject.organization,
        actor=actor,
        subject_type=kind,
        subject_id=subject.pk,
        action=action,
        summary=summary,
        changes=changes,
    )


def _clean_fields(
    model: type[Competency] | type[Role],
    organization: Organization,
    fields: dict[str, Any],
    *,
    kind: str,
    exclude_pk: int | None = None,
) -> dict[str, str]:
    """The given text fields, trimmed and checked in the kind's order (a name is required); the
    name (in any case) and the code must be unique among the organisation's other ones."""
    cleaned = {
        key: _clean_text(
            fields[key], field=key, max_length=_MAX_LENGTHS[key], required=key == "name"
        )
        for key in _EDITABLE[kind]
        if key in fields
    }
    others = model.objects.filter(organization=organization)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if "name" in cleaned and others.filter(name__iexact=cleaned["name"]).exists():
        raise ValidationError({"name": f"A {kind} named “{cleaned['name']}” already exists."})
    if cleaned.get("code") and others.filter(code=cleaned["code"]).exists():
        raise ValidationError({"code": f"Another {kind} already has the code {cleaned['code']}."})
    return cleaned


def _create(
    model: type[_Editable],
    organization: Organization,
    actor: Employee | None,
    fields: dict[str, Any],
    *,
    kind: str,
) -> _Editable:
    cleaned = _clean_fields(model, organization, fields, kind=kind)
    subject = model.objects.create(organization=organization, **cleaned)
    _audit(
        kind,
        subject,
        actor,
        "created",
        f"Created {kind} “{subject.name}”",
        {k: [None, v] for k, v in cleaned.items() if v},
    )
    return subject


def _update(
    subject: Competency | Role, actor: Employee | None, fields: dict[str, Any], *, kind: str
) -> None:
    """Change any of the kind's editable fields; unchanged values write nothing."""
    unknown = set(fields) - set(_EDITABLE[kind])
    if unknown:
        raise TypeError(f"{kind}_update() got unexpected fields: {', '.join(sorted(unknown))}")
    cleaned = _clean_fields(
        type(subject), subject.organization, fields, kind=kind, exclude_pk=subject.pk
    )
    changes = diff_fields({k: getattr(subject, k) for k in cleaned}, cleaned)
    if not changes:
        return
    for key in changes:
        setattr(subject, key, cleaned[key])
    subject.save(update_fields=[*changes, "updated_at"])
    _audit(kind, subject, actor, "updated", f"Changed {', '.join(changes)}", changes)


def _set_archived(
    subject: Competency | Role, actor: Employee | None, *, kind: str, archived: bool
) -> bool:
    """Archive or restore; False, with nothing written, when it already is."""
    if (subject.archived_at is not None) == archived:
        return False
    subject.archived_at = timezone.now() if archived else None
    subject.save(update_fields=["archived_at", "updated_at"])
    verb = "Archived" if archived else "Restored"
    _audit(kind, subject, actor, verb.lower(), f"{verb} “{subject.name}”")
    return True


def _delete(subject: Competency | Role, actor: Employee | None, *, kind: str, in_use: str) -> None:
    """Delete, or refuse with `in_use` when other rows protect it; audited under its old id."""
    pk, name = subject.pk, subject.name
    try:
        with transaction.atomic():
            subject.delete()
    except ProtectedError:
        raise ValidationError({kind: in_use}) from None
    audit_record(
        organization=subject.organization,
        actor=actor,
        subject_type=kind,
        subject_id=pk,
        action="deleted",
        summary=f"Deleted {kind} “{name}”",
    )


# --- competencies ---------------------------------------------------------------------------


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
    fields = {"name": name, "category": category, "description": description, "code": code}
    return _create(Competency, organization, actor, fields, kind="competency")


@unique_conflicts_as_validation_errors
@transaction.atomic
def competency_update(
    *, competency: Competency, actor: Employee | None, **fields: Any
) -> Competency:
    """Change any of name, category, description and code; unchanged values write nothing."""
    _update(competency, actor, fields, kind="competency")
    return competency


@transaction.atomic
def competency_archive(*, competency: Competency, actor: Employee | None) -> Competency:
    """Hide a competency from new requirements; existing ratings and requirements keep it."""
    if _set_archived(competency, actor, kind="competency", archived=True):
        run_model_change_hooks_on_commit(
            organization_id=competency.organization_id, change="competency_archived"
        )
    return competency


@transaction.atomic
def competency_restore(*, competency: Competency, actor: Employee | None) -> Competency:
    _set_archived(competency, actor, kind="competency", archived=False)
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
    # Rows of higher layers (ratings) protect it too; those are not visible from here.
    in_use = f"“{competency.name}” is in use; archive it instead of deleting it."
    _delete(competency, actor, kind="competency", in_use=in_use)


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
    _audit(
        "competency",
        competency,
        actor,
        "behaviour_set",
        summary,
        {f"behaviour_{step.level}": [old or None, text or None]},
    )
    return result


# --- roles ----------------------------------------------------------------------------------


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
    fields = {"name": name, "code": code, "family": family, "description": description}
    return _create(Role, organization, actor, fields, kind="role")


@unique_conflicts_as_validation_errors
@transaction.atomic
def role_update(*, role: Role, actor: Employee | None, **fields: Any) -> Role:
    """Change any of name, code, family and description; unchanged values write nothing."""
    _update(role, actor, fields, kind="role")
    return role


@transaction.atomic
def role_archive(*, role: Role, actor: Employee | None) -> Role:
    """Retire a role; people who hold it keep it until HR moves them."""
    _set_archived(role, actor, kind="role", archived=True)
    return role


@transaction.atomic
def role_restore(*, role: Role, actor: Employee | None) -> Role:
    _set_archived(role, actor, kind="role", archived=False)
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
    _delete(role, actor, kind="role", in_use=f"“{role.name}” is in use; archive it instead.")


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
    _audit(
        "role",
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
    _audit(
        "role",
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
