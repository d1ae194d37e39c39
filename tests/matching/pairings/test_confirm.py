"""Who confirms a pairing's outcome: the mentee's manager, or an HR admin when there is no
manager to do it (none, a deactivated one, or the manager is also the mentor); never the mentee
or the mentor. The service, the reminders, the pairing page and "My mentoring" agree.

Built on the `team` fixture (tests/matching/conftest.py): Emma (reports to Mark) has a
Programming gap (2 → 4); Sam (Sales, reports to Sally) mentors her.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, SkillProfile
from assessments.services import assessment_submit_focused
from matching.models import Pairing, ReminderSent
from matching.pairings import reminders, rules, selectors, services
from matching.pairings.services import pairing_propose
from mentorship import services as people
from mentorship.models import Employee, Notification
from tests.factories import EmployeeFactory, UserFactory

State = Pairing.State
TASK = "Rewrite the invoice export in the billing service"
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def propose(team, *, competency=None) -> Pairing:
    today = timezone.localdate()
    return pairing_propose(
        mentee=team.emma,
        mentor=team.sam,
        competency=competency or team.programming,
        actor=team.mark,
        task=TASK,
        start_date=today,
        end_date=today + dt.timedelta(weeks=6),
    )


def to_review(team, pairing: Pairing) -> Pairing:
    services.pairing_accept(pairing=pairing, actor=team.sam)
    return services.pairing_finish(pairing=pairing, actor=team.sam)


def reassess(team, pairing: Pairing) -> Pairing:
    return services.pairing_reassess(pairing=pairing, actor=team.emma, level=4, evidence="Shipped")


def without_manager(team) -> None:
    people.employee_set_manager(employee=team.emma, actor=None, manager=None)
    team.emma.refresh_from_db()


def make_hr(person: Employee) -> Employee:
    person.is_hr_admin = True
    person.save(update_fields=["is_hr_admin"])
    return person


def fresh(pairing: Pairing) -> Pairing:
    return Pairing.objects.select_related("mentee__manager").get(pk=pairing.pk)


def roles(pairing: Pairing, person: Employee) -> set[str]:
    return rules.parties_of(fresh(pairing), person)


@pytest.fixture
def in_review(team) -> Pairing:
    return to_review(team, propose(team))


@pytest.fixture
def managerless(team, in_review) -> Pairing:
    """Reassessed, and Emma has no manager (she was moved to the top of the chart first)."""
    without_manager(team)
    return reassess(team, in_review)


@pytest.fixture
def reassessed(team, in_review) -> Pairing:
    return reassess(team, in_review)


@pytest.fixture
def hr2(org) -> Employee:
    return EmployeeFactory(
        organization=org,
        user=UserFactory(email="hr2@acme.test", first_name="Harold", last_name="Roe"),
        is_hr_admin=True,
    )


# --- The service --------------------------------------------------------------------------------


def test_an_hr_admin_confirms_when_the_mentee_has_no_manager(team, managerless, hr) -> None:
    services.pairing_confirm(pairing=managerless, actor=hr, level=4, evidence="Checked the export")

    pairing = fresh(managerless)
    assert (pairing.state, pairing.confirmed_level) == (State.COMPLETED, 4)
    assert pairing.outcome == Pairing.Outcome.ACHIEVED
    rating = Assessment.objects.get(kind="manager", focus_competency=team.programming)
    assert (rating.assessor, rating.subject) == (hr, team.emma)
    profile = SkillProfile.objects.get(employee=team.emma, competency=team.programming)
    assert (profile.manager_level, profile.effective_level, profile.manager_confirmed) == (
        4,
        4,
        True,
    )
    completed = Notification.objects.get(recipient=team.emma, kind="pairing_completed")
    assert completed.message.startswith("Hana Reyes confirmed Emma Stone at level 4")


def test_an_hr_admin_cannot_confirm_when_there_is_a_manager(team, reassessed, hr) -> None:
    with pytest.raises(PermissionDenied) as exc:
        services.pairing_confirm(pairing=reassessed, actor=hr, level=4)
    assert str(exc.value) == "Only Emma Stone's manager can confirm the outcome; ask Mark Ito."
    assert fresh(reassessed).state == State.AWAITING_REVIEW
    assert not Assessment.objects.filter(kind="manager", focus_competency__isnull=False).exists()


def test_without_a_manager_a_colleague_is_told_an_hr_admin_confirms(team, managerless) -> None:
    with pytest.raises(PermissionDenied) as exc:
        services.pairing_confirm(pairing=managerless, actor=team.pat, level=4)
    assert str(exc.value) == (
        "Only an HR admin can confirm the outcome: Emma Stone has no active manager."
    )


def test_the_former_manager_cannot_confirm_once_emma_has_no_manager(team, managerless) -> None:
    with pytest.raises(PermissionDenied, match="Only an HR admin"):
        services.pairing_confirm(pairing=managerless, actor=team.mark, level=4)


def test_a_mentee_who_is_hr_admin_cannot_confirm_their_own_pairing(team, managerless) -> None:
    make_hr(team.emma)
    with pytest.raises(PermissionDenied) as exc:
        services.pairing_confirm(pairing=managerless, actor=team.emma, level=5)
    assert str(exc.value).startswith("You cannot confirm your own pairing: Emma Stone has no")
    assert fresh(managerless).state == State.AWAITING_REVIEW


def test_a_mentee_who_is_hr_admin_cannot_confirm_over_her_manager(team, reassessed) -> None:
    make_hr(team.emma)
    with pytest.raises(PermissionDenied, match="ask Mark Ito"):
        services.pairing_confirm(pairing=reassessed, actor=team.emma, level=5)


def test_a_mentor_who_is_hr_admin_cannot_confirm(team, managerless) -> None:
    make_hr(team.sam)
    with pytest.raises(PermissionDenied, match="As the mentor you cannot confirm"):
        services.pairing_confirm(pairing=managerless, actor=team.sam, level=4)


def test_when_the_manager_became_the_mentor_an_hr_admin_confirms(team, in_review, hr) -> None:
    # Proposing Emma's manager as her mentor is refused, but the chart can change afterwards.
    people.employee_set_manager(employee=team.emma, actor=None, manager=team.sam)
    pairing = reassess(team, in_review)
    assert roles(pairing, team.sam) == {rules.Party.MENTOR, rules.Party.MANAGER}

    with pytest.raises(PermissionDenied) as exc:
        services.pairing_confirm(pairing=pairing, actor=team.sam, level=4)
    assert str(exc.value) == (
        "As the mentor you cannot confirm the outcome: Sam Test is both Emma Stone's manager "
        "and the mentor, so an HR admin confirms it."
    )
    services.pairing_confirm(pairing=pairing, actor=hr, level=4)
    assert fresh(pairing).state == State.COMPLETED


def test_after_the_manager_leaves_the_next_manager_up_confirms(team, in_review, hr) -> None:
    # Deactivation moves Emma up to Mark's own manager: that person confirms, not HR.
    people.employee_set_manager(employee=team.mark, actor=None, manager=team.sally)
    people.employee_deactivate(employee=team.mark, actor=hr)
    pairing = reassess(team, in_review)

    with pytest.raises(PermissionDenied, match="ask Sally Test"):
        services.pairing_confirm(pairing=pairing, actor=hr, level=4)
    services.pairing_confirm(pairing=pairing, actor=team.sally, level=4)
    assert fresh(pairing).state == State.COMPLETED


def test_after_a_top_level_manager_leaves_an_hr_admin_confirms(team, in_review, hr) -> None:
    people.employee_deactivate(employee=team.mark, actor=hr)
    team.emma.refresh_from_db()
    assert team.emma.manager_id is None  # Mark reported to nobody: Emma moved to the top

    pairing = reassess(team, in_review)
    services.pairing_confirm(pairing=pairing, actor=hr, level=3)
    assert fresh(pairing).outcome == Pairing.Outcome.NOT_ACHIEVED


def test_a_deactivated_manager_still_on_record_does_not_block_hr(team, reassessed, hr) -> None:
    Employee.objects.filter(pk=team.mark.pk).update(is_active=False)
    pairing = fresh(reassessed)
    assert rules.confirmers(pairing) == [hr]
    services.pairing_confirm(pairing=reassessed, actor=hr, level=4)
    assert fresh(reassessed).state == State.COMPLETED


def test_hr_confirming_before_the_reassessment_is_a_validation_error(team, in_review, hr) -> None:
    without_manager(team)
    with pytest.raises(ValidationError, match="Wait for Emma Stone's re-assessment"):
        services.pairing_confirm(pairing=in_review, actor=hr, level=4)


def test_only_an_hr_admin_rates_in_a_managers_place(team) -> None:
    with pytest.raises(ValidationError, match="Only an HR admin"):
        assessment_submit_focused(
            subject=team.emma,
            assessor=team.pat,
            kind=Assessment.Kind.MANAGER,
            competency=team.programming,
            level=4,
            in_place_of_manager=True,
        )
    assert not Assessment.objects.filter(focus_competency__isnull=False).exists()


# --- Who is told ----------------------------------------------------------------------------------


def test_the_reassessment_asks_the_hr_admins_when_there_is_no_manager(
    team, in_review, hr, hr2
) -> None:
    make_hr(team.sam)  # the mentor is an HR admin too: not asked to confirm their own pairing
    without_manager(team)
    reassess(team, in_review)

    asked = Notification.objects.filter(kind="confirmation_due")
    assert set(asked.values_list("recipient", flat=True)) == {hr.pk, hr2.pk}
    assert "as an HR admin: Emma Stone has no active manager" in asked.first().message
    assert not Notification.objects.filter(recipient=team.mark, kind="confirmation_due").exists()


def test_the_reassessment_asks_only_the_manager_when_there_is_one(team, reassessed, hr) -> None:
    asked = Notification.objects.filter(kind="confirmation_due")
    assert list(asked.values_list("recipient", flat=True)) == [team.mark.pk]


def test_the_confirmation_reminder_goes_to_the_hr_admins_without_a_manager(
    team, hr, hr2, django_capture_on_commit_callbacks
) -> None:
    make_hr(team.emma)  # the mentee is an HR admin too: never reminded to confirm herself
    with time_machine.travel(MONDAY, tick=False):
        pairing = to_review(team, propose(team))
        without_manager(team)
        reassess(team, pairing)
    Notification.objects.all().delete()

    with (
        time_machine.travel(MONDAY + dt.timedelta(days=2), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders.pairing_reminders_send(organization=team.org) == 1
        assert reminders.pairing_reminders_send(organization=team.org) == 0

    reminded = Notification.objects.filter(kind=ReminderSent.Kind.CONFIRMATION_DUE)
    assert sorted(reminded.values_list("recipient", flat=True)) == sorted([hr.pk, hr2.pk])
    assert "please confirm the level they reached (as an HR admin" in reminded.first().message


# --- The pairing page and My mentoring --------------------------------------------------------------


def test_available_actions_follow_the_rule(team, reassessed, hr) -> None:
    def actions(person: Employee) -> set[str]:
        p = fresh(reassessed)
        return selectors.available_actions(p, rules.parties_of(p, person))

    assert "confirm" in actions(team.mark)
    assert "confirm" not in actions(hr)
    without_manager(team)
    assert "confirm" in actions(hr)
    assert "confirm" not in actions(team.mark)
    assert "confirm" not in actions(make_hr(team.emma))


def url(pairing: Pairing, action: str = "") -> str:
    return f"/o/{pairing.organization.slug}/pairings/{pairing.pk}/" + (
        f"{action}/" if action else ""
    )


def test_the_page_offers_the_confirm_form_to_hr_without_a_manager(
    client_for, team, managerless, hr
) -> None:
    emma_page = client_for(team.emma).get(url(managerless)).content.decode()
    assert "Waiting for an HR admin to confirm the level." in emma_page

    c = client_for(hr)
    page = c.get(url(managerless)).content.decode()
    assert "Confirm Emma Stone's level in Programming" in page
    assert "You are the HR admin." in page and "read-only" not in page

    response = c.post(url(managerless, "confirm"), {"level": "4"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert fresh(managerless).state == State.COMPLETED


def test_the_page_stays_read_only_for_hr_when_there_is_a_manager(
    client_for, team, reassessed, hr
) -> None:
    c = client_for(hr)
    page = c.get(url(reassessed)).content.decode()
    assert "Confirm Emma Stone's level" not in page and "read-only" in page
    assert "Waiting for Mark Ito to confirm the level." in page
    assert c.post(url(reassessed, "confirm"), {"level": "4"}).status_code == 403
    assert fresh(reassessed).state == State.AWAITING_REVIEW


def test_my_mentoring_asks_hr_to_confirm_without_a_manager(
    client_for, team, managerless, hr, django_assert_max_num_queries
) -> None:
    assert [a.what for a in selectors.my_mentoring(employee=hr).needs_action] == [
        "Confirm Emma Stone's level"
    ]
    assert selectors.my_mentoring(employee=team.mark).needs_action == []
    # Nor the mentee, even as an HR admin: she re-assessed, and does not confirm herself.
    assert selectors.my_mentoring(employee=make_hr(team.emma)).needs_action == []

    c = client_for(hr)
    with django_assert_max_num_queries(12):
        body = c.get("/o/acme/mentoring/").content.decode()
    assert "Confirm Emma Stone&#x27;s level" in body


def test_my_mentoring_does_not_ask_hr_when_there_is_a_manager(team, reassessed, hr) -> None:
    assert selectors.my_mentoring(employee=hr).needs_action == []
    assert [a.what for a in selectors.my_mentoring(employee=team.mark).needs_action] == [
        "Confirm Emma Stone's level"
    ]


def test_my_mentoring_asks_hr_when_the_manager_is_the_mentor(team, in_review, hr) -> None:
    people.employee_set_manager(employee=team.emma, actor=None, manager=team.sam)
    reassess(team, in_review)
    assert [a.what for a in selectors.my_mentoring(employee=hr).needs_action] == [
        "Confirm Emma Stone's level"
    ]
    sam_needs = [a.what for a in selectors.my_mentoring(employee=team.sam).needs_action]
    assert "Confirm Emma Stone's level" not in sam_needs


def test_my_mentoring_for_hr_does_not_grow_in_queries(client_for, team, managerless, hr) -> None:
    c = client_for(hr)
    c.get("/o/acme/mentoring/")
    with CaptureQueriesContext(connection) as one:
        c.get("/o/acme/mentoring/")
    second = propose_as_hr(team, hr)
    reassess(team, to_review(team, second))
    with CaptureQueriesContext(connection) as two:
        body = c.get("/o/acme/mentoring/").content.decode()
    assert body.count("Confirm Emma Stone&#x27;s level") == 2
    assert len(two) == len(one)


def propose_as_hr(team, hr: Employee) -> Pairing:
    today = timezone.localdate()
    return pairing_propose(
        mentee=team.emma,
        mentor=team.sam,
        competency=team.writing,
        actor=hr,
        task="Write the release notes for the export",
        start_date=today,
        end_date=today + dt.timedelta(weeks=2),
    )
