"""/api/v1/skill-profiles/: current levels per person and competency, as submits left them."""

from __future__ import annotations

import pytest

from assessments import services
from assessments.models import Assessment, SkillProfile
from tests.api.helpers import DEVELOPER_SKILLS, assert_error, assess, give_role
from tests.factories import CompetencyFactory, EmployeeFactory

URL = "/api/v1/skill-profiles/"

FIELDS = {
    "employee",
    "competency",
    "competency_name",
    "self_level",
    "self_assessed_at",
    "manager_level",
    "manager_assessed_at",
    "effective_level",
    "manager_confirmed",
}


def rows(response) -> set[tuple[int, int]]:
    """(employee, competency) of every row of a list response."""
    assert response.status_code == 200, response.content
    return {(row["employee"], row["competency"]) for row in response.json()["results"]}


@pytest.fixture
def skills(employee, manager):
    """`employee` has self-assessed all three developer competencies; their manager has
    assessed Programming (2, below the self level 4) and Writing (3)."""
    programming, writing, negotiation = give_role(employee, *DEVELOPER_SKILLS)
    assess(employee, employee, (programming, 4), (writing, 3), (negotiation, 1))
    assess(employee, manager, (programming, 2), (writing, 3), (negotiation, 1))
    return programming, writing, negotiation


@pytest.fixture
def director(org, manager):
    boss = EmployeeFactory(organization=org, job_title="Director")
    manager.manager = boss
    manager.save(update_fields=["manager"])
    return boss


@pytest.fixture
def colleague(org):
    """Someone outside the employee's reporting line, with a profile of their own."""
    person = EmployeeFactory(organization=org, job_title="Accountant")
    assess(person, person, (CompetencyFactory(organization=org, name="Accounting"), 5))
    return person


def test_anonymous_is_refused(api_for, skills) -> None:
    assert_error(api_for(None).get(URL), 401)


def test_a_member_reads_their_own_levels_side_by_side(api_for, employee, manager, skills) -> None:
    programming = skills[0]
    response = api_for(employee).get(URL)
    assert rows(response) == {(employee.pk, c.pk) for c in skills}
    row = next(r for r in response.json()["results"] if r["competency"] == programming.pk)
    assert set(row) == FIELDS
    assert row["competency_name"] == "Programming"
    assert (row["self_level"], row["manager_level"], row["effective_level"]) == (4, 2, 2)
    assert row["manager_confirmed"] is True
    assert row["self_assessed_at"] and row["manager_assessed_at"]


def test_a_self_level_alone_is_effective_and_unconfirmed(api_for, org, colleague) -> None:
    (row,) = api_for(colleague).get(URL).json()["results"]
    assert (row["self_level"], row["manager_level"], row["effective_level"]) == (5, None, 5)
    assert row["manager_confirmed"] is False and row["manager_assessed_at"] is None


def test_managers_see_their_subtree_and_hr_everyone(
    api_for, hr, manager, employee, director, colleague, skills
) -> None:
    employee_rows = {(employee.pk, c.pk) for c in skills}
    colleague_rows = rows(api_for(colleague).get(URL))
    assert {person for person, _ in colleague_rows} == {colleague.pk}
    assert rows(api_for(manager).get(URL)) == employee_rows
    assert rows(api_for(director).get(URL)) == employee_rows
    assert rows(api_for(hr).get(URL)) == employee_rows | colleague_rows


def test_a_colleague_cannot_read_someone_elses_profile(api_for, employee, colleague, skills):
    # Asking for it by name gets nothing rather than a hint that it exists.
    assert rows(api_for(colleague).get(URL, {"employee": employee.pk})) == set()
    assert rows(api_for(employee).get(URL, {"employee": colleague.pk})) == set()


def test_outsider_sees_nothing_of_acme(api_for, hr, employee, skills, outsider) -> None:
    assess(outsider, outsider, (CompetencyFactory(organization=outsider.organization), 3))
    assert {person for person, _ in rows(api_for(outsider).get(URL))} == {outsider.pk}
    assert rows(api_for(outsider).get(URL, {"employee": employee.pk})) == set()
    assert outsider.pk not in {person for person, _ in rows(api_for(hr).get(URL))}


def test_filters(api_for, hr, employee, colleague, skills) -> None:
    programming, writing, negotiation = skills
    client = api_for(hr)
    assert rows(client.get(URL, {"employee": employee.pk})) == {(employee.pk, c.pk) for c in skills}
    assert rows(client.get(URL, {"competency": writing.pk})) == {(employee.pk, writing.pk)}
    assert rows(client.get(URL, {"min_level": 3})) == {
        (employee.pk, writing.pk),
        (colleague.pk, colleague.skills.get().competency_id),
    }
    assert rows(client.get(URL, {"employee": employee.pk, "min_level": 2})) == {
        (employee.pk, programming.pk),
        (employee.pk, writing.pk),
    }
    assert {p for p, _ in rows(client.get(URL, {"manager_confirmed": "false"}))} == {colleague.pk}
    assert rows(client.get(URL, {"search": "negot"})) == {(employee.pk, negotiation.pk)}
    ordered = client.get(URL, {"ordering": "-effective_level"}).json()["results"]
    assert [r["effective_level"] for r in ordered] == [5, 3, 2, 1]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_level": "expert"}, "min_level"),
        ({"employee": "me"}, "employee"),
        ({"competency": "1.5"}, "competency"),
    ],
)
def test_bad_filter_is_a_field_error(api_for, hr, skills, params, field) -> None:
    assert_error(api_for(hr).get(URL, params), 400, field)


def test_a_draft_changes_nothing_until_it_is_submitted(api_for, employee, skills) -> None:
    programming = skills[0]
    draft = services.assessment_start(subject=employee, assessor=employee, kind="self")
    services.rating_set(assessment=draft, actor=employee, competency=programming, level=1)
    row = next(
        r for r in api_for(employee).get(URL).json()["results"] if r["competency"] == programming.pk
    )
    assert row["self_level"] == 4
    assert draft.status == Assessment.Status.DRAFT


def test_list_runs_a_constant_number_of_queries(
    api_for, org, hr, manager, django_assert_max_num_queries
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            person = EmployeeFactory(organization=org, manager=manager)
            assess(person, manager, (CompetencyFactory(organization=org), 3))

    clients = [api_for(hr), api_for(manager)]
    add(5)
    for client in clients:
        with django_assert_max_num_queries(6):
            assert len(client.get(URL).json()["results"]) == 5
    add(25)
    for client in clients:
        with django_assert_max_num_queries(6):
            assert len(client.get(URL).json()["results"]) == 30
    assert SkillProfile.objects.count() == 30
