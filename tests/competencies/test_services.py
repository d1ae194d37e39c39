from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from competencies import services
from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement
from mentorship.models import AuditEntry
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    LevelBehaviourFactory,
    RoleFactory,
    RoleRequirementFactory,
)


def entries(subject_type: str, subject_id: int) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by("id")
    )


# --- scale --------------------------------------------------------------------------------


def test_scale_level_update_renames_a_level_and_audits_it(org, hr) -> None:
    step = services.scale_level_update(
        organization=org, actor=hr, level=3, name="Proficient", description="Works alone."
    )
    assert (step.name, step.description) == ("Proficient", "Works alone.")
    [entry] = entries("scale", org.pk)
    assert entry.actor == hr
    assert entry.changes["name"] == ["Competent", "Proficient"]
    assert entry.changes["level"] == 3


def test_scale_level_update_without_changes_writes_nothing(org, hr) -> None:
    step = ProficiencyLevel.objects.get(organization=org, level=2)
    services.scale_level_update(
        organization=org, actor=hr, level=2, name=step.name, description=step.description
    )
    assert entries("scale", org.pk) == []


@pytest.mark.parametrize(
    ("level", "name", "field", "message"),
    [
        (9, "Guru", "level", "Level 9 is outside this organisation's scale (0–5)."),
        (3, "  ", "name", "This field is required."),
        (3, "x" * 61, "name", "Use at most 60 characters (this has 61)."),
    ],
)
def test_scale_level_update_rejects_bad_input(org, hr, level, name, field, message) -> None:
    with pytest.raises(ValidationError) as exc:
        services.scale_level_update(
            organization=org, actor=hr, level=level, name=name, description=""
        )
    assert exc.value.message_dict == {field: [message]}
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Competent"
    assert entries("scale", org.pk) == []


# --- competencies -------------------------------------------------------------------------


def test_competency_create_writes_and_audits(org, hr) -> None:
    competency = services.competency_create(
        organization=org, actor=hr, name=" Negotiation ", category="Social Skills"
    )
    assert competency.name == "Negotiation"
    assert competency.organization == org
    [entry] = entries("competency", competency.pk)
    assert entry.action == "created"
    assert entry.changes == {"name": [None, "Negotiation"], "category": [None, "Social Skills"]}


def test_competency_create_rejects_a_duplicate_name_in_any_case(org, hr) -> None:
    CompetencyFactory(organization=org, name="Negotiation")
    with pytest.raises(ValidationError) as exc:
        services.competency_create(organization=org, actor=hr, name="negotiation")
    assert exc.value.message_dict == {"name": ["A competency named “negotiation” already exists."]}
    assert Competency.objects.filter(organization=org).count() == 1
    assert not AuditEntry.objects.exists()


def test_competency_names_are_unique_per_organisation_only(org, other_org, hr) -> None:
    CompetencyFactory(organization=other_org, name="Negotiation")
    assert services.competency_create(organization=org, actor=hr, name="Negotiation").pk


def test_competency_create_rejects_a_duplicate_code_and_a_blank_name(org, hr) -> None:
    CompetencyFactory(organization=org, code="2.A.1.a")
    with pytest.raises(ValidationError) as exc:
        services.competency_create(organization=org, actor=hr, name="Reading", code="2.A.1.a")
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.competency_create(organization=org, actor=hr, name="")
    assert exc.value.message_dict == {"name": ["This field is required."]}
    assert Competency.objects.filter(organization=org).count() == 1


def test_competency_update_records_old_and_new_values(org, hr) -> None:
    competency = CompetencyFactory(organization=org, name="Writing", category="Basic Skills")
    services.competency_update(
        competency=competency, actor=hr, name="Writing", category="Communication"
    )
    competency.refresh_from_db()
    assert competency.category == "Communication"
    [entry] = entries("competency", competency.pk)
    assert entry.changes == {"category": ["Basic Skills", "Communication"]}
    assert entry.summary == "Changed category"


def test_competency_update_without_changes_writes_nothing(org, hr) -> None:
    competency = CompetencyFactory(organization=org, name="Writing")
    services.competency_update(competency=competency, actor=hr, name="Writing")
    assert entries("competency", competency.pk) == []


def test_competency_update_rejects_another_competencys_name(org, hr) -> None:
    CompetencyFactory(organization=org, name="Writing")
    competency = CompetencyFactory(organization=org, name="Reading")
    with pytest.raises(ValidationError) as exc:
        services.competency_update(competency=competency, actor=hr, name="WRITING")
    assert "name" in exc.value.message_dict
    competency.refresh_from_db()
    assert competency.name == "Reading"


