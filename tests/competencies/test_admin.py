from __future__ import annotations

import pytest

from tests.factories import LevelBehaviourFactory, RoleRequirementFactory, UserFactory


@pytest.fixture
def operator_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_platform_operators_browse_every_organisations_model(
    operator_client, org, other_org
) -> None:
    behaviour = LevelBehaviourFactory(competency__organization=org)
    requirement = RoleRequirementFactory(role__organization=other_org)
    for path in (
        "/admin/competencies/competency/",
        f"/admin/competencies/competency/{behaviour.competency_id}/change/",
        "/admin/competencies/role/",
        f"/admin/competencies/role/{requirement.role_id}/change/",
        "/admin/competencies/proficiencylevel/",
    ):
        assert operator_client.get(path).status_code == 200, path
