"""The pairings API: list filters, transitions, plan items, check-ins, reflections, timeline;
who may do what, and bad input answered in the one error format with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import CheckIn, Pairing, PlanItem, Reflection
from matching.pairings import services
from matching.pairings.services import pairing_propose
from tests.api.helpers import assert_error, ids
from tests.matching.conftest import team  # noqa: F401  (the shared small organisation)

PAIRINGS = "/api/v1/pairings/"
State = Pairing.State


def at(pairing: Pairing, action: str = "") -> str:
    return f"{PAIRINGS}{pairing.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def proposed(team) -> Pairing:  # noqa: F811
    today = timezone.localdate()
    return pairing_propose(
        mentee=team.emma,
        mentor=team.sam,
        competency=team.programming,
        actor=team.mark,
        task="Rewrite the invoice export in the billing service",
        start_date=today,
        end_date=today + dt.timedelta(weeks=6),
    )


@pytest.fixture
def active(team, proposed) -> Pairing:  # noqa: F811
    return services.pairing_accept(pairing=proposed, actor=team.sam)


def state(pairing: Pairing) -> str:
    return Pairing.objects.get(pk=pairing.pk).state


# --- Access ---------------------------------------------------------------------------------------


def test_anonymous_requests_are_refused(api_for, proposed) -> None:
    c = api_for(None)
    assert_error(c.get(PAIRINGS), 401)
    assert_error(c.post(at(proposed, "accept")), 401)
    assert_error(c.get(at(proposed, "check-ins")), 401)
    assert state(proposed) == State.PROPOSED


def test_another_organisation_gets_404(api_for, outsider, active) -> None:
    c = api_for(outsider)
    assert_error(c.get(at(active)), 404)
    assert_error(c.post(at(active, "cancel"), {"reason": "x"}), 404)
    assert_error(c.post(at(active, "check-ins"), {"date": "2026-01-01"}), 404)
    assert ids(c.get(PAIRINGS)) == set()


def test_a_colleague_gets_404_on_transitions_and_check_ins(api_for, team, active) -> None:  # noqa: F811
    c = api_for(team.pat)
    assert_error(c.post(at(active, "finish")), 404)
    body = {"date": timezone.localdate().isoformat(), "went_well": "Sneaky"}
    assert_error(c.post(at(active, "check-ins"), body), 404)
    assert_error(c.get(at(active, "reflections")), 404)
    assert not CheckIn.objects.exists()


def test_the_wrong_person_gets_403(api_for, team, proposed) -> None:  # noqa: F811
    assert_error(api_for(team.emma).post(at(proposed, "accept")), 403)
    assert_error(api_for(team.mark).post(at(proposed, "decline"), {"reason": "No"}), 403)
    assert state(proposed) == State.PROPOSED


def test_hr_reads_but_does_not_act(api_for, hr, active) -> None:
    c = api_for(hr)
    assert c.get(at(active, "check-ins")).status_code == 200
    assert c.get(at(active, "timeline")).status_code == 200
    assert_error(c.post(at(active, "cancel"), {"reason": "HR says"}), 403)


# --- List filters ---------------------------------------------------------------------------------


def test_role_state_and_competency_filters(api_for, team, active) -> None:  # noqa: F811
    emma, sam = api_for(team.emma), api_for(team.sam)
    assert ids(emma.get(PAIRINGS, {"role": "mentee"})) == {active.pk}
    assert ids(emma.get(PAIRINGS, {"role": "mentor"})) == set()
    assert ids(sam.get(PAIRINGS, {"role": "mentor", "state": "active"})) == {active.pk}
    assert ids(sam.get(PAIRINGS, {"state": "proposed"})) == set()
    assert ids(sam.get(PAIRINGS, {"competency": team.writing.pk})) == set()
    assert ids(sam.get(PAIRINGS, {"competency": team.programming.pk})) == {active.pk}
    assert_error(sam.get(PAIRINGS, {"role": "boss"}), 400, "role")


# --- Transitions ----------------------------------------------------------------------------------


def test_the_mentor_accepts(api_for, team, proposed) -> None:  # noqa: F811
    response = api_for(team.sam).post(at(proposed, "accept"))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "active" and body["accepted_at"]
    assert {"check_in", "edit_plan", "finish", "cancel", "extend"} <= set(body["actions"])
    assert PlanItem.objects.filter(pairing=proposed).count() == 1


def test_declining_needs_a_reason(api_for, team, proposed) -> None:  # noqa: F811
    assert_error(api_for(team.sam).post(at(proposed, "decline"), {"reason": ""}), 400, "reason")
    assert state(proposed) == State.PROPOSED
    response = api_for(team.sam).post(at(proposed, "decline"), {"reason": "On leave"})
    assert response.status_code == 200 and response.json()["state"] == "declined"


def test_a_transition_from_the_wrong_state_is_a_400(api_for, team, active) -> None:  # noqa: F811
    body = assert_error(api_for(team.sam).post(at(active, "accept")), 400, "state")
    assert body["errors"]["state"] == ["This pairing is active; it can no longer be accepted."]


def test_unknown_fields_are_refused(api_for, team, active) -> None:  # noqa: F811
    assert_error(
        api_for(team.sam).post(at(active, "finish"), {"reason": "", "when": "now"}), 400, "when"
    )
    assert state(active) == State.ACTIVE


def test_extension_past_the_maximum_and_bad_dates(api_for, team, active) -> None:  # noqa: F811
    c = api_for(team.emma)
    too_late = active.start_date + dt.timedelta(weeks=13)
    assert_error(
        c.post(at(active, "extend"), {"end_date": too_late.isoformat(), "reason": "More"}),
        400,
        "end_date",
    )
    assert_error(
        c.post(at(active, "extend"), {"end_date": "soon", "reason": "More"}), 400, "end_date"
    )
    assert Pairing.objects.get(pk=active.pk).original_end_date is None
    new_end = active.end_date + dt.timedelta(weeks=2)
    response = c.post(at(active, "extend"), {"end_date": new_end.isoformat(), "reason": "Slip"})
    assert response.status_code == 200
    assert response.json()["end_date"] == new_end.isoformat()
    assert response.json()["original_end_date"] == active.end_date.isoformat()


def test_the_loop_over_the_api(api_for, team, active) -> None:  # noqa: F811
    assert (
        api_for(team.emma).post(at(active, "finish"), {"reason": "Done early"}).status_code == 200
    )
    assert_error(api_for(team.emma).post(at(active, "reassess"), {"level": 9}), 400, "level")
    response = api_for(team.emma).post(at(active, "reassess"), {"level": 4, "evidence": "Shipped"})
    assert response.status_code == 200 and response.json()["reassessed_level"] == 4

    # Confirming as someone who is not the mentee's manager.
    assert_error(api_for(team.sam).post(at(active, "confirm"), {"level": 4}), 403)
    assert_error(api_for(team.emma).post(at(active, "confirm"), {"level": 4}), 403)

    response = api_for(team.mark).post(at(active, "confirm"), {"level": 4})
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["outcome"], body["confirmed_level"]) == ("completed", "achieved", 4)

    response = api_for(team.emma).post(at(active, "thank"), {"note": "Thanks, Sam"})
    assert response.json()["thank_you_note"] == "Thanks, Sam"
    steps = [e["action"] for e in api_for(team.sam).get(at(active, "timeline")).json()]
    assert steps == [
        "proposed the pairing",
        "accepted",
        "finished early",
        "re-assessed",
        "confirmed the outcome",
        "sent a thank-you note",
    ]


def test_hr_confirms_over_the_api_when_the_mentee_has_no_manager(api_for, team, active, hr) -> None:  # noqa: F811
    from mentorship.services import employee_set_manager

    api_for(team.emma).post(at(active, "finish"), {"reason": "Done early"})
    employee_set_manager(employee=team.emma, actor=None, manager=None)
    hr_client = api_for(hr)
    # Before the re-assessment: HR's turn has not come (400), not "not yours" (403).
    body = assert_error(hr_client.post(at(active, "confirm"), {"level": 4}), 400, "level")
    assert body["errors"]["level"] == ["Wait for Emma Stone's re-assessment before confirming."]

    # The mentee cannot confirm herself, even as an HR admin; nor can the mentor.
    team.emma.is_hr_admin = True
    team.emma.save(update_fields=["is_hr_admin"])
    emma = api_for(team.emma)
    response = emma.post(at(active, "reassess"), {"level": 4})
    assert response.status_code == 200 and "confirm" not in response.json()["actions"]
    body = assert_error(emma.post(at(active, "confirm"), {"level": 5}), 403)
    assert body["detail"].startswith("You cannot confirm your own pairing")
    assert_error(api_for(team.sam).post(at(active, "confirm"), {"level": 4}), 403)
    assert state(active) == State.AWAITING_REVIEW

    response = hr_client.post(at(active, "confirm"), {"level": 4})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["outcome"]) == ("completed", "achieved")


def test_hr_gets_403_naming_the_manager_who_confirms(api_for, team, active, hr) -> None:  # noqa: F811
    api_for(team.emma).post(at(active, "finish"), {"reason": "Done early"})
    api_for(team.emma).post(at(active, "reassess"), {"level": 4})
    body = assert_error(api_for(hr).post(at(active, "confirm"), {"level": 4}), 403)
    assert body["detail"] == "Only Emma Stone's manager can confirm the outcome; ask Mark Ito."
    assert state(active) == State.AWAITING_REVIEW


def test_a_mentor_who_became_the_manager_gets_403(api_for, team, active, hr) -> None:  # noqa: F811
    from mentorship.services import employee_set_manager

    api_for(team.emma).post(at(active, "finish"), {"reason": "Done early"})
    api_for(team.emma).post(at(active, "reassess"), {"level": 4})
    employee_set_manager(employee=team.emma, actor=None, manager=team.sam)
    body = assert_error(api_for(team.sam).post(at(active, "confirm"), {"level": 4}), 403)
    assert body["detail"].startswith("As the mentor you cannot confirm the outcome")
    assert api_for(hr).post(at(active, "confirm"), {"level": 4}).status_code == 200


# --- Plan items, check-ins, reflections -----------------------------------------------------------


def test_plan_items(api_for, team, active) -> None:  # noqa: F811
    emma, sam = api_for(team.emma), api_for(team.sam)
    created = emma.post(at(active, "plan-items"), {"text": "Review one pull request a day"})
    assert created.status_code == 201
    item = created.json()["id"]
    assert_error(emma.post(at(active, "plan-items"), {"text": " "}), 400, "text")
    assert_error(api_for(team.mark).post(at(active, "plan-items"), {"text": "More"}), 403)

    assert_error(sam.patch(at(active, f"plan-items/{item}"), {"done": True}), 403)
    assert emma.patch(at(active, f"plan-items/{item}"), {"done": True}).json()["done"] is True
    confirmed = sam.patch(at(active, f"plan-items/{item}"), {"confirmed": True}).json()
    assert confirmed["confirmed"] is True
    assert len(emma.get(at(active, "plan-items")).json()) == 2

    assert sam.delete(at(active, f"plan-items/{item}")).status_code == 204
    assert_error(sam.delete(at(active, f"plan-items/{item}")), 404)


def test_check_ins(api_for, team, active) -> None:  # noqa: F811
    today = timezone.localdate()
    c = api_for(team.sam)
    bad = {"date": today.isoformat(), "went_well": "x", "next_check_in": today.isoformat()}
    assert_error(c.post(at(active, "check-ins"), bad), 400, "next_check_in")
    assert_error(c.post(at(active, "check-ins"), {"date": "yesterday"}), 400, "date")
    assert not CheckIn.objects.exists()

    body = {
        "date": today.isoformat(),
        "went_well": "Clear tests",
        "to_improve": "Smaller commits",
        "why_it_matters": "Faster reviews",
        "next_check_in": (today + dt.timedelta(days=7)).isoformat(),
    }
    response = c.post(at(active, "check-ins"), body)
    assert response.status_code == 201
    assert response.json()["author_name"] == "Sam Test"
    listed = api_for(team.emma).get(at(active, "check-ins")).json()
    assert [row["to_improve"] for row in listed] == ["Smaller commits"]


def test_reflections_are_private_until_shared(api_for, team, active) -> None:  # noqa: F811
    emma, sam = api_for(team.emma), api_for(team.sam)
    assert_error(sam.post(at(active, "reflections"), {"what_i_did": "Mentored"}), 403)
    assert_error(emma.post(at(active, "reflections"), {"what_i_did": ""}), 400, "what_i_did")
    created = emma.post(at(active, "reflections"), {"what_i_did": "Paired on the parser"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert sam.get(at(active, "reflections")).json() == []
    assert api_for(team.mark).get(at(active, "reflections")).json() == []
    assert_error(sam.patch(at(active, f"reflections/{pk}"), {"shared_with_mentor": True}), 404)

    shared = emma.patch(at(active, f"reflections/{pk}"), {"shared_with_mentor": True})
    assert shared.json()["shared_with_mentor"] is True
    assert [r["id"] for r in sam.get(at(active, "reflections")).json()] == [pk]
    assert Reflection.objects.get().shared_with_mentor
