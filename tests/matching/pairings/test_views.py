"""The pairing page, its actions, "My mentoring", the mentoring record and notifications, in the
browser's terms: who sees what, who may act, what a refused action answers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import CheckIn, Pairing, PlanItem, Reflection
from matching.pairings import services
from matching.pairings.services import pairing_propose
from mentorship.models import Notification
from mentorship.notifications.services import notify

State = Pairing.State
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(pairing: Pairing, action: str = "") -> str:
    base = f"/o/{pairing.organization.slug}/pairings/{pairing.pk}/"
    return base + (f"{action}/" if action else "")


def toast(response) -> str:
    return json.loads(response["HX-Trigger"])["toast"]["message"]


@pytest.fixture
def proposed(team) -> Pairing:
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
def active(team, proposed) -> Pairing:
    return services.pairing_accept(pairing=proposed, actor=team.sam)


@pytest.fixture
def in_review(team, active) -> Pairing:
    return services.pairing_finish(pairing=active, actor=team.emma)


def state(pairing: Pairing) -> str:
    return Pairing.objects.get(pk=pairing.pk).state


# --- Who sees the pairing page --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, proposed) -> None:
    for response in (client.get(url(proposed)), client.post(url(proposed, "accept"))):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert state(proposed) == State.PROPOSED


@pytest.mark.parametrize("who", ["emma", "sam", "mark"])
def test_the_people_involved_see_the_page(client_for, team, proposed, who) -> None:
    response = client_for(getattr(team, who)).get(url(proposed))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Programming: Emma Stone with Sam Test" in body
    assert "Rewrite the invoice export" in body
    assert "Basic" in body and "Advanced" in body  # baseline 2 → target 4, by name


def test_hr_sees_the_page_read_only(client_for, team, active, hr) -> None:
    response = client_for(hr).get(url(active))
    assert response.status_code == 200
    body = response.content.decode()
    assert "read-only" in body
    assert "Log a check-in" not in body and "Cancel pairing" not in body
    # Back to where HR came from: the programme's list, not their own mentoring.
    assert reverse("programme", args=[team.org.slug]) + "#pairings" in body
    assert client_for(hr).post(url(active, "cancel"), {"reason": "HR says"}).status_code == 403
    assert state(active) == State.ACTIVE


@pytest.mark.parametrize("who", ["pat", "sally"])
def test_a_colleague_gets_a_404(client_for, team, active, who) -> None:
    c = client_for(getattr(team, who))
    assert c.get(url(active)).status_code == 404
    check_in = {"date": timezone.localdate().isoformat(), "went_well": "Sneaky"}
    assert c.post(url(active, "check-ins"), check_in).status_code == 404
    assert c.post(url(active, "cancel"), {"reason": "x"}).status_code == 404
    assert not CheckIn.objects.exists()


def test_another_organisation_gets_a_404(client_for, outsider, active) -> None:
    c = client_for(outsider)
    assert c.get(f"/o/globex/pairings/{active.pk}/").status_code == 404
    assert c.post(f"/o/globex/pairings/{active.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert c.get(url(active)).status_code == 404  # not a member of acme at all
    assert state(active) == State.ACTIVE


# --- Transitions ----------------------------------------------------------------------------------


def test_the_mentor_accepts_with_htmx(client_for, team, proposed) -> None:
    response = client_for(team.sam).post(url(proposed, "accept"), **HTMX)

    assert response.status_code == 200
    assert toast(response).startswith("Accepted")
    body = response.content.decode()
    assert 'id="pairing"' in body and "<html" not in body
    assert 'data-state="active"' in body
    assert state(proposed) == State.ACTIVE


def test_accepting_without_htmx_redirects_to_the_page(client_for, team, proposed) -> None:
    response = client_for(team.sam).post(url(proposed, "accept"))
    assert response.status_code == 302
    assert response["Location"] == url(proposed)


def test_a_proposal_asks_the_mentor_to_answer_and_others_may_cancel(
    client_for, team, proposed
) -> None:
    mentor_page = client_for(team.sam).get(url(proposed))
    assert mentor_page.context["page"].actions == {"accept", "decline"}  # declining is the no
    assert "Answer by" in mentor_page.content.decode()
    assert "when you accept" in mentor_page.content.decode()
    mentee_page = client_for(team.emma).get(url(proposed))
    assert "cancel" in mentee_page.context["page"].actions
    assert f"Waiting for {team.sam.name} to answer" in mentee_page.content.decode()


def test_the_mentee_cannot_accept(client_for, team, proposed) -> None:
    assert client_for(team.emma).post(url(proposed, "accept")).status_code == 403
    assert state(proposed) == State.PROPOSED


def test_declining_without_a_reason_shows_the_error_next_to_the_field(
    client_for, team, proposed
) -> None:
    response = client_for(team.sam).post(url(proposed, "decline"), {"reason": ""}, **HTMX)

    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="decline-reason_error"' in body
    assert "Give a reason" in body
    assert state(proposed) == State.PROPOSED


def test_a_transition_from_the_wrong_state_explains_itself(client_for, team, active) -> None:
    response = client_for(team.sam).post(url(active, "decline"), {"reason": "Busy"}, **HTMX)
    assert response.status_code == 400
    assert "This pairing is active; it can no longer be declined." in response.content.decode()


def test_extending_past_the_maximum_is_refused_inline(client_for, team, active) -> None:
    too_late = active.start_date + dt.timedelta(weeks=13)
    response = client_for(team.emma).post(
        url(active, "extend"), {"end_date": too_late.isoformat(), "reason": "More"}, **HTMX
    )
    assert response.status_code == 400
    assert "at most 12 weeks" in response.content.decode()
    assert Pairing.objects.get(pk=active.pk).end_date == active.end_date


def test_extending_to_the_end_of_the_calendar_is_refused_inline(client_for, team, active) -> None:
    response = client_for(team.emma).post(
        url(active, "extend"), {"end_date": "9999-12-31", "reason": "More"}, **HTMX
    )
    assert response.status_code == 400
    assert "Enter a date within 5 years of today" in response.content.decode()
    assert Pairing.objects.get(pk=active.pk).end_date == active.end_date
    assert client_for(team.emma).get(url(active)).status_code == 200


def test_extending_within_the_maximum(client_for, team, active) -> None:
    new_end = active.end_date + dt.timedelta(weeks=1)
    response = client_for(team.mark).post(
        url(active, "extend"), {"end_date": new_end.isoformat(), "reason": "Launch slipped"}, **HTMX
    )
    assert response.status_code == 200
    assert "Extended to" in toast(response)
    assert Pairing.objects.get(pk=active.pk).end_date == new_end


def test_finish_reassess_confirm_thank_in_the_browser(client_for, team, active) -> None:
    assert client_for(team.sam).post(url(active, "finish"), {"reason": ""}).status_code == 302
    emma = client_for(team.emma)
    page = emma.get(url(active)).content.decode()
    assert "Re-assess yourself in Programming" in page

    assert (
        emma.post(url(active, "reassess"), {"level": "4", "evidence": "Shipped"}).status_code == 302
    )
    # Someone who is not Emma's manager cannot confirm.
    assert client_for(team.sam).post(url(active, "confirm"), {"level": "4"}).status_code == 403
    assert emma.post(url(active, "confirm"), {"level": "4"}).status_code == 403
    assert state(active) == State.AWAITING_REVIEW

    mark = client_for(team.mark)
    assert "Confirm Emma Stone" in mark.get(url(active)).content.decode()
    response = mark.post(url(active, "confirm"), {"level": "4", "evidence": "Reviewed"}, **HTMX)
    assert response.status_code == 200
    assert toast(response) == "Confirmed: Target level achieved."
    assert state(active) == State.COMPLETED

    response = emma.post(url(active, "thank"), {"note": "Thank you, Sam!"}, **HTMX)
    assert response.status_code == 200
    assert Pairing.objects.get(pk=active.pk).thank_you_note == "Thank you, Sam!"


def test_a_level_outside_the_scale_is_a_form_error(client_for, team, in_review) -> None:
    response = client_for(team.emma).post(url(in_review, "reassess"), {"level": "9"}, **HTMX)
    assert response.status_code == 400
    assert 'id="reassess-level_error"' in response.content.decode()
    assert Pairing.objects.get(pk=in_review.pk).reassessed_at is None


def test_the_timeline_shows_each_step(client_for, team, in_review) -> None:
    body = client_for(team.mark).get(url(in_review)).content.decode()
    assert "Mark Ito proposed the pairing" in body
    assert "Sam Test accepted" in body
    assert "Emma Stone finished early" in body
    assert "(Active → Awaiting review)" in body


# --- Plan, check-ins, reflections -----------------------------------------------------------------


def test_the_mentee_ticks_a_plan_item_and_the_mentor_confirms_it(client_for, team, active) -> None:
    item = PlanItem.objects.get(pairing=active)
    tick = url(active, f"plan/{item.pk}/tick")
    response = client_for(team.emma).post(tick, {"done": "on"}, **HTMX)
    assert response.status_code == 200
    assert toast(response) == "Marked done."
    assert 'id="plan"' in response.content.decode()
    assert client_for(team.sam).post(tick, {"done": "on"}).status_code == 403

    response = client_for(team.sam).post(url(active, f"plan/{item.pk}/confirm"), **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.is_done and item.is_confirmed


def test_adding_an_empty_plan_item_is_refused_inline(client_for, team, active) -> None:
    response = client_for(team.sam).post(url(active, "plan"), {"text": "  "}, **HTMX)
    assert response.status_code == 400
    assert 'id="plan-text_error"' in response.content.decode()


def test_a_plan_item_of_another_pairing_is_a_404(client_for, team, active) -> None:
    other = pairing_propose(
        mentee=team.emma,
        mentor=team.sam,
        competency=team.writing,
        actor=team.mark,
        task="Write the release notes for the export",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + dt.timedelta(weeks=2),
    )
    services.pairing_accept(pairing=other, actor=team.sam)
    item = PlanItem.objects.get(pairing=other)
    response = client_for(team.emma).post(url(active, f"plan/{item.pk}/tick"), {"done": "on"})
    assert response.status_code == 404


def test_logging_a_check_in(client_for, team, active) -> None:
    today = timezone.localdate()
    data = {
        "date": today.isoformat(),
        "notes": "First session",
        "went_well": "Clear tests",
        "to_improve": "Smaller commits",
        "why_it_matters": "Faster reviews",
        "next_check_in": (today + dt.timedelta(days=7)).isoformat(),
    }
    response = client_for(team.sam).post(url(active, "check-ins"), data, **HTMX)
    assert response.status_code == 200
    assert toast(response) == "Check-in saved."
    assert "Smaller commits" in response.content.decode()
    assert CheckIn.objects.get().author == team.sam


def test_check_in_dates_out_of_order_are_refused(client_for, team, active) -> None:
    today = timezone.localdate()
    data = {
        "date": today.isoformat(),
        "went_well": "x",
        "next_check_in": (today - dt.timedelta(days=1)).isoformat(),
    }
    response = client_for(team.emma).post(url(active, "check-ins"), data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="checkin-next_check_in_error"' in body
    assert "must be after this one" in body
    assert not CheckIn.objects.exists()


def test_reflections_stay_private_until_shared(client_for, team, active) -> None:
    emma = client_for(team.emma)
    response = emma.post(
        url(active, "reflections"),
        {"what_i_did": "Paired on the parser", "why": "Hard part", "what_i_would_change": ""},
        **HTMX,
    )
    assert response.status_code == 200
    reflection = Reflection.objects.get()
    assert "Paired on the parser" not in client_for(team.sam).get(url(active)).content.decode()
    assert "Paired on the parser" not in client_for(team.mark).get(url(active)).content.decode()
    # The mentor cannot reach a private reflection.
    share = url(active, f"reflections/{reflection.pk}/share")
    assert client_for(team.sam).post(share, {"shared": "on"}).status_code == 404

    assert emma.post(share, {"shared": "on"}, **HTMX).status_code == 200
    assert "Paired on the parser" in client_for(team.sam).get(url(active)).content.decode()


# --- My mentoring, the record, notifications ------------------------------------------------------


def test_my_mentoring_lists_both_sides_and_what_needs_me(
    client_for, team, proposed, django_assert_max_num_queries
) -> None:
    c = client_for(team.sam)
    with django_assert_max_num_queries(12):
        response = c.get("/o/acme/mentoring/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Accept or decline" in body
    assert "1 of 2</strong> slots used" in body
    assert "for Emma Stone" in body


def test_my_mentoring_query_count_does_not_grow_with_pairings(
    client_for, team, proposed, django_assert_max_num_queries
) -> None:
    c = client_for(team.sam)
    c.get("/o/acme/mentoring/")
    pairing_propose(
        mentee=team.emma,
        mentor=team.sam,
        competency=team.writing,
        actor=team.mark,
        task="Write the release notes for the export",
        start_date=timezone.localdate(),
        end_date=timezone.localdate() + dt.timedelta(weeks=2),
    )
    with django_assert_max_num_queries(12):
        assert c.get("/o/acme/mentoring/").status_code == 200


def test_my_mentoring_empty_states(client_for, team) -> None:
    body = client_for(team.pat).get("/o/acme/mentoring/").content.decode()
    assert "No pairing yet." in body and "Nobody yet." in body
    assert "Nothing needs you right now." in body


def test_the_mentoring_record_fragment(client_for, team, in_review) -> None:
    services.pairing_reassess(pairing=in_review, actor=team.emma, level=4)
    services.pairing_confirm(pairing=in_review, actor=team.mark, level=4)
    services.pairing_thank(pairing=in_review, actor=team.emma, note="You made it click")
    path = f"/o/acme/people/{team.sam.pk}/mentoring-record/"

    response = client_for(team.pat).get(path, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>1</strong> completed pairing" in body
    assert "<strong>1</strong> reached the target" in body
    assert "Programming with Emma Stone" in body
    assert "You made it click" in body

    plain = client_for(team.pat).get(path)
    assert plain.status_code == 302 and plain["Location"].endswith("#mentoring-record")


def test_the_record_of_another_organisations_person_is_a_404(client_for, outsider, team) -> None:
    path = f"/o/globex/people/{team.sam.pk}/mentoring-record/"
    assert client_for(outsider).get(path, **HTMX).status_code == 404


def test_notifications_list_open_and_mark_all_read(client_for, team, proposed) -> None:
    first = notify(recipient=team.emma, kind="test", message="Hello", url=url(proposed))
    notify(recipient=team.emma, kind="test", message="Again")
    c = client_for(team.emma)
    body = c.get("/o/acme/notifications/").content.decode()
    assert "2 unread" in body and "Hello" in body

    response = c.post(f"/o/acme/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == url(proposed)
    assert Notification.objects.get(pk=first.pk).is_read

    response = c.post("/o/acme/notifications/read/", **HTMX)
    assert response.status_code == 200
    assert "All read" in response.content.decode()
    assert not Notification.objects.filter(recipient=team.emma, read_at__isnull=True).exists()


def test_someone_elses_notification_is_a_404(client_for, team) -> None:
    theirs = notify(recipient=team.emma, kind="test", message="Private")
    assert client_for(team.sam).post(f"/o/acme/notifications/{theirs.pk}/open/").status_code == 404
    assert not Notification.objects.get(pk=theirs.pk).is_read


def test_a_notification_never_redirects_off_site(client_for, team) -> None:
    item = notify(recipient=team.emma, kind="test", message="Phish", url="https://evil.example/")
    response = client_for(team.emma).post(f"/o/acme/notifications/{item.pk}/open/")
    assert response["Location"] == "/o/acme/notifications/"
