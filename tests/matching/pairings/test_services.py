"""The pairing lifecycle services: every legal and illegal transition, who may do what, the
practice plan, check-ins, reflections, the re-assessment and the manager's confirmation.

Built on the `team` fixture (tests/matching/conftest.py): Emma (reports to Mark) has a
Programming gap (2 → 4); Sam (Sales, reports to Sally) is a confirmed Programming 5.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments.models import Assessment, Rating, SkillProfile
from assessments.services import assessment_start, rating_set
from matching.models import (
    CheckIn,
    MatchSuggestion,
    Pairing,
    PairingEvent,
    PlanItem,
    Reflection,
)
from matching.pairings import checkins, leavers, plan_items, rules, services
from matching.pairings.services import pairing_propose
from matching.recompute import recompute_organization
from mentorship.models import AuditEntry, Notification
from tests.factories import EmployeeFactory, LevelBehaviourFactory

State = Pairing.State
TASK = "Rewrite the invoice export in the billing service"


def propose(team, *, mentor=None, competency=None, weeks: int = 6) -> Pairing:
    today = timezone.localdate()
    return pairing_propose(
        mentee=team.emma,
        mentor=mentor or team.sam,
        competency=competency or team.programming,
        actor=team.mark,
        task=TASK,
        start_date=today,
        end_date=today + dt.timedelta(weeks=weeks),
    )


@pytest.fixture
def proposed(team) -> Pairing:
    return propose(team)


@pytest.fixture
def active(team, proposed) -> Pairing:
    return services.pairing_accept(pairing=proposed, actor=team.sam)


@pytest.fixture
def in_review(team, active) -> Pairing:
    return services.pairing_finish(pairing=active, actor=team.sam, reason="Task shipped early")


@pytest.fixture
def reassessed(team, in_review) -> Pairing:
    return services.pairing_reassess(
        pairing=in_review, actor=team.emma, level=4, evidence="Shipped"
    )


def fresh(pairing: Pairing) -> Pairing:
    return Pairing.objects.get(pk=pairing.pk)


def events(pairing: Pairing) -> list[tuple[str, str, str]]:
    return list(
        PairingEvent.objects.filter(pairing=pairing)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


def message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# --- Accept, decline, expire ----------------------------------------------------------------------


def test_mentor_accepts_and_the_plan_is_seeded_from_the_target_behaviours(team, proposed) -> None:
    LevelBehaviourFactory(
        organization=team.org,
        competency=team.programming,
        level=4,
        description="- Designs modules others can extend\n- Reviews code for correctness",
    )
    pairing = services.pairing_accept(pairing=proposed, actor=team.sam)

    assert fresh(pairing).state == State.ACTIVE
    assert fresh(pairing).accepted_at is not None
    assert list(PlanItem.objects.filter(pairing=pairing).values_list("text", "source")) == [
        ("Designs modules others can extend", "behaviour"),
        ("Reviews code for correctness", "behaviour"),
    ]
    assert events(pairing) == [("accepted", "proposed", "active")]
    event = PairingEvent.objects.get(pairing=pairing)
    assert event.actor == team.sam
    assert Notification.objects.filter(recipient=team.emma, kind="pairing_accepted").exists()
    assert Notification.objects.filter(recipient=team.mark, kind="pairing_accepted").exists()
    # The mentor was told of the proposal; accepting it tells them nothing more.
    assert set(Notification.objects.filter(recipient=team.sam).values_list("kind", flat=True)) == {
        "pairing_proposed"
    }
    assert AuditEntry.objects.filter(subject_type="pairing", action="accepted").exists()


def test_without_behaviours_the_plan_uses_the_scale_level_description(team, proposed) -> None:
    services.pairing_accept(pairing=proposed, actor=team.sam)

    items = list(PlanItem.objects.filter(pairing=proposed))
    assert len(items) == 1
    assert items[0].source == "scale"
    assert items[0].text.startswith("Advanced: ")


@pytest.mark.parametrize("who", ["emma", "mark", "sally", "pat"])
def test_only_the_mentor_can_accept(team, proposed, who) -> None:
    with pytest.raises(PermissionDenied, match="Only the mentor"):
        services.pairing_accept(pairing=proposed, actor=getattr(team, who))
    assert fresh(proposed).state == State.PROPOSED
    assert not PairingEvent.objects.exists()


def test_hr_admin_cannot_accept_for_the_mentor(team, proposed, hr) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_accept(pairing=proposed, actor=hr)


def test_accepting_twice_is_a_clear_error(team, active) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_accept(pairing=active, actor=team.sam)
    assert message(exc) == "This pairing is active; it can no longer be accepted."
    assert PlanItem.objects.filter(pairing=active).count() == 1


def test_accepting_after_the_response_window_is_refused(team, proposed) -> None:
    later = timezone.now() + dt.timedelta(days=5, minutes=1)
    with time_machine.travel(later), pytest.raises(ValidationError, match="expired"):
        services.pairing_accept(pairing=proposed, actor=team.sam)
    assert fresh(proposed).state == State.PROPOSED


def test_mentor_declines_with_a_reason_and_the_slot_frees(team, proposed) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_decline(pairing=proposed, actor=team.sam, reason="  ")
    assert "reason" in exc.value.message_dict
    assert fresh(proposed).state == State.PROPOSED

    services.pairing_decline(pairing=proposed, actor=team.sam, reason="On leave in May")

    assert fresh(proposed).state == State.DECLINED
    assert PairingEvent.objects.get(pairing=proposed).reason == "On leave in May"
    assert Notification.objects.filter(recipient=team.mark, kind="pairing_declined").exists()
    # The gap is free again: the manager can pair Emma with someone else.
    other = propose(team, mentor=team.pat)
    assert other.state == State.PROPOSED


def test_only_the_mentor_declines(team, proposed) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_decline(pairing=proposed, actor=team.mark, reason="No")


def test_declining_an_active_pairing_is_refused(team, active) -> None:
    with pytest.raises(ValidationError, match="it can no longer be declined"):
        services.pairing_decline(pairing=active, actor=team.sam, reason="Busy")


def test_unanswered_proposals_expire_after_the_window_once(team) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        pairing = propose(team)
    with time_machine.travel(start + dt.timedelta(days=4, hours=23), tick=False):
        assert services.pairings_expire_due(organization=team.org) == 0
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        assert services.pairings_expire_due(organization=team.org) == 1
        assert services.pairings_expire_due(organization=team.org) == 0

    assert fresh(pairing).state == State.EXPIRED
    assert events(pairing) == [("expired", "proposed", "expired")]
    assert PairingEvent.objects.get(pairing=pairing).actor is None
    assert Notification.objects.filter(recipient=team.mark, kind="pairing_expired").exists()


def test_the_response_window_comes_from_the_match_settings(team) -> None:
    from matching.models import MatchSettings

    MatchSettings.objects.create(organization=team.org, mentor_response_days=2)
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        propose(team)
    with time_machine.travel(start + dt.timedelta(days=2), tick=False):
        assert services.pairings_expire_due(organization=team.org) == 1


# --- Finish, end date, cancel, extend -------------------------------------------------------------


@pytest.mark.parametrize("who", ["sam", "emma"])
def test_mentor_or_mentee_finish_early(team, active, who) -> None:
    services.pairing_finish(pairing=active, actor=getattr(team, who))

    pairing = fresh(active)
    assert pairing.state == State.AWAITING_REVIEW
    assert pairing.finished_at is not None
    assert events(pairing)[-1] == ("finished", "active", "awaiting_review")
    assert Notification.objects.filter(recipient=team.emma, kind="reassessment_due").exists() == (
        who == "sam"
    )


def test_the_manager_cannot_finish_for_the_pair(team, active) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_finish(pairing=active, actor=team.mark)
    assert fresh(active).state == State.ACTIVE


def test_a_proposed_pairing_cannot_be_finished_yet(team, proposed) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_finish(pairing=proposed, actor=team.sam)
    assert message(exc) == "This pairing is proposed; it cannot be finished yet."


def test_pairings_whose_end_date_came_go_to_review(team, active) -> None:
    end = active.end_date
    assert services.pairings_end_due(organization=team.org, today=end - dt.timedelta(days=1)) == 0
    assert services.pairings_end_due(organization=team.org, today=end) == 1
    assert services.pairings_end_due(organization=team.org, today=end) == 0

    pairing = fresh(active)
    assert pairing.state == State.AWAITING_REVIEW
    assert events(pairing)[-1] == ("ended", "active", "awaiting_review")


@pytest.mark.parametrize("who", ["sam", "emma", "mark"])
def test_either_party_or_the_mentees_manager_cancel_with_a_reason(team, active, who) -> None:
    services.pairing_cancel(pairing=active, actor=getattr(team, who), reason="Project cancelled")

    pairing = fresh(active)
    assert pairing.state == State.CANCELLED
    assert PairingEvent.objects.filter(pairing=pairing, action="cancelled").get().reason == (
        "Project cancelled"
    )


def test_a_proposal_can_be_cancelled(team, proposed) -> None:
    services.pairing_cancel(pairing=proposed, actor=team.mark, reason="Wrong competency")
    assert fresh(proposed).state == State.CANCELLED


@pytest.mark.parametrize("who", ["sally", "pat"])
def test_colleagues_cannot_cancel(team, active, who) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_cancel(pairing=active, actor=getattr(team, who), reason="Because")
    assert fresh(active).state == State.ACTIVE


def test_hr_cannot_cancel_someone_elses_pairing(team, active, hr) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_cancel(pairing=active, actor=hr, reason="Because")


def test_cancelling_needs_a_reason(team, active) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_cancel(pairing=active, actor=team.emma, reason="")
    assert "reason" in exc.value.message_dict
    assert fresh(active).state == State.ACTIVE


def test_a_completed_pairing_can_no_longer_be_cancelled(team, reassessed) -> None:
    services.pairing_confirm(pairing=reassessed, actor=team.mark, level=4)
    with pytest.raises(ValidationError) as exc:
        services.pairing_cancel(pairing=reassessed, actor=team.mark, reason="Oops")
    assert message(exc) == "This pairing is completed; it can no longer be cancelled."


def test_a_pairing_in_review_can_no_longer_be_cancelled(team, in_review) -> None:
    with pytest.raises(ValidationError, match="awaiting review; it can no longer be cancelled"):
        services.pairing_cancel(pairing=in_review, actor=team.emma, reason="Oops")


def test_extend_once_with_a_reason_within_the_maximum(team, active) -> None:
    new_end = active.end_date + dt.timedelta(weeks=2)
    services.pairing_extend(
        pairing=active, actor=team.emma, end_date=new_end, reason="Launch slipped"
    )

    pairing = fresh(active)
    assert pairing.end_date == new_end
    assert pairing.original_end_date == active.end_date
    assert pairing.extension_reason == "Launch slipped"
    assert events(pairing)[-1] == ("extended", "active", "active")

    with pytest.raises(ValidationError, match="already extended once"):
        services.pairing_extend(
            pairing=pairing,
            actor=team.emma,
            end_date=new_end + dt.timedelta(days=1),
            reason="Again",
        )
    assert fresh(active).end_date == new_end


def test_an_extension_past_the_maximum_length_is_refused(team, active) -> None:
    too_late = active.start_date + dt.timedelta(weeks=team.org.max_pairing_weeks, days=1)
    with pytest.raises(ValidationError) as exc:
        services.pairing_extend(pairing=active, actor=team.sam, end_date=too_late, reason="More")
    assert "at most 12 weeks" in exc.value.message_dict["end_date"][0]
    assert fresh(active).end_date == active.end_date
    assert fresh(active).original_end_date is None


def test_an_extension_must_end_after_the_current_end(team, active) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_extend(pairing=active, actor=team.sam, end_date=active.end_date, reason="")
    assert set(exc.value.message_dict) == {"end_date", "reason"}


def test_colleagues_cannot_extend(team, active) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_extend(
            pairing=active,
            actor=team.sally,
            end_date=active.end_date + dt.timedelta(days=7),
            reason="More time",
        )


def test_a_proposal_cannot_be_extended_yet(team, proposed) -> None:
    with pytest.raises(ValidationError, match="cannot be extended yet"):
        services.pairing_extend(
            pairing=proposed,
            actor=team.sam,
            end_date=proposed.end_date + dt.timedelta(days=7),
            reason="More time",
        )


# --- Re-assessment and confirmation ---------------------------------------------------------------


def test_the_mentee_reassesses_that_one_competency(team, in_review) -> None:
    # A normal self-assessment in progress stays as it is.
    draft = assessment_start(subject=team.emma, assessor=team.emma, kind="self")
    rating_set(assessment=draft, actor=team.emma, competency=team.writing, level=2)

    services.pairing_reassess(pairing=in_review, actor=team.emma, level=4, evidence="Shipped it")

    pairing = fresh(in_review)
    assert (pairing.state, pairing.reassessed_level) == (State.AWAITING_REVIEW, 4)
    focused = Assessment.objects.get(focus_competency=team.programming)
    assert (focused.kind, focused.status, focused.subject) == ("self", "submitted", team.emma)
    assert list(Rating.objects.filter(assessment=focused).values_list("level", flat=True)) == [4]
    profile = SkillProfile.objects.get(employee=team.emma, competency=team.programming)
    assert (profile.self_level, profile.effective_level) == (4, 4)
    assert Assessment.objects.get(pk=draft.pk).is_draft
    assert Notification.objects.filter(recipient=team.mark, kind="confirmation_due").exists()


def test_only_the_mentee_reassesses_and_only_in_review(team, active, in_review) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_reassess(pairing=in_review, actor=team.sam, level=4)


def test_reassessing_an_active_pairing_is_not_yet_possible(team, active) -> None:
    with pytest.raises(ValidationError, match="cannot be re-assessed yet"):
        services.pairing_reassess(pairing=active, actor=team.emma, level=4)
    assert not Assessment.objects.filter(focus_competency__isnull=False).exists()


def test_a_level_outside_the_scale_is_refused(team, in_review) -> None:
    with pytest.raises(ValidationError) as exc:
        services.pairing_reassess(pairing=in_review, actor=team.emma, level=9)
    assert "outside" in exc.value.message_dict["level"][0]
    assert fresh(in_review).reassessed_at is None
    assert not Assessment.objects.filter(focus_competency__isnull=False).exists()


def test_reassessing_twice_is_refused(team, reassessed) -> None:
    with pytest.raises(ValidationError, match="already re-assessed"):
        services.pairing_reassess(pairing=reassessed, actor=team.emma, level=5)


def test_the_manager_confirms_and_the_outcome_is_achieved(team, reassessed) -> None:
    profile = SkillProfile.objects.get(employee=team.emma, competency=team.programming)
    profile.first_gap_seen_at = timezone.now() - dt.timedelta(days=40)
    profile.save(update_fields=["first_gap_seen_at"])

    services.pairing_confirm(pairing=reassessed, actor=team.mark, level=4, evidence="Reviewed")

    pairing = fresh(reassessed)
    assert pairing.state == State.COMPLETED
    assert pairing.outcome == Pairing.Outcome.ACHIEVED
    assert pairing.confirmed_level == 4
    assert pairing.days_to_proficiency == 40
    assert pairing.completed_at is not None
    profile.refresh_from_db()
    assert (profile.manager_level, profile.effective_level, profile.manager_confirmed) == (
        4,
        4,
        True,
    )
    manager_assessment = Assessment.objects.get(kind="manager", focus_competency=team.programming)
    assert manager_assessment.assessor == team.mark
    assert events(pairing)[-1] == ("confirmed", "awaiting_review", "completed")
    assert Notification.objects.filter(recipient=team.sam, kind="pairing_completed").exists()


def test_a_level_below_the_target_is_not_achieved(team, reassessed) -> None:
    services.pairing_confirm(pairing=reassessed, actor=team.mark, level=3)

    pairing = fresh(reassessed)
    assert pairing.outcome == Pairing.Outcome.NOT_ACHIEVED
    assert pairing.days_to_proficiency is None
    assert pairing.state == State.COMPLETED


@pytest.mark.parametrize("who", ["emma", "sam", "sally"])
def test_only_the_mentees_manager_confirms(team, reassessed, who) -> None:
    with pytest.raises(PermissionDenied, match="Only Emma Stone's manager can confirm"):
        services.pairing_confirm(pairing=reassessed, actor=getattr(team, who), level=4)
    assert fresh(reassessed).state == State.AWAITING_REVIEW
    assert not Assessment.objects.filter(kind="manager", focus_competency__isnull=False).exists()


def test_hr_cannot_confirm_for_the_manager(team, reassessed, hr) -> None:
    with pytest.raises(PermissionDenied):
        services.pairing_confirm(pairing=reassessed, actor=hr, level=4)


def test_confirming_before_the_reassessment_is_refused(team, in_review) -> None:
    with pytest.raises(ValidationError, match="Wait for"):
        services.pairing_confirm(pairing=in_review, actor=team.mark, level=4)


def test_confirming_an_active_pairing_is_not_yet_possible(team, active) -> None:
    with pytest.raises(ValidationError, match="cannot be confirmed yet"):
        services.pairing_confirm(pairing=active, actor=team.mark, level=4)


def test_after_confirmation_the_recompute_drops_the_gaps_suggestions(team, reassessed) -> None:
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    services.pairing_confirm(pairing=reassessed, actor=team.mark, level=4)
    recompute_organization(organization_id=team.org.pk, trigger="manual")

    assert not MatchSuggestion.objects.filter(
        mentee=team.emma, competency=team.programming, status="open"
    ).exists()
    # Writing, still a gap, keeps its suggestions.
    assert MatchSuggestion.objects.filter(
        mentee=team.emma, competency=team.writing, status="open"
    ).exists()


def test_the_mentee_thanks_the_mentor_once_complete(team, reassessed) -> None:
    with pytest.raises(ValidationError, match="cannot be thanked yet"):
        services.pairing_thank(pairing=reassessed, actor=team.emma, note="Thanks!")
    services.pairing_confirm(pairing=reassessed, actor=team.mark, level=4)
    with pytest.raises(PermissionDenied):
        services.pairing_thank(pairing=reassessed, actor=team.mark, note="Thanks!")
    with pytest.raises(ValidationError):
        services.pairing_thank(pairing=reassessed, actor=team.emma, note="   ")

    services.pairing_thank(pairing=reassessed, actor=team.emma, note="Thank you, Sam!")

    assert fresh(reassessed).thank_you_note == "Thank you, Sam!"
    assert Notification.objects.filter(recipient=team.sam, kind="pairing_thanked").exists()


# --- Practice plan --------------------------------------------------------------------------------


def test_the_pair_edit_the_plan(team, active) -> None:
    item = plan_items.plan_item_add(pairing=active, actor=team.emma, text="Pair on one code review")
    plan_items.plan_item_update(item=item, actor=team.sam, text="Pair on two code reviews")
    assert PlanItem.objects.get(pk=item.pk).text == "Pair on two code reviews"
    plan_items.plan_item_remove(item=item, actor=team.emma)
    assert not PlanItem.objects.filter(pk=item.pk).exists()


def test_the_manager_cannot_edit_the_plan(team, active) -> None:
    with pytest.raises(PermissionDenied):
        plan_items.plan_item_add(pairing=active, actor=team.mark, text="Do more")


def test_an_empty_plan_item_is_refused(team, active) -> None:
    with pytest.raises(ValidationError) as exc:
        plan_items.plan_item_add(pairing=active, actor=team.emma, text=" ")
    assert "text" in exc.value.message_dict


def test_the_plan_cannot_change_once_in_review(team, in_review) -> None:
    with pytest.raises(ValidationError, match="its plan can no longer be changed"):
        plan_items.plan_item_add(pairing=in_review, actor=team.emma, text="One more")


def test_the_mentee_ticks_and_the_mentor_confirms(team, active) -> None:
    item = PlanItem.objects.get(pairing=active)
    with pytest.raises(ValidationError, match="not ticked"):
        plan_items.plan_item_confirm(item=item, actor=team.sam)
    with pytest.raises(PermissionDenied):
        plan_items.plan_item_tick(item=item, actor=team.sam, done=True)

    plan_items.plan_item_tick(item=item, actor=team.emma, done=True)
    with pytest.raises(PermissionDenied):
        plan_items.plan_item_confirm(item=item, actor=team.emma)
    plan_items.plan_item_confirm(item=item, actor=team.sam)

    item.refresh_from_db()
    assert item.is_done and item.is_confirmed
    plan_items.plan_item_tick(item=item, actor=team.emma, done=False)
    item.refresh_from_db()
    assert not item.is_done and not item.is_confirmed


def test_an_item_of_another_pairing_is_not_found(team, active) -> None:
    other = propose(team, competency=team.writing)
    services.pairing_accept(pairing=other, actor=team.sam)
    item = PlanItem.objects.get(pairing=other)
    item.pairing = active  # a forged reference
    with pytest.raises(ValidationError, match="no longer exists"):
        plan_items.plan_item_tick(item=item, actor=team.emma, done=True)


# --- Check-ins and reflections --------------------------------------------------------------------


def check_in(**overrides) -> rules.CheckInInput:
    values = {
        "date": timezone.localdate(),
        "notes": "Walked through the export",
        "went_well": "Clear tests first",
        "to_improve": "Smaller commits",
        "why_it_matters": "Reviews get faster",
        "next_check_in": timezone.localdate() + dt.timedelta(days=7),
    }
    values.update(overrides)
    return rules.CheckInInput(**values)


@pytest.mark.parametrize("who", ["sam", "emma"])
def test_either_party_logs_a_check_in(team, active, who) -> None:
    created = checkins.check_in_add(pairing=active, actor=getattr(team, who), data=check_in())

    assert created.went_well == "Clear tests first"
    other = team.emma if who == "sam" else team.sam
    assert Notification.objects.filter(recipient=other, kind="check_in").exists()


def test_the_manager_does_not_log_check_ins(team, active) -> None:
    with pytest.raises(PermissionDenied):
        checkins.check_in_add(pairing=active, actor=team.mark, data=check_in())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": timezone.localdate() + dt.timedelta(days=1)}, "date"),
        ({"date": timezone.localdate() - dt.timedelta(days=30)}, "date"),
        ({"next_check_in": timezone.localdate()}, "next_check_in"),
        ({"notes": "", "went_well": "", "to_improve": "", "why_it_matters": ""}, "went_well"),
        ({"went_well": "x" * 2001}, "went_well"),
    ],
)
def test_bad_check_ins_are_refused(team, active, overrides, field) -> None:
    with pytest.raises(ValidationError) as exc:
        checkins.check_in_add(pairing=active, actor=team.sam, data=check_in(**overrides))
    assert field in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_the_next_check_in_falls_between_this_one_and_the_pairings_end(team, active) -> None:
    end = active.end_date
    with pytest.raises(ValidationError) as exc:
        checkins.check_in_add(
            pairing=active, actor=team.sam, data=check_in(next_check_in=end + dt.timedelta(days=1))
        )
    assert exc.value.message_dict == {
        "next_check_in": [
            f"The next check-in cannot be after {end.day} {end:%b %Y}, when the pairing ends."
        ]
    }
    before = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        checkins.check_in_add(pairing=active, actor=team.sam, data=check_in(next_check_in=before))
    assert exc.value.message_dict == {
        "next_check_in": ["The next check-in must be after this one."]
    }
    assert not CheckIn.objects.exists()

    created = checkins.check_in_add(
        pairing=active, actor=team.sam, data=check_in(next_check_in=end)
    )
    assert created.next_check_in == end


def test_no_check_in_on_a_proposal(team, proposed) -> None:
    with pytest.raises(ValidationError, match="check-ins cannot be logged yet"):
        checkins.check_in_add(pairing=proposed, actor=team.sam, data=check_in())


def test_reflections_are_private_until_shared(team, active) -> None:
    reflection = checkins.reflection_add(
        pairing=active,
        actor=team.emma,
        what_i_did="Wrote the tests first",
        why="To pin the format",
        what_i_would_change="Ask earlier",
    )
    assert not reflection.shared_with_mentor
    assert not Notification.objects.filter(recipient=team.sam, kind="reflection_shared").exists()

    checkins.reflection_share(reflection=reflection, actor=team.emma, shared=True)

    assert Reflection.objects.get(pk=reflection.pk).shared_with_mentor
    assert Notification.objects.filter(recipient=team.sam, kind="reflection_shared").exists()
    with pytest.raises(PermissionDenied):
        checkins.reflection_share(reflection=reflection, actor=team.sam, shared=False)


def test_only_the_mentee_reflects(team, active) -> None:
    with pytest.raises(PermissionDenied):
        checkins.reflection_add(pairing=active, actor=team.sam, what_i_did="Something")
    with pytest.raises(ValidationError) as exc:
        checkins.reflection_add(pairing=active, actor=team.emma, what_i_did="")
    assert "what_i_did" in exc.value.message_dict


# --- People leaving -------------------------------------------------------------------------------


def test_someone_leaving_cancels_proposals_and_flags_running_pairings(
    team, proposed, monkeypatch
) -> None:
    from mentorship import hooks
    from mentorship import services as people

    monkeypatch.setattr(
        hooks, "_deactivation_hooks_in_transaction", [leavers.on_employees_deactivated]
    )
    running = propose(team, competency=team.writing)
    services.pairing_accept(pairing=running, actor=team.sam)

    people.employee_deactivate(employee=team.sam, actor=None)

    cancelled = fresh(proposed)
    assert cancelled.state == State.CANCELLED
    assert PairingEvent.objects.get(pairing=cancelled, action="cancelled").reason == (
        "Sam Test left the organisation."
    )
    assert fresh(running).state == State.ACTIVE
    flag = Notification.objects.get(recipient=team.mark, kind="pairing_flagged")
    assert "Sam Test left the organisation" in flag.message
    # Someone who left is told nothing more (only the proposals made while they were here).
    assert set(Notification.objects.filter(recipient=team.sam).values_list("kind", flat=True)) == {
        "pairing_proposed"
    }


def test_a_mentee_leaving_flags_their_manager(team, active) -> None:
    other_manager = EmployeeFactory(organization=team.org)
    team.emma.manager = other_manager
    team.emma.save(update_fields=["manager"])
    leavers.on_employees_deactivated(organization=team.org, employee_ids=[team.emma.pk], actor=None)
    assert Notification.objects.filter(recipient=other_manager, kind="pairing_flagged").exists()


def test_a_mentor_leaving_flags_the_mentee_when_nobody_manages_them(team, active) -> None:
    team.emma.manager = None
    team.emma.save(update_fields=["manager"])
    leavers.on_employees_deactivated(organization=team.org, employee_ids=[team.sam.pk], actor=None)
    flag = Notification.objects.get(kind="pairing_flagged")
    assert flag.recipient == team.emma
    assert "Sam Test left the organisation" in flag.message
