from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from matching.models import MatchSuggestion, MentorOptOut, Pairing, RecomputeState
from matching.pairings.rules import default_pairing_dates
from matching.pairings.services import pairing_propose
from matching.recompute import recompute_organization
from matching.services import (
    availability_update,
    suggestion_accept,
    suggestion_dismiss,
)
from mentorship.models import AuditEntry
from tests.factories import CompetencyFactory
from tests.matching.conftest import rate

TASK = "Rewrite the invoice export together"


@pytest.fixture
def suggested(team):
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    return team


def _suggestion(team, competency, mentor) -> MatchSuggestion:
    return MatchSuggestion.objects.get(
        organization=team.org, mentee=team.emma, competency=competency, mentor=mentor
    )


def _dates(days: int = 42) -> tuple[dt.date, dt.date]:
    start = timezone.localdate() + dt.timedelta(days=3)
    return start, start + dt.timedelta(days=days)


def _accept(team, suggestion=None, *, actor=None, task=TASK, dates=None) -> Pairing:
    start, end = dates or _dates()
    return suggestion_accept(
        suggestion=suggestion or _suggestion(team, team.programming, team.sam),
        actor=actor or team.mark,
        task=task,
        start_date=start,
        end_date=end,
    )


def _messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def _nothing_written(team) -> None:
    assert not Pairing.objects.exists()
    assert not MatchSuggestion.objects.filter(organization=team.org).exclude(status="open").exists()
    assert not AuditEntry.objects.filter(subject_type="pairing").exists()


# --- accept ---------------------------------------------------------------------------------


def test_accepting_creates_a_proposed_pairing(
    suggested, django_capture_on_commit_callbacks
) -> None:
    team = suggested
    suggestion = _suggestion(team, team.programming, team.sam)
    start, end = _dates()
    with django_capture_on_commit_callbacks() as callbacks:
        pairing = _accept(team, suggestion, task=f"  {TASK}  ", dates=(start, end))
    assert pairing.state == "proposed" and pairing.outcome is None
    assert (pairing.mentee, pairing.mentor, pairing.competency) == (
        team.emma,
        team.sam,
        team.programming,
    )
    assert pairing.task == TASK and pairing.suggestion == suggestion
    assert (pairing.baseline_level, pairing.target_level) == (2, 4)
    assert (pairing.start_date, pairing.end_date) == (start, end)
    assert pairing.created_by == team.mark
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_by == team.mark
    assert suggestion.decided_at is not None
    # The other suggestion for the gap stays open; the selectors show the pairing instead.
    assert _suggestion(team, team.programming, team.pat).status == "open"
    entry = AuditEntry.objects.get(subject_type="pairing", subject_id=pairing.pk)
    assert entry.actor == team.mark and "Sam" in entry.summary
    # The mentor's load changed: a recompute is scheduled after commit; the mentor is e-mailed.
    assert RecomputeState.objects.get(organization=team.org).scheduled_for is not None
    assert len(callbacks) == 2


def test_an_hr_admin_may_accept_too(suggested, hr) -> None:
    assert _accept(suggested, actor=hr).created_by == hr


def test_only_the_mentees_manager_or_hr_may_accept(suggested) -> None:
    with pytest.raises(PermissionDenied):
        _accept(suggested, actor=suggested.sally)
    with pytest.raises(PermissionDenied):
        _accept(suggested, actor=suggested.emma)
    _nothing_written(suggested)


def test_a_manager_of_another_organisation_may_not_accept(suggested, outsider) -> None:
    with pytest.raises(PermissionDenied):
        _accept(suggested, actor=outsider)
    _nothing_written(suggested)


@pytest.mark.parametrize("status", ["accepted", "dismissed"])
def test_a_decided_suggestion_cannot_be_accepted(suggested, status) -> None:
    suggestion = _suggestion(suggested, suggested.programming, suggested.sam)
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, suggestion)
    assert _messages(exc) == {"suggestion": ["This suggestion is no longer open."]}
    assert not Pairing.objects.exists()


def test_a_suggestion_removed_by_a_recompute_cannot_be_accepted(suggested) -> None:
    suggestion = _suggestion(suggested, suggested.programming, suggested.sam)
    MatchSuggestion.objects.filter(pk=suggestion.pk).delete()
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, suggestion)
    assert "no longer open" in str(exc.value)