def test_competency_update_refuses_unknown_fields(org, hr) -> None:
    competency = CompetencyFactory(organization=org)
    with pytest.raises(TypeError):
        services.competency_update(competency=competency, actor=hr, organization=None)


def test_competency_archive_and_restore_are_audited_and_idempotent(org, hr) -> None:
    competency = CompetencyFactory(organization=org)
    services.competency_archive(competency=competency, actor=hr)
    services.competency_archive(competency=competency, actor=hr)
    competency.refresh_from_db()
    assert competency.is_archived
    services.competency_restore(competency=competency, actor=hr)
    competency.refresh_from_db()
    assert not competency.is_archived
    assert [e.action for e in entries("competency", competency.pk)] == ["archived", "restored"]


def test_competency_delete_removes_an_unused_competency(org, hr) -> None:
    competency = LevelBehaviourFactory(competency__organization=org).competency
    pk = competency.pk
    services.competency_delete(competency=competency, actor=hr)
    assert not Competency.objects.filter(pk=pk).exists()
    assert not LevelBehaviour.objects.filter(competency_id=pk).exists()
    assert [e.action for e in entries("competency", pk)] == ["deleted"]


def test_competency_delete_of_a_required_competency_says_archive_instead(org, hr) -> None:
    requirement = RoleRequirementFactory(role__organization=org)
    competency = requirement.competency
    with pytest.raises(ValidationError) as exc:
        services.competency_delete(competency=competency, actor=hr)
    assert "archive it instead" in exc.value.message_dict["competency"][0]
    assert Competency.objects.filter(pk=competency.pk).exists()
    assert entries("competency", competency.pk) == []


# --- behaviours ---------------------------------------------------------------------------


def test_behaviour_set_creates_updates_and_removes_with_audit(org, hr) -> None:
    competency = CompetencyFactory(organization=org)
    created = services.behaviour_set(
        competency=competency, actor=hr, level=4, description="Coaches others."
    )
    assert created is not None and created.organization == org
    updated = services.behaviour_set(
        competency=competency, actor=hr, level=4, description="Coaches the team."
    )
    assert updated is not None and updated.pk == created.pk
    assert services.behaviour_set(competency=competency, actor=hr, level=4, description=" ") is None
    assert not LevelBehaviour.objects.filter(competency=competency).exists()
    history = entries("competency", competency.pk)
    assert [e.changes["behaviour_4"] for e in history] == [
        [None, "Coaches others."],
        ["Coaches others.", "Coaches the team."],
        ["Coaches the team.", None],
    ]


def test_behaviour_set_without_changes_writes_nothing(org, hr) -> None:
    behaviour = LevelBehaviourFactory(competency__organization=org, level=2, description="Asks.")
    services.behaviour_set(competency=behaviour.competency, actor=hr, level=2, description="Asks.")
    services.behaviour_set(competency=behaviour.competency, actor=hr, level=3, description="")
    assert entries("competency", behaviour.competency_id) == []


@pytest.mark.parametrize(
    ("level", "description", "field"),
    [(9, "Too high", "level"), (-1, "Negative", "level"), (3, "x" * 2001, "description")],
)
def test_behaviour_set_rejects_bad_input(org, hr, level, description, field) -> None:
    competency = CompetencyFactory(organization=org)
    with pytest.raises(ValidationError) as exc:
        services.behaviour_set(
            competency=competency, actor=hr, level=level, description=description
        )
    assert list(exc.value.message_dict) == [field]
    assert not LevelBehaviour.objects.exists()
    assert not AuditEntry.objects.exists()


def test_behaviour_set_names_the_scale_in_its_error(org, hr) -> None:
    competency = CompetencyFactory(organization=org)
    with pytest.raises(ValidationError) as exc:
        services.behaviour_set(competency=competency, actor=hr, level=9, description="x")
    assert exc.value.message_dict["level"] == [
        "Level 9 is outside this organisation's scale (0–5)."
    ]


# --- roles --------------------------------------------------------------------------------


def test_role_create_update_archive_restore_are_audited(org, hr) -> None:
    role = services.role_create(
        organization=org, actor=hr, name="Data Scientist", code="15-2051.00", family="Data"
    )
    services.role_update(role=role, actor=hr, family="Analytics", description="Builds models.")
    services.role_archive(role=role, actor=hr)
    services.role_restore(role=role, actor=hr)
    role.refresh_from_db()
    assert (role.family, role.archived_at) == ("Analytics", None)
    history = entries("role", role.pk)
    assert [e.action for e in history] == ["created", "updated", "archived", "restored"]
    assert history[1].changes == {
        "family": ["Data", "Analytics"],
        "description": ["", "Builds models."],
    }


