from __future__ import annotations

import pytest

from competencies.models import Competency, Role
from mentorship.models import Employee
from tests.factories import CompetencyFactory, RoleFactory, RoleRequirementFactory


@pytest.fixture
def role(org) -> Role:
    return RoleFactory(organization=org, name="Software Developers", code="15-1252.00")


@pytest.fixture
def skills(org, role) -> list[Competency]:
    """Three competencies required by `role`: Programming ≥ 4 (importance 5), Writing ≥ 3 (2),
    Negotiation ≥ 2 (1)."""
    spec = [
        ("Programming", "Technical Skills", 4, 5),
        ("Writing", "Basic Skills", 3, 2),
        ("Negotiation", "Social Skills", 2, 1),
    ]
    comps = []
    for name, category, level, importance in spec:
        comp = CompetencyFactory(organization=org, name=name, category=category)
        RoleRequirementFactory(
            organization=org,
            role=role,
            competency=comp,
            required_level=level,
            importance=importance,
        )
        comps.append(comp)
    return comps


@pytest.fixture
def developer(employee: Employee, role: Role, skills) -> Employee:
    employee.role = role
    employee.save(update_fields=["role"])
    return employee