@pytest.mark.parametrize(
    ("task", "message"),
    [
        ("", "Describe the real piece of work they will do together."),
        ("   ", "Describe the real piece of work they will do together."),
        ("Help", "at least 10 characters"),
        ("x" * 2001, "under 2,000 characters"),
    ],
)
def test_the_task_is_required_and_meaningful(suggested, task, message) -> None:
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, task=task)
    assert message in _messages(exc)["task"][0]
    _nothing_written(suggested)


def test_the_dates_must_be_in_order(suggested) -> None:
    start = timezone.localdate() + dt.timedelta(days=3)
    for end in (start, start - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as exc:
            _accept(suggested, dates=(start, end))
        assert _messages(exc) == {"end_date": ["The end date must be after the start date."]}
    _nothing_written(suggested)


def test_the_start_cannot_be_in_the_past(suggested) -> None:
    start = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, dates=(start, start + dt.timedelta(weeks=6)))
    assert _messages(exc) == {"start_date": ["The start date cannot be in the past."]}
    _nothing_written(suggested)


def test_a_pairing_cannot_last_longer_than_the_organisations_maximum(suggested) -> None:
    start, _ = _dates()
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, dates=(start, start + dt.timedelta(weeks=12, days=1)))
    message = _messages(exc)["end_date"][0]
    assert "at most 12 weeks" in message
    _nothing_written(suggested)
    # Exactly the maximum is fine.
    assert _accept(suggested, dates=(start, start + dt.timedelta(weeks=12))).pk


def test_the_latest_end_date_is_written_as_the_product_writes_dates(
    suggested, time_machine
) -> None:
    time_machine.move_to(dt.datetime(2030, 11, 29, 12, tzinfo=dt.UTC), tick=False)
    start = dt.date(2030, 12, 2)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, dates=(start, dt.date(2031, 3, 1)))
    assert _messages(exc) == {
        "end_date": ["A pairing lasts at most 12 weeks: end it on 24 Feb 2031 or earlier."]
    }


def test_all_field_errors_are_reported_at_once(suggested) -> None:
    start = timezone.localdate() + dt.timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, task="short", dates=(start, start))
    assert set(_messages(exc)) == {"task", "end_date"}


def _fill(team, mentor, slots: int) -> None:
    """Give the mentor `slots` active pairings with other people."""
    for i in range(slots):
        comp = CompetencyFactory(organization=team.org)
        Pairing.objects.create(
            organization=team.org,
            mentee=team.olly if i % 2 else team.nora,
            mentor=mentor,
            competency=comp,
            task=TASK,
            baseline_level=1,
            target_level=3,
            start_date=dt.date(2030, 1, 7),
            end_date=dt.date(2030, 2, 18),
            state="active",
        )


def test_a_mentor_whose_slots_filled_up_is_no_longer_available(suggested) -> None:
    _fill(suggested, suggested.sam, 2)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested)
    assert _messages(exc) == {
        "mentor": ["Sam Test is no longer available: all 2 mentoring slots are taken."]
    }
    assert Pairing.objects.filter(mentee=suggested.emma).count() == 0
    assert _suggestion(suggested, suggested.programming, suggested.sam).status == "open"


def test_a_mentor_who_opted_out_meanwhile_cannot_be_accepted(suggested) -> None:
    team = suggested
    MentorOptOut.objects.create(
        organization=team.org, employee=team.sam, competency=team.programming
    )
    with pytest.raises(ValidationError) as exc:
        _accept(team)
    assert _messages(exc) == {"mentor": ["Sam Test does not mentor Programming."]}
    team.sam.mentor_available = False
    team.sam.save(update_fields=["mentor_available"])
    with pytest.raises(ValidationError) as exc:
        _accept(team)
    assert "no longer available as a mentor" in str(exc.value)
    _nothing_written(team)


def test_a_mentor_who_left_cannot_be_accepted(suggested) -> None:
    suggested.sam.is_active = False
    suggested.sam.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as exc:
        _accept(suggested)
    assert _messages(exc) == {"mentor": ["Sam Test is no longer active."]}