def test_role_create_rejects_a_duplicate_name(org, hr) -> None:
    RoleFactory(organization=org, name="Designer")
    with pytest.raises(ValidationError) as exc:
        services.role_create(organization=org, actor=hr, name="designer")
    assert "name" in exc.value.message_dict
    assert Role.objects.filter(organization=org).count() == 1
    assert not AuditEntry.objects.exists()


def test_role_delete_of_an_unused_role_removes_its_requirements(org, hr) -> None:
    requirement = RoleRequirementFactory(role__organization=org)
    role_pk = requirement.role_id
    services.role_delete(role=requirement.role, actor=hr)
    assert not Role.objects.filter(pk=role_pk).exists()
    assert not RoleRequirement.objects.filter(role_id=role_pk).exists()
    assert entries("role", role_pk)[-1].action == "deleted"


def test_role_delete_of_a_held_role_says_archive_instead(org, hr) -> None:
    role = RoleFactory(organization=org)
    EmployeeFactory(organization=org, role=role)
    with pytest.raises(ValidationError) as exc:
        services.role_delete(role=role, actor=hr)
    assert exc.value.message_dict["role"] == [
        f"1 person holds “{role.name}”; archive it instead of deleting it."
    ]
    assert Role.objects.filter(pk=role.pk).exists()


# --- requirements -------------------------------------------------------------------------


def test_requirement_set_creates_then_updates_with_audit_on_the_role(org, hr) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org, name="Programming")
    created = services.requirement_set(
        role=role, actor=hr, competency=competency, required_level=3, importance=4
    )
    updated = services.requirement_set(
        role=role, actor=hr, competency=competency, required_level=4, importance=4
    )
    assert created.pk == updated.pk
    assert (updated.required_level, updated.importance) == (4, 4)
    first, second = entries("role", role.pk)
    assert first.changes == {
        "competency": "Programming",
        "competency_id": competency.pk,
        "required_level": [None, 3],
        "importance": [None, 4],
    }
    assert second.changes["required_level"] == [3, 4]
    assert "importance" not in second.changes


def test_requirement_set_without_changes_writes_nothing(org, hr) -> None:
    requirement = RoleRequirementFactory(role__organization=org, required_level=3, importance=3)
    services.requirement_set(
        role=requirement.role,
        actor=hr,
        competency=requirement.competency,
        required_level=3,
        importance=3,
    )
    assert entries("role", requirement.role_id) == []


@pytest.mark.parametrize(
    ("level", "importance", "field", "message"),
    [
        (9, 3, "required_level", "Level 9 is outside this organisation's scale (0–5)."),
        (0, 3, "required_level", None),
        (3, 0, "importance", "Importance must be between 1 and 5."),
        (3, 6, "importance", "Importance must be between 1 and 5."),
        ("three", 3, "required_level", "Enter a whole number."),
    ],
)
def test_requirement_set_rejects_bad_levels_and_importance(
    org, hr, level, importance, field, message
) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org)
    with pytest.raises(ValidationError) as exc:
        services.requirement_set(
            role=role, actor=hr, competency=competency, required_level=level, importance=importance
        )
    assert list(exc.value.message_dict) == [field]
    if message:
        assert exc.value.message_dict[field] == [message]
    assert not RoleRequirement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_requirement_set_refuses_an_archived_competency(org, hr) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org, name="Fax")
    services.competency_archive(competency=competency, actor=hr)
    with pytest.raises(ValidationError) as exc:
        services.requirement_set(
            role=role, actor=hr, competency=competency, required_level=2, importance=2
        )
    assert exc.value.message_dict == {
        "competency": ["“Fax” is archived; restore it before requiring it."]
    }
    assert not RoleRequirement.objects.exists()


def test_requirement_set_refuses_another_organisations_competency(org, other_org, hr) -> None:
    role = RoleFactory(organization=org)
    foreign = CompetencyFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        services.requirement_set(
            role=role, actor=hr, competency=foreign, required_level=2, importance=2
        )
    assert list(exc.value.message_dict) == ["competency"]
    assert not RoleRequirement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_requirement_remove_deletes_and_audits_once(org, hr) -> None:
    requirement = RoleRequirementFactory(role__organization=org, required_level=2, importance=5)
    role, competency = requirement.role, requirement.competency
    services.requirement_remove(role=role, actor=hr, competency=competency)
    services.requirement_remove(role=role, actor=hr, competency=competency)
    assert not RoleRequirement.objects.exists()
    [entry] = entries("role", role.pk)
    assert entry.action == "requirement_removed"
    assert entry.changes["required_level"] == [2, None]
