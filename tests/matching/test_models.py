from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from matching.engine import FACTORS
from matching.models import (
    FACTOR_NAMES,
    MatchSettings,
    MatchSuggestion,
    MentorOptOut,
    Pairing,
    RecomputeState,
)
from tests.factories import CompetencyFactory, EmployeeFactory


def _pairing(org, mentee, mentor, competency, **overrides) -> Pairing:
    fields = {
        "organization": org,
        "mentee": mentee,
        "mentor": mentor,
        "competency": competency,
        "task": "Pair on the billing service rewrite",
        "baseline_level": 2,
        "target_level": 4,
        "start_date": dt.date(2030, 1, 7),
        "end_date": dt.date(2030, 2, 18),
        **overrides,
    }
    return Pairing.objects.create(**fields)


def _refused(**kwargs) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _pairing(**kwargs)


def test_a_pairing_ends_after_it_starts_and_pairs_two_people(org, employee, manager) -> None:
    comp = CompetencyFactory(organization=org)
    base = {"org": org, "mentee": employee, "competency": comp}
    _refused(**base, mentor=manager, end_date=dt.date(2030, 1, 7))
    _refused(**base, mentor=employee)
    assert _pairing(**base, mentor=manager).state == "proposed"


def test_a_gap_has_at_most_one_open_pairing(org, employee, manager) -> None:
    comp = CompetencyFactory(organization=org)
    other = EmployeeFactory(organization=org)
    _pairing(org, employee, manager, comp)
    _refused(org=org, mentee=employee, mentor=other, competency=comp)
    # Finished pairings do not count: a new one can start after a decline or completion.
    Pairing.objects.filter(mentee=employee).update(state="declined")
    _pairing(org, employee, other, comp)


def test_the_pairing_lifecycle_states_are_all_defined() -> None:
    assert set(Pairing.State.values) == {
        "proposed",
        "active",
        "declined",
        "awaiting_review",
        "completed",
        "cancelled",
        "expired",
    }
    assert set(Pairing.Outcome.values) == {"achieved", "not_achieved"}
    assert set(Pairing.LOAD_STATES) == {"proposed", "active"}


def test_a_suggestion_is_unique_per_mentee_competency_and_mentor(org, employee, manager) -> None:
    comp = CompetencyFactory(organization=org)
    fields = {
        "organization": org,
        "mentee": employee,
        "competency": comp,
        "mentor": manager,
        "rank": 0,
        "score": 1.0,
        "target_level": 4,
        "mentor_level": 5,
    }
    MatchSuggestion.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchSuggestion.objects.create(**{**fields, "status": "dismissed"})


def test_one_settings_and_state_row_per_organisation(org, employee) -> None:
    MatchSettings.objects.create(organization=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchSettings.objects.create(organization=org)
    RecomputeState.objects.create(organization=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecomputeState.objects.create(organization=org)
    comp = CompetencyFactory(organization=org)
    MentorOptOut.objects.create(organization=org, employee=employee, competency=comp)
    with pytest.raises(IntegrityError), transaction.atomic():
        MentorOptOut.objects.create(organization=org, employee=employee, competency=comp)


def test_settings_weights_follow_the_engines_factor_order() -> None:
    assert FACTOR_NAMES == FACTORS
    settings = MatchSettings(weight_margin=0.5)
    assert list(settings.weight_values) == list(FACTORS)
    assert settings.weight_values["margin"] == 0.5
    assert (settings.k, settings.spread) == (5, 3.0)


def test_platform_operators_browse_matching_in_the_admin(client, org, employee, manager) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    comp = CompetencyFactory(organization=org)
    pairing = _pairing(org, employee, manager, comp)
    for model in (
        "matchsettings",
        "mentoroptout",
        "matchrun",
        "matchsuggestion",
        "pairing",
        "recomputestate",
    ):
        path = f"/admin/matching/{model}/"
        assert client.get(path).status_code == 200, path
    assert client.get(f"/admin/matching/pairing/{pairing.pk}/change/").status_code == 200
    assert client.get("/admin/matching/matchrun/add/").status_code == 403
