"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from assessments import services
from assessments.models import Assessment
from competencies.models import Competency
from mentorship.models import Employee
from tests.factories import CompetencyFactory, RoleFactory, RoleRequirementFactory


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The response is an error in the one format; with `fields`, a 400 naming exactly those."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    if fields:
        assert set(body["errors"]) == set(fields), body
        for messages in body["errors"].values():
            assert messages and all(isinstance(m, str) and m for m in messages)
    elif status != 400:
        assert set(body) == {"detail"}, body
    return body


def ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def give_role(person: Employee, *spec: tuple[str, str, int, int]) -> list[Competency]:
    """Give `person` a new role requiring each (name, category, required level, importance);
    return its competencies in the order given."""
    role = RoleFactory(organization=person.organization, name="Software Developers")
    competencies = []
    for name, category, level, importance in spec:
        competency = CompetencyFactory(
            organization=person.organization, name=name, category=category
        )
        RoleRequirementFactory(
            role=role, competency=competency, required_level=level, importance=importance
        )
        competencies.append(competency)
    person.role = role
    person.save(update_fields=["role"])
    return competencies


DEVELOPER_SKILLS = (
    ("Programming", "Technical Skills", 4, 5),
    ("Writing", "Basic Skills", 3, 2),
    ("Negotiation", "Social Skills", 2, 1),
)


def assess(subject: Employee, assessor: Employee, *levels: tuple[Competency, int]) -> Assessment:
    """A submitted assessment of `subject` by `assessor` (self or manager), through the services,
    rating each (competency, level)."""
    kind = Assessment.Kind.SELF if subject.pk == assessor.pk else Assessment.Kind.MANAGER
    draft = services.assessment_start(subject=subject, assessor=assessor, kind=kind)
    for competency, level in levels:
        services.rating_set(assessment=draft, actor=assessor, competency=competency, level=level)
    return services.assessment_submit(assessment=draft, actor=assessor)
