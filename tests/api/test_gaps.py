"""/api/v1/employees/{id}/gaps/ and /api/v1/goals/: a person's gaps, and the development goals
that add aspirations to them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessments.models import DevelopmentGoal
from tests.api.helpers import DEVELOPER_SKILLS, assert_error, assess, give_role, ids
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    RoleFactory,
    RoleRequirementFactory,
)

GOALS = "/api/v1/goals/"

GAP_FIELDS = {
    "competency",
    "competency_name",
    "category",
    "required_level",
    "effective_level",
    "gap",
    "importance",
    "priority",
    "aspiration",
    "source",
}


def gaps_url(person) -> str:
    return f"/api/v1/employees/{person.pk}/gaps/"


def gaps(response) -> list[tuple[str, int, int]]:
    """(competency name, gap, priority) of each gap, in the order given."""
    assert response.status_code == 200, response.content
    return [(g["competency_name"], g["gap"], g["priority"]) for g in response.json()["results"]]


@pytest.fixture
def skills(employee):
    """A developer who assessed Programming at 2 (needs 4, importance 5), Writing at 3 (needs 3)
    and Negotiation at 0 (needs 2, importance 1)."""
    programming, writing, negotiation = give_role(employee, *DEVELOPER_SKILLS)
    assess(employee, employee, (programming, 2), (writing, 3), (negotiation, 0))
    return programming, writing, negotiation


@pytest.fixture
def analyst(org, skills):
    """A role to explore: Writing ≥ 5 (importance 4) and Statistics ≥ 3 (importance 3)."""
    role = RoleFactory(organization=org, name="Data Analyst")
    RoleRequirementFactory(role=role, competency=skills[1], required_level=5, importance=4)
    statistics = CompetencyFactory(organization=org, name="Statistics", category="Analysis")
    RoleRequirementFactory(role=role, competency=statistics, required_level=3, importance=3)
    return role


@pytest.fixture
def director(org, manager):
    boss = EmployeeFactory(organization=org, job_title="Director")
    manager.manager = boss
    manager.save(update_fields=["manager"])
    return boss


@pytest.fixture
def colleague(org):
    return EmployeeFactory(organization=org, job_title="Accountant")


# --- Gaps ------------------------------------------------------------------------------------------


def test_anonymous_is_refused(api_for, employee, skills) -> None:
    assert_error(api_for(None).get(gaps_url(employee)), 401)
    assert_error(api_for(None).get(GOALS), 401)


def test_a_person_reads_their_gaps_by_priority(api_for, employee, skills) -> None:
    response = api_for(employee).get(gaps_url(employee))
    assert gaps(response) == [("Programming", 2, 10), ("Negotiation", 2, 2)]
    first, second = response.json()["results"]
    assert set(first) == GAP_FIELDS
    assert first == {
        "competency": skills[0].pk,
        "competency_name": "Programming",
        "category": "Technical Skills",
        "required_level": 4,
        "effective_level": 2,
        "gap": 2,
        "importance": 5,
        "priority": 10,
        "aspiration": False,
        "source": "role",
    }
    assert second["effective_level"] == 0


def test_managers_up_the_chain_and_hr_read_them(
    api_for, hr, manager, director, employee, skills
) -> None:
    expected = [("Programming", 2, 10), ("Negotiation", 2, 2)]
    for reader in (manager, director, hr):
        assert gaps(api_for(reader).get(gaps_url(employee))) == expected


def test_others_in_the_organisation_are_refused(api_for, manager, employee, colleague, skills):
    assert_error(api_for(colleague).get(gaps_url(employee)), 403)
    # Reporting to someone does not let you read theirs.
    assert_error(api_for(employee).get(gaps_url(manager)), 403)


def test_another_organisations_person_is_not_found(api_for, employee, skills, outsider) -> None:
    assert_error(api_for(outsider).get(gaps_url(employee)), 404)
    assert_error(api_for(employee).get(gaps_url(outsider)), 404)
    assert_error(api_for(employee).get("/api/v1/employees/999999/gaps/"), 404)


def test_gaps_against_a_target_role(api_for, employee, analyst) -> None:
    response = api_for(employee).get(gaps_url(employee), {"target_role": analyst.pk})
    assert gaps(response) == [("Statistics", 3, 9), ("Writing", 2, 8)]
    assert {(g["aspiration"], g["source"]) for g in response.json()["results"]} == {
        (True, "target role: Data Analyst")
    }


@pytest.mark.parametrize("target_role", ["FOREIGN", "999999", "analyst"])
def test_an_unknown_target_role_is_a_field_error(
    api_for, employee, skills, other_org, target_role
) -> None:
    if target_role == "FOREIGN":
        target_role = RoleFactory(organization=other_org).pk
    response = api_for(employee).get(gaps_url(employee), {"target_role": target_role})
    assert_error(response, 400, "target_role")


def test_gaps_cost_a_fixed_number_of_queries(
    api_for, org, employee, django_assert_max_num_queries
) -> None:
    role = RoleFactory(organization=org)
    employee.role = role
    employee.save(update_fields=["role"])

    def add(n: int) -> None:
        for competency in CompetencyFactory.create_batch(n, organization=org):
            RoleRequirementFactory(role=role, competency=competency, required_level=2)

    client = api_for(employee)
    add(5)
    with django_assert_max_num_queries(8):
        rows = client.get(gaps_url(employee)).json()["results"]
    assert len(rows) == 5
    assert {row["effective_level"] for row in rows} == {None}  # never assessed
    add(25)
    with django_assert_max_num_queries(8):
        assert len(client.get(gaps_url(employee), {"page_size": 50}).json()["results"]) == 30


# --- Development goals -----------------------------------------------------------------------------


def test_a_person_sets_a_role_goal_and_its_gaps_become_aspirations(
    api_for, employee, analyst
) -> None:
    client = api_for(employee)
    response = client.post(GOALS, {"target_role": analyst.pk})
    assert response.status_code == 201, response.content
    goal = response.json()
    assert goal["target_role"] == analyst.pk and goal["target_role_name"] == "Data Analyst"
    assert goal["competency"] is None and goal["target_level"] is None
    again = client.post(GOALS, {"target_role": analyst.pk})
    assert again.status_code == 200 and again.json()["id"] == goal["id"]

    rows = client.get(gaps_url(employee)).json()["results"]
    # The role's own gaps first, then the aspirations, each by priority.
    assert [(g["competency_name"], g["aspiration"], g["source"]) for g in rows] == [
        ("Programming", False, "role"),
        ("Negotiation", False, "role"),
        ("Statistics", True, "target role: Data Analyst"),
        ("Writing", True, "target role: Data Analyst"),
    ]


def test_a_person_sets_and_changes_a_competency_goal(api_for, employee, skills) -> None:
    writing = skills[1]
    client = api_for(employee)
    response = client.post(GOALS, {"competency": writing.pk, "target_level": 4})
    assert response.status_code == 201, response.content
    assert response.json()["competency_name"] == "Writing"
    assert response.json()["target_role"] is None
    changed = client.post(GOALS, {"competency": writing.pk, "target_level": 5})
    assert changed.status_code == 200
    assert changed.json()["id"] == response.json()["id"]
    assert changed.json()["target_level"] == 5
    rows = client.get(gaps_url(employee)).json()["results"]
    assert ("Writing", 2, True, "goal") in {
        (g["competency_name"], g["gap"], g["aspiration"], g["source"]) for g in rows
    }


def test_goals_are_listed_and_removed_by_their_owner_only(
    api_for, employee, colleague, analyst, outsider
) -> None:
    mine = api_for(employee).post(GOALS, {"target_role": analyst.pk}).json()["id"]
    theirs = api_for(colleague).post(GOALS, {"target_role": analyst.pk}).json()["id"]
    assert ids(api_for(employee).get(GOALS)) == {mine}
    assert ids(api_for(colleague).get(GOALS)) == {theirs}
    assert ids(api_for(outsider).get(GOALS)) == set()
    assert api_for(employee).get(f"{GOALS}{mine}/").json()["id"] == mine
    assert_error(api_for(employee).get(f"{GOALS}{theirs}/"), 404)
    assert_error(api_for(employee).delete(f"{GOALS}{theirs}/"), 404)
    assert_error(api_for(outsider).delete(f"{GOALS}{mine}/"), 404)
    assert DevelopmentGoal.objects.count() == 2
    assert api_for(employee).delete(f"{GOALS}{mine}/").status_code == 204
    assert list(DevelopmentGoal.objects.values_list("pk", flat=True)) == [theirs]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"non_field_errors"}),
        ({"target_role": "ANALYST", "competency": "WRITING", "target_level": 4}, {"target_role"}),
        ({"competency": "WRITING"}, {"target_level"}),
        ({"target_level": 4}, {"competency"}),
        ({"competency": "WRITING", "target_level": 9}, {"target_level"}),
        ({"competency": "WRITING", "target_level": "high"}, {"target_level"}),
        ({"competency": "FOREIGN", "target_level": 3}, {"competency"}),
        ({"target_role": "FOREIGN_ROLE"}, {"target_role"}),
        ({"target_role": "OWN_ROLE"}, {"target_role"}),
        ({"target_role": "ANALYST", "why": "growth"}, {"why"}),
    ],
)
def test_bad_goal_is_a_field_error_and_nothing_is_written(
    api_for, employee, skills, analyst, other_org, payload, fields
) -> None:
    values = {
        "ANALYST": analyst.pk,
        "WRITING": skills[1].pk,
        "FOREIGN": CompetencyFactory(organization=other_org).pk,
        "FOREIGN_ROLE": RoleFactory(organization=other_org).pk,
        "OWN_ROLE": employee.role_id,
    }
    payload = {k: values.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    assert_error(api_for(employee).post(GOALS, payload), 400, *fields)
    assert not DevelopmentGoal.objects.exists()


def test_an_archived_competency_or_role_cannot_be_a_goal(api_for, employee, skills, analyst):
    now = timezone.now()
    skills[1].archived_at = analyst.archived_at = now
    skills[1].save(update_fields=["archived_at"])
    analyst.save(update_fields=["archived_at"])
    client = api_for(employee)
    body = assert_error(client.post(GOALS, {"competency": skills[1].pk, "target_level": 4}), 400)
    assert "archived" in body["errors"]["competency"][0]
    body = assert_error(client.post(GOALS, {"target_role": analyst.pk}), 400, "target_role")
    assert "archived" in body["errors"]["target_role"][0]
    assert not DevelopmentGoal.objects.exists()


def test_goal_list_runs_a_constant_number_of_queries(
    api_for, org, employee, django_assert_max_num_queries
) -> None:
    client = api_for(employee)

    def add(n: int) -> None:
        for competency in CompetencyFactory.create_batch(n, organization=org):
            client.post(GOALS, {"competency": competency.pk, "target_level": 3})

    add(5)
    with django_assert_max_num_queries(5):
        assert len(client.get(GOALS).json()["results"]) == 5
    add(25)
    with django_assert_max_num_queries(5):
        assert len(client.get(GOALS).json()["results"]) == 30
