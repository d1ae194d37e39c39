"""/api/v1/roles/: roles and the level of each competency they require."""

from __future__ import annotations

import pytest

from competencies.models import Role, RoleRequirement
from mentorship.models import AuditEntry
from tests.api.helpers import assert_error, ids
from tests.factories import CompetencyFactory, RoleFactory, RoleRequirementFactory

URL = "/api/v1/roles/"


def requirement_url(role: Role, competency_id: int) -> str:
    return f"{URL}{role.pk}/requirements/{competency_id}/"


@pytest.fixture
def role(org) -> Role:
    return RoleFactory(organization=org, name="Developer", family="Engineering")


@pytest.fixture
def writing(org):
    return CompetencyFactory(organization=org, name="Writing", category="Basic Skills")


def test_anonymous_is_refused(api_for, role, writing) -> None:
    client = api_for(None)
    assert_error(client.get(URL), 401)
    assert_error(client.put(requirement_url(role, writing.pk), {"required_level": 3}), 401)
    assert not RoleRequirement.objects.exists()


def test_member_reads_a_role_with_its_requirements(api_for, employee, role, writing) -> None:
    RoleRequirementFactory(role=role, competency=writing, required_level=4, importance=5)
    response = api_for(employee).get(f"{URL}{role.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Developer" and body["archived"] is False
    assert body["requirements"] == [
        {
            "competency": writing.pk,
            "competency_name": "Writing",
            "required_level": 4,
            "importance": 5,
        }
    ]


def test_outsider_sees_nothing_of_acme(api_for, role, writing, outsider) -> None:
    theirs = RoleFactory(organization=outsider.organization)
    client = api_for(outsider)
    assert ids(client.get(URL)) == {theirs.pk}
    assert_error(client.get(f"{URL}{role.pk}/"), 404)
    assert_error(client.post(f"{URL}{role.pk}/archive/"), 404)
    payload = {"required_level": 3, "importance": 3}
    assert_error(client.put(requirement_url(role, writing.pk), payload), 404)
    # Their own role, but an acme competency in the URL: still 404.
    assert_error(client.put(requirement_url(theirs, writing.pk), payload), 404)
    assert not RoleRequirement.objects.exists()
    role.refresh_from_db()
    assert role.archived_at is None


def test_non_hr_member_cannot_write(api_for, employee, role, writing) -> None:
    client = api_for(employee)
    assert_error(client.post(URL, {"name": "Designer"}), 403)
    assert_error(client.patch(f"{URL}{role.pk}/", {"family": "Design"}), 403)
    assert_error(
        client.put(requirement_url(role, writing.pk), {"required_level": 3, "importance": 3}), 403
    )
    assert_error(client.delete(requirement_url(role, writing.pk)), 403)
    assert not Role.objects.filter(name="Designer").exists()
    assert not RoleRequirement.objects.exists()


def test_hr_creates_updates_archives_and_restores_a_role(api_for, hr, org) -> None:
    client = api_for(hr)
    response = client.post(URL, {"name": "Designer", "family": "Design", "code": "27-1024.00"})
    assert response.status_code == 201, response.content
    role_id = response.json()["id"]
    assert response.json()["requirements"] == []
    response = client.put(f"{URL}{role_id}/", {"name": "Product Designer", "family": "Design"})
    assert response.status_code == 200
    assert response.json()["name"] == "Product Designer"
    assert client.post(f"{URL}{role_id}/archive/").json()["archived"] is True
    assert ids(client.get(URL, {"archived": "true"})) == {role_id}
    assert client.post(f"{URL}{role_id}/restore/").json()["archived"] is False
    actions = set(
        AuditEntry.objects.filter(
            organization=org, subject_type="role", subject_id=role_id
        ).values_list("action", flat=True)
    )
    assert actions == {"created", "updated", "archived", "restored"}


def test_duplicate_name_is_refused(api_for, hr, role) -> None:
    assert_error(api_for(hr).post(URL, {"name": "Developer"}), 400, "name")
    assert Role.objects.filter(name="Developer").count() == 1


def test_hr_sets_changes_and_removes_a_requirement(api_for, hr, role, writing) -> None:
    client = api_for(hr)
    url = requirement_url(role, writing.pk)
    response = client.put(url, {"required_level": 3, "importance": 4})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "competency": writing.pk,
        "competency_name": "Writing",
        "required_level": 3,
        "importance": 4,
    }
    response = client.put(url, {"required_level": 5, "importance": 4})
    assert response.json()["required_level"] == 5
    assert client.get(f"{URL}{role.pk}/").json()["requirements"][0]["required_level"] == 5
    assert client.delete(url).status_code == 204
    assert not RoleRequirement.objects.filter(role=role).exists()
    assert_error(client.delete(url), 404)
    actions = list(
        AuditEntry.objects.filter(subject_type="role", subject_id=role.pk).values_list(
            "action", flat=True
        )
    )
    assert actions.count("requirement_set") == 2 and "requirement_removed" in actions


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"required_level": 3, "importance": 6}, "importance"),
        ({"required_level": 3, "importance": 0}, "importance"),
        ({"required_level": 9, "importance": 3}, "required_level"),
        ({"required_level": "high", "importance": 3}, "required_level"),
        ({"importance": 3}, "required_level"),
        ({"required_level": 3, "importance": 3, "weight": 2}, "weight"),
    ],
)
def test_bad_requirement_is_a_field_error_and_nothing_is_written(
    api_for, hr, role, writing, payload, field
) -> None:
    assert_error(api_for(hr).put(requirement_url(role, writing.pk), payload), 400, field)
    assert not RoleRequirement.objects.exists()


def test_an_archived_competency_cannot_be_required(api_for, hr, role, writing) -> None:
    api_for(hr).post(f"/api/v1/competencies/{writing.pk}/archive/")
    response = api_for(hr).put(
        requirement_url(role, writing.pk), {"required_level": 3, "importance": 3}
    )
    assert_error(response, 400, "competency")
    assert not RoleRequirement.objects.exists()


def test_filters_and_search(api_for, employee, org, role) -> None:
    designer = RoleFactory(organization=org, name="Designer", family="Design")
    client = api_for(employee)
    assert ids(client.get(URL, {"family": "Design"})) == {designer.pk}
    assert ids(client.get(URL, {"search": "develop"})) == {role.pk}
    assert ids(client.get(URL, {"ordering": "name", "page_size": 1})) == {designer.pk}


def test_list_runs_a_constant_number_of_queries(
    api_for, employee, org, django_assert_max_num_queries
) -> None:
    competencies = CompetencyFactory.create_batch(3, organization=org)

    def add(n: int) -> None:
        for role in RoleFactory.create_batch(n, organization=org):
            for competency in competencies:
                RoleRequirementFactory(role=role, competency=competency)

    client = api_for(employee)
    add(5)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    add(25)
    with django_assert_max_num_queries(6):
        assert len(client.get(URL).json()["results"]) == 30