def test_a_gap_that_closed_meanwhile_cannot_be_paired(suggested) -> None:
    rate(suggested.emma, {suggested.programming: 4, suggested.writing: 1, suggested.negotiation: 2})
    with pytest.raises(ValidationError) as exc:
        _accept(suggested)
    assert "no gap to work on" in _messages(exc)["competency"][0]


def test_a_gap_gets_one_open_pairing(suggested) -> None:
    _accept(suggested)
    with pytest.raises(ValidationError) as exc:
        _accept(suggested, _suggestion(suggested, suggested.programming, suggested.pat))
    assert _messages(exc) == {"competency": ["Emma Stone already has a pairing for Programming."]}
    assert Pairing.objects.count() == 1


# --- dismiss --------------------------------------------------------------------------------


def test_dismissing_keeps_the_mentor_level_for_the_resuggestion_rule(suggested) -> None:
    team = suggested
    suggestion = _suggestion(team, team.programming, team.pat)
    dismissed = suggestion_dismiss(suggestion=suggestion, actor=team.mark, reason=" Too busy ")
    assert dismissed.status == "dismissed" and dismissed.dismissed_reason == "Too busy"
    assert dismissed.mentor_level == 4 and dismissed.decided_by == team.mark
    assert AuditEntry.objects.filter(
        subject_type="match_suggestion", subject_id=suggestion.pk, action="dismissed"
    ).exists()

    recompute_organization(organization_id=team.org.pk, trigger="manual")
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "dismissed"

    rate(team.pat, {team.programming: 5})  # Pat's level changes: he may be suggested again
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "open"


def test_only_the_manager_or_hr_may_dismiss(suggested, hr) -> None:
    suggestion = _suggestion(suggested, suggested.programming, suggested.pat)
    with pytest.raises(PermissionDenied):
        suggestion_dismiss(suggestion=suggestion, actor=suggested.emma)
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "open"
    assert suggestion_dismiss(suggestion=suggestion, actor=hr).status == "dismissed"


def test_a_decided_suggestion_cannot_be_dismissed(suggested) -> None:
    suggestion = _suggestion(suggested, suggested.programming, suggested.pat)
    suggestion_dismiss(suggestion=suggestion, actor=suggested.mark)
    with pytest.raises(ValidationError) as exc:
        suggestion_dismiss(suggestion=suggestion, actor=suggested.mark)
    assert _messages(exc) == {"suggestion": ["This suggestion is no longer open."]}


def test_a_dismissal_reason_has_a_limit(suggested) -> None:
    suggestion = _suggestion(suggested, suggested.programming, suggested.pat)
    with pytest.raises(ValidationError) as exc:
        suggestion_dismiss(suggestion=suggestion, actor=suggested.mark, reason="x" * 501)
    assert "reason" in _messages(exc)
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == "open"


# --- propose by hand ------------------------------------------------------------------------


def _propose(team, mentor, *, competency=None, actor=None) -> Pairing:
    start, end = _dates()
    return pairing_propose(
        mentee=team.emma,
        mentor=mentor,
        competency=competency or team.programming,
        actor=actor or team.mark,
        task=TASK,
        start_date=start,
        end_date=end,
    )


def test_a_manager_can_propose_an_eligible_mentor_by_hand(team) -> None:
    pairing = _propose(team, team.pat)
    assert pairing.state == "proposed" and pairing.suggestion is None
    assert (pairing.baseline_level, pairing.target_level) == (2, 4)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("emma", "Nobody can mentor themselves."),
        ("mark", "manager or direct report"),
        ("nora", "no longer available as a mentor"),
        ("olly", "does not mentor Programming"),
        ("sally", "below the level needed (4)"),
    ],
)
def test_proposing_an_ineligible_mentor_is_refused(team, who, message) -> None:
    with pytest.raises(ValidationError) as exc:
        _propose(team, getattr(team, who))
    assert message in _messages(exc)["mentor"][0]
    assert not Pairing.objects.exists()


def test_proposing_for_a_competency_that_is_no_gap_is_refused(team) -> None:
    with pytest.raises(ValidationError) as exc:
        _propose(team, team.sam, competency=team.negotiation)
    assert "no gap" in _messages(exc)["competency"][0]
    other = CompetencyFactory(organization=team.org)
    with pytest.raises(ValidationError) as exc:
        _propose(team, team.sam, competency=other)
    assert "not required" in _messages(exc)["competency"][0]


