"""Skill profile and gap CSV exports: content, the organisation boundary, access and query count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessments import selectors
from assessments.exports.builders import GAP_COLUMNS, SKILL_PROFILE_COLUMNS
from tests.api.helpers import assess
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    RoleFactory,
    RoleRequirementFactory,
)
from tests.mentorship.exports.test_exports import assert_download_name, read_csv

URLS = ("/o/acme/exports/skill-profiles.csv", "/o/acme/exports/gaps.csv")
API_URLS = ("/api/v1/exports/skill-profiles.csv", "/api/v1/exports/gaps.csv")


@pytest.fixture
def rated(developer, manager, skills):
    """The developer rated themselves 5/2/1; their manager rated them 3/2/2."""
    programming, writing, negotiation = skills
    assess(developer, developer, (programming, 5), (writing, 2), (negotiation, 1))
    assess(developer, manager, (programming, 3), (writing, 2), (negotiation, 2))
    return developer


@pytest.fixture
def foreign_profile(outsider):
    """Another organisation's person with a role, a requirement and a rating."""
    role = RoleFactory(organization=outsider.organization)
    comp = CompetencyFactory(organization=outsider.organization, name="Foreign skill")
    RoleRequirementFactory(role=role, competency=comp, required_level=5)
    outsider.role = role
    outsider.save(update_fields=["role"])
    assess(outsider, outsider, (comp, 1))
    return outsider


def test_skill_profiles_export_lists_levels_side_by_side(
    client_for, hr, rated, foreign_profile
) -> None:
    response = client_for(hr).get("/o/acme/exports/skill-profiles.csv")
    assert_download_name(response, "acme", "skill-profiles")
    rows = read_csv(response)
    assert list(rows[0]) == list(SKILL_PROFILE_COLUMNS)
    assert {r["competency"] for r in rows} == {"Programming", "Writing", "Negotiation"}
    programming = next(r for r in rows if r["competency"] == "Programming")
    assert programming["external_id"] == rated.external_id
    assert programming["email"] == "employee@acme.test"
    assert programming["role_code"] == "15-1252.00"
    assert (programming["self_level"], programming["manager_level"]) == ("5", "3")
    assert programming["effective_level"] == "3"
    assert programming["manager_confirmed"] == "true"
    assert programming["manager_assessed_at"].startswith(str(programming["updated_at"])[:4])
    negotiation = next(r for r in rows if r["competency"] == "Negotiation")
    assert (negotiation["self_level"], negotiation["effective_level"]) == ("1", "2")


def test_self_assessed_levels_are_not_manager_confirmed(client_for, hr, developer, skills) -> None:
    assess(developer, developer, *((comp, 2) for comp in skills))
    rows = read_csv(client_for(hr).get("/o/acme/exports/skill-profiles.csv"))
    assert {(r["manager_level"], r["manager_confirmed"], r["effective_level"]) for r in rows} == {
        ("", "false", "2")
    }


def test_gaps_export_matches_the_gaps_the_app_shows(client_for, hr, rated, foreign_profile) -> None:
    rows = read_csv(client_for(hr).get("/o/acme/exports/gaps.csv"))
    assert list(rows[0]) == list(GAP_COLUMNS)
    expected = selectors.gaps_for(employee=rated, include_goals=False)
    assert [(r["competency"], int(r["priority"])) for r in rows] == [
        (g.competency_name, g.priority) for g in expected
    ]
    # Programming: required 4, manager says 3 → gap 1 × importance 5 = 5; Writing 1 × 2 = 2;
    # Negotiation: required 2, manager says 2 → met.
    assert [(r["competency"], r["gap"], r["priority"]) for r in rows] == [
        ("Programming", "1", "5"),
        ("Writing", "1", "2"),
    ]
    first = rows[0]
    assert (first["required_level"], first["effective_level"], first["importance"]) == (
        "4",
        "3",
        "5",
    )
    assert first["manager_confirmed"] == "true"


def test_never_assessed_requirements_are_gaps_from_zero(client_for, hr, developer) -> None:
    rows = read_csv(client_for(hr).get("/o/acme/exports/gaps.csv"))
    assert [(r["competency"], r["effective_level"], r["gap"], r["priority"]) for r in rows] == [
        ("Programming", "", "4", "20"),
        ("Writing", "", "3", "6"),
        ("Negotiation", "", "2", "2"),
    ]
    assert {r["manager_confirmed"] for r in rows} == {"false"}


def test_gaps_leave_out_met_requirements_archived_competencies_and_deactivated_people(
    client_for, hr, developer, manager, skills, role
) -> None:
    programming, writing, negotiation = skills
    assess(developer, manager, (programming, 4), (writing, 3), (negotiation, 1))
    negotiation.archived_at = timezone.now()
    negotiation.save(update_fields=["archived_at"])
    EmployeeFactory(organization=hr.organization, role=role, is_active=False)
    assert read_csv(client_for(hr).get("/o/acme/exports/gaps.csv")) == []


@pytest.mark.parametrize("url", URLS)
def test_exports_run_a_constant_number_of_queries(
    client_for, hr, rated, skills, role, url, django_assert_max_num_queries
) -> None:
    client = client_for(hr)
    with django_assert_max_num_queries(8):
        before = len(read_csv(client.get(url)))
    for person in EmployeeFactory.create_batch(10, organization=hr.organization, role=role):
        assess(person, person, *((comp, 1) for comp in skills))
    with django_assert_max_num_queries(8):
        assert len(read_csv(client.get(url))) == before + 30  # 3 levels or 3 gaps each


@pytest.mark.parametrize("url", URLS)
def test_exports_need_sign_in_membership_and_hr(
    client, client_for, employee, outsider, url
) -> None:
    assert client.get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(employee).get(url).status_code == 403


@pytest.mark.parametrize("url", API_URLS)
def test_api_exports_stay_in_the_organisation_and_need_hr(
    client_for, hr, employee, rated, foreign_profile, url
) -> None:
    response = client_for(hr).get(url, HTTP_ACCEPT="text/csv")
    assert {r["email"] for r in read_csv(response)} == {"employee@acme.test"}
    response = client_for(foreign_profile).get(url)
    assert {r["competency"] for r in read_csv(response)} == {"Foreign skill"}
    refused = client_for(employee).get(url)
    assert refused.status_code == 403 and set(refused.json()) == {"detail"}
