"""The read side of the matching services: suggestions per gap with reasons, runs, mentor load."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import MatchSuggestion
from matching.reasons import reasons_in_words
from matching.recompute import recompute_organization
from matching.selectors import (
    latest_runs,
    mentor_load,
    suggestion_get,
    suggestions_for_mentee,
    suggestions_for_team,
)
from matching.services import suggestion_accept
from tests.factories import EmployeeFactory, RoleRequirementFactory
from tests.matching.conftest import rate


@pytest.fixture
def suggested(team):
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    return team


def test_reasons_read_like_a_sentence() -> None:
    assert reasons_in_words(
        level_name="Advanced",
        confirmed=True,
        mentor_department="Sales",
        other_department=True,
        slots_used=0,
        capacity=2,
        paired_before=False,
    ) == [
        "Advanced, confirmed by manager",
        "Sales, another department",
        "0 of 2 slots used",
        "never paired before",
    ]
    assert reasons_in_words(
        level_name="Expert",
        confirmed=False,
        mentor_department=None,
        other_department=False,
        slots_used=1,
        capacity=1,
        paired_before=True,
    ) == ["Expert, self-rated", "1 of 1 slot used", "paired before"]


def test_a_managers_team_shows_each_gap_with_its_suggestions(suggested) -> None:
    team = suggested
    gaps = suggestions_for_team(manager=team.mark)
    assert [(g.mentee, g.competency_name, g.priority) for g in gaps] == [
        (team.emma, "Programming", 10),
        (team.emma, "Writing", 4),
    ]
    programming = gaps[0]
    assert (programming.required_level_name, programming.effective_level_name) == (
        "Advanced",
        "Basic",
    )
    assert [s.mentor_name for s in programming.suggestions] == ["Sam Test", "Pat Test"]
    sam, pat = programming.suggestions
    assert sam.reasons == [
        "Expert, confirmed by manager",
        "Sales, another department",
        "0 of 2 slots used",
        "never paired before",
    ]
    assert pat.reasons == [
        "Advanced, self-rated",
        "Engineering, same department",
        "0 of 1 slot used",
        "never paired before",
    ]
    assert (sam.mentor_level, sam.target_level, sam.confirmed) == (5, 4, True)
    assert (sam.slots_used, sam.capacity, sam.department) == (0, 2, "Sales")
    assert programming.recommended is not None
    assert programming.pairing is None


def test_a_gap_with_a_proposed_pairing_shows_the_pairing_instead(suggested) -> None:
    team = suggested
    start = timezone.localdate() + dt.timedelta(days=3)
    suggestion = MatchSuggestion.objects.get(mentor=team.pat, competency=team.programming)
    pairing = suggestion_accept(
        suggestion=suggestion,
        actor=team.mark,
        task="Pair on the billing service rewrite",
        start_date=start,
        end_date=start + dt.timedelta(weeks=6),
    )
    programming = suggestions_for_team(manager=team.mark)[0]
    assert programming.pairing == pairing and programming.suggestions == []
    # Pat's slot is taken: his other suggestions say so.
    assert mentor_load(employee=team.pat).used == 1
    assert mentor_load(employee=team.pat).free == 0


def test_the_team_view_takes_a_constant_number_of_queries(
    suggested, django_assert_max_num_queries
) -> None:
    team = suggested
    for i in range(6):
        report = EmployeeFactory(organization=team.org, manager=team.mark, role=team.role)
        rate(report, {team.programming: i % 3, team.writing: 1, team.negotiation: 2})
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    with django_assert_max_num_queries(8):
        gaps = suggestions_for_team(manager=team.mark)
        reasons = [s.reasons for g in gaps for s in g.suggestions]
    assert len(gaps) == 14 and reasons


def test_a_mentees_own_gaps(suggested) -> None:
    gaps = suggestions_for_mentee(mentee=suggested.emma)
    assert [g.competency_name for g in gaps] == ["Programming", "Writing"]
    assert [s.mentor_name for s in gaps[1].suggestions] == ["Sam Test"]


def test_unassessed_requirements_are_gaps_without_suggestions(suggested) -> None:
    team = suggested
    extra = RoleRequirementFactory(organization=team.org, role=team.role, required_level=2)
    gaps = suggestions_for_mentee(mentee=team.emma)
    unassessed = next(g for g in gaps if g.competency_id == extra.competency_id)
    assert unassessed.effective_level is None
    assert unassessed.effective_level_name == "Not assessed"
    assert unassessed.suggestions == []


def test_suggestions_of_another_organisation_are_not_found(suggested, other_org) -> None:
    suggestion = MatchSuggestion.objects.first()
    assert suggestion_get(organization=suggested.org, pk=suggestion.pk) == suggestion
    assert suggestion_get(organization=other_org, pk=suggestion.pk) is None


def test_latest_runs_come_newest_first(suggested) -> None:
    recompute_organization(organization_id=suggested.org.pk, trigger="schedule")
    runs = latest_runs(organization=suggested.org)
    assert [r.trigger for r in runs] == ["schedule", "manual"]
    assert len(latest_runs(organization=suggested.org, limit=1)) == 1