def test_proposing_across_organisations_is_refused(team, outsider) -> None:
    with pytest.raises(ValidationError):
        _propose(team, outsider)
    with pytest.raises(PermissionDenied):
        _propose(team, team.sam, actor=outsider)
    assert not Pairing.objects.exists()


def test_default_dates_start_next_monday_for_the_default_length(org) -> None:
    thursday = dt.date(2030, 1, 3)
    assert default_pairing_dates(organization=org, today=thursday) == (
        dt.date(2030, 1, 7),
        dt.date(2030, 2, 18),
    )
    monday = dt.date(2030, 1, 7)
    assert default_pairing_dates(organization=org, today=monday)[0] == dt.date(2030, 1, 14)


# --- availability ---------------------------------------------------------------------------


def test_a_person_sets_their_own_availability(team, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        updated = availability_update(
            employee=team.sam,
            actor=team.sam,
            available=True,
            capacity=3,
            opted_out_competency_ids=[team.writing.pk],
        )
    assert updated.mentor_capacity == 3 and updated.mentor_available
    assert list(
        MentorOptOut.objects.filter(employee=team.sam).values_list("competency_id", flat=True)
    ) == [team.writing.pk]
    entry = AuditEntry.objects.get(subject_type="employee", subject_id=team.sam.pk)
    assert entry.changes["mentor_capacity"] == [2, 3]
    assert len(callbacks) == 1

    # Opting back in removes the opt-out; the same values again change nothing.
    availability_update(
        employee=team.sam, actor=team.sam, available=False, capacity=3, opted_out_competency_ids=[]
    )
    assert not MentorOptOut.objects.filter(employee=team.sam).exists()
    availability_update(
        employee=team.sam, actor=team.sam, available=False, capacity=3, opted_out_competency_ids=[]
    )
    assert AuditEntry.objects.filter(subject_type="employee", subject_id=team.sam.pk).count() == 2


def test_hr_may_set_anyones_availability_but_others_may_not(team, hr) -> None:
    kwargs = {"available": False, "capacity": 1, "opted_out_competency_ids": []}
    with pytest.raises(PermissionDenied):
        availability_update(employee=team.sam, actor=team.sally, **kwargs)
    availability_update(employee=team.sam, actor=hr, **kwargs)
    team.sam.refresh_from_db()
    assert not team.sam.mentor_available


@pytest.mark.parametrize("capacity", [-1, 11, "2"])
def test_capacity_is_a_whole_number_from_0_to_10(team, capacity) -> None:
    with pytest.raises(ValidationError) as exc:
        availability_update(
            employee=team.sam,
            actor=team.sam,
            available=True,
            capacity=capacity,
            opted_out_competency_ids=[],
        )
    assert "capacity" in _messages(exc)
    team.sam.refresh_from_db()
    assert team.sam.mentor_capacity == 2


def test_opt_outs_must_be_competencies_of_the_organisation(team, other_org) -> None:
    foreign = CompetencyFactory(organization=other_org)
    with pytest.raises(ValidationError) as exc:
        availability_update(
            employee=team.sam,
            actor=team.sam,
            available=True,
            capacity=2,
            opted_out_competency_ids=[team.writing.pk, foreign.pk],
        )
    assert _messages(exc) == {
        "opted_out_competency_ids": ["Choose competencies of this organisation."]
    }
    assert not MentorOptOut.objects.filter(employee=team.sam).exists()


# --- recompute now --------------------------------------------------------------------------


def test_hr_can_ask_for_a_recompute_now(team, hr, django_capture_on_commit_callbacks) -> None:
    from matching.models import MatchRun
    from matching.recompute import recompute_request

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        recompute_request(organization=team.org, actor=hr)
    assert len(callbacks) == 1
    assert MatchRun.objects.get(organization=team.org).trigger == "manual"


def test_only_hr_of_the_organisation_can_ask_for_a_recompute(team, outsider) -> None:
    from matching.recompute import recompute_request

    for actor in (team.mark, outsider):
        with pytest.raises(PermissionDenied):
            recompute_request(organization=team.org, actor=actor)
