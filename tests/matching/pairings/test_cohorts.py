"""Group mentoring: one mentor, several mentees on one competency, within capacity, all or
nothing; the mentor's shared check-in lands on each active pairing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import CheckIn, Cohort, Pairing
from matching.pairings import cohorts, rules, services
from mentorship.models import Notification
from tests.matching.conftest import person, rate


@pytest.fixture
def eve(team):
    """A second developer reporting to Mark, with the same Programming gap as Emma."""
    eve = person(team.org, "Eve", team.mark.department, manager=team.mark, role=team.role)
    rate(eve, {team.programming: 2, team.writing: 3, team.negotiation: 2})
    return eve


def create(team, mentees, *, actor=None, mentor=None, **overrides):
    today = timezone.localdate()
    values = {
        "organization": team.org,
        "actor": actor or team.mark,
        "mentor": mentor or team.sam,
        "competency": team.programming,
        "mentees": mentees,
        "task": "Build the reporting service together",
        "start_date": today,
        "end_date": today + dt.timedelta(weeks=6),
        "name": "",
    }
    values.update(overrides)
    return cohorts.cohort_create(**values)


def test_a_manager_groups_two_reports_with_one_mentor(team, eve) -> None:
    cohort = create(team, [team.emma, eve])

    assert cohort.name == "Programming with Sam Test"
    pairings = Pairing.objects.filter(cohort=cohort).order_by("mentee_id")
    assert [(p.mentee, p.state) for p in pairings] == [
        (team.emma, Pairing.State.PROPOSED),
        (eve, Pairing.State.PROPOSED),
    ]
    assert Notification.objects.filter(recipient=team.sam, kind="pairing_proposed").count() == 2
    services.pairing_notify_proposed(pairing=pairings[0])  # never twice for the same pairing
    assert Notification.objects.filter(recipient=team.sam, kind="pairing_proposed").count() == 2


def test_more_mentees_than_free_slots_is_refused_and_nothing_is_written(team, eve) -> None:
    third = person(team.org, "Finn", team.mark.department, manager=team.mark, role=team.role)
    rate(third, {team.programming: 1, team.writing: 3, team.negotiation: 2})
    with pytest.raises(ValidationError) as exc:
        create(team, [team.emma, eve, third])
    assert "has 2 free mentoring slots" in exc.value.message_dict["mentees"][0]
    assert not Cohort.objects.exists() and not Pairing.objects.exists()


def test_a_mentee_without_the_gap_refuses_the_whole_cohort(team, eve) -> None:
    rate(eve, {team.programming: 4, team.writing: 3, team.negotiation: 2})
    with pytest.raises(ValidationError) as exc:
        create(team, [team.emma, eve])
    # Whose proposal was refused, said once (the message already names her).
    assert exc.value.message_dict["mentees"] == [
        "Eve Test already reaches the required level in Programming; there is no gap to work on."
    ]
    assert not Cohort.objects.exists() and not Pairing.objects.exists()


def test_bad_dates_are_field_errors(team, eve) -> None:
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        create(team, [team.emma, eve], end_date=today - dt.timedelta(days=1))
    assert "end_date" in exc.value.message_dict
    assert not Cohort.objects.exists()


def test_a_cohort_needs_two_mentees(team) -> None:
    with pytest.raises(ValidationError) as exc:
        create(team, [team.emma])
    assert "at least two" in exc.value.message_dict["mentees"][0]


def test_a_manager_cannot_group_someone_elses_report(team, eve) -> None:
    with pytest.raises(PermissionDenied):
        create(team, [team.emma, team.pat], actor=team.mark)
    with pytest.raises(PermissionDenied):
        create(team, [team.emma, eve], actor=team.sally)
    assert not Cohort.objects.exists()


def test_hr_groups_anyone(team, eve, hr) -> None:
    cohort = create(team, [team.emma, eve], actor=hr, name="Spring circle")
    assert cohort.name == "Spring circle"
    assert Pairing.objects.filter(cohort=cohort).count() == 2


def test_the_mentors_shared_check_in_lands_on_each_active_pairing(team, eve) -> None:
    cohort = create(team, [team.emma, eve])
    data = rules.CheckInInput(date=timezone.localdate(), went_well="Everyone shipped a slice")
    with pytest.raises(ValidationError, match="No pairing of this cohort is active"):
        cohorts.cohort_check_in(cohort=cohort, actor=team.sam, data=data)
    for pairing in Pairing.objects.filter(cohort=cohort):
        services.pairing_accept(pairing=pairing, actor=team.sam)

    with pytest.raises(PermissionDenied):
        cohorts.cohort_check_in(cohort=cohort, actor=team.emma, data=data)
    created = cohorts.cohort_check_in(cohort=cohort, actor=team.sam, data=data)

    assert len(created) == 2
    assert set(CheckIn.objects.values_list("pairing__mentee", flat=True)) == {team.emma.pk, eve.pk}
    assert set(CheckIn.objects.values_list("cohort", flat=True)) == {cohort.pk}


def test_a_bad_shared_check_in_writes_nothing(team, eve) -> None:
    cohort = create(team, [team.emma, eve])
    for pairing in Pairing.objects.filter(cohort=cohort):
        services.pairing_accept(pairing=pairing, actor=team.sam)
    data = rules.CheckInInput(date=timezone.localdate() + dt.timedelta(days=2), notes="Future")
    with pytest.raises(ValidationError):
        cohorts.cohort_check_in(cohort=cohort, actor=team.sam, data=data)
    assert not CheckIn.objects.exists()


def test_a_shared_next_check_in_falls_within_every_pairing(team, eve) -> None:
    cohort = create(team, [team.emma, eve])
    for pairing in Pairing.objects.filter(cohort=cohort):
        services.pairing_accept(pairing=pairing, actor=team.sam)
    emmas = Pairing.objects.get(cohort=cohort, mentee=team.emma)
    ends = emmas.end_date
    services.pairing_extend(
        pairing=emmas, actor=team.sam, end_date=ends + dt.timedelta(weeks=2), reason="More time"
    )
    today = timezone.localdate()
    late = rules.CheckInInput(
        date=today, went_well="Everyone shipped a slice", next_check_in=ends + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        cohorts.cohort_check_in(cohort=cohort, actor=team.sam, data=late)
    assert exc.value.message_dict == {
        "next_check_in": [
            f"The next check-in cannot be after {ends.day} {ends:%b %Y}, when the first of "
            "the cohort's pairings ends."
        ]
    }
    assert not CheckIn.objects.exists()

    on_time = rules.CheckInInput(
        date=today, went_well="Everyone shipped a slice", next_check_in=ends
    )
    created = cohorts.cohort_check_in(cohort=cohort, actor=team.sam, data=on_time)
    assert [c.next_check_in for c in created] == [ends, ends]
