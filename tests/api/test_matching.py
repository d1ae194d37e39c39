"""The matching API: suggestions (accept, dismiss), pairings, match runs, mentor availability."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from matching.models import MatchRun, MatchSuggestion, MentorOptOut, Pairing
from matching.pairings.services import pairing_propose
from matching.recompute import recompute_organization
from matching.services import suggestion_dismiss
from mentorship import services as people_services
from mentorship.models import AuditEntry
from tests.api.conftest import JsonClient
from tests.api.helpers import assert_error, ids
from tests.factories import CompetencyFactory
from tests.matching.conftest import person, rate
from tests.matching.conftest import team as team  # the fixture, shared with tests/matching

SUGGESTIONS = "/api/v1/suggestions/"
PAIRINGS = "/api/v1/pairings/"
RUNS = "/api/v1/match-runs/"
AVAILABILITY = "/api/v1/mentor-availability/"


@pytest.fixture
def suggested(team):
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    return team


def suggestion(team, mentor, competency=None) -> MatchSuggestion:
    return MatchSuggestion.objects.get(
        mentee=team.emma, mentor=mentor, competency=competency or team.programming
    )


def accept_body(**overrides) -> dict:
    start = timezone.localdate() + dt.timedelta(days=7)
    body = {
        "task": "Pair on the billing service rewrite",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(weeks=6)).isoformat(),
    }
    return {**body, **overrides}


def assert_refused_anonymously(response) -> None:
    """No credential: 403 today (session authentication sends no challenge), 401 once a bearer
    challenge is sent; either way the one error format."""
    assert response.status_code in (401, 403), response.content
    assert_error(response, response.status_code)


# --- Access ---------------------------------------------------------------------------------------


def test_anonymous_is_refused(api_for, suggested) -> None:
    s = suggestion(suggested, suggested.sam)
    anonymous = api_for(None)
    for url in (SUGGESTIONS, f"{SUGGESTIONS}{s.pk}/", PAIRINGS, RUNS, AVAILABILITY):
        assert_refused_anonymously(anonymous.get(url))
    for url in (f"{SUGGESTIONS}{s.pk}/accept/", f"{SUGGESTIONS}{s.pk}/dismiss/"):
        assert_refused_anonymously(anonymous.post(url, accept_body()))
    assert_refused_anonymously(anonymous.post(f"{RUNS}recompute/"))
    assert_refused_anonymously(anonymous.put(AVAILABILITY, {"available": False}))
    assert not Pairing.objects.exists()


def test_api_clients_do_not_reach_matching(suggested) -> None:
    cache.clear()
    client, secret = people_services.api_client_create(
        organization=suggested.org, actor=None, name="Workday", scopes="read write"
    )
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    token = Client().post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert token.status_code == 200, token.content
    bearer = JsonClient(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    for url in (SUGGESTIONS, PAIRINGS, RUNS, AVAILABILITY):
        body = assert_error(bearer.get(url), 403)
        assert "API clients" in body["detail"]


def test_another_organisations_ids_are_404(api_for, outsider, suggested) -> None:
    s = suggestion(suggested, suggested.sam)
    c = api_for(outsider)
    assert ids(c.get(SUGGESTIONS)) == set()
    assert_error(c.get(f"{SUGGESTIONS}{s.pk}/"), 404)
    assert_error(c.post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body()), 404)
    assert_error(c.post(f"{SUGGESTIONS}{s.pk}/dismiss/", {"reason": ""}), 404)
    assert not Pairing.objects.exists()
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


def test_suggestions_are_visible_to_the_mentees_managers_and_hr(api_for, hr, suggested) -> None:
    team = suggested
    emmas = set(MatchSuggestion.objects.filter(mentee=team.emma).values_list("pk", flat=True))
    assert emmas
    assert ids(api_for(team.mark).get(SUGGESTIONS)) == emmas
    assert ids(api_for(hr).get(SUGGESTIONS)) == emmas
    # Suggestions are the manager's tool: not the mentee's, nor a colleague's.
    s = suggestion(team, team.sam)
    for member in (team.emma, team.sally, team.sam):
        assert ids(api_for(member).get(SUGGESTIONS)) == set()
        assert_error(api_for(member).get(f"{SUGGESTIONS}{s.pk}/"), 404)
        assert_error(api_for(member).post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body()), 404)
    assert not Pairing.objects.exists()


def test_a_skip_level_manager_sees_but_does_not_decide(api_for, suggested) -> None:
    team = suggested
    grace = person(team.org, "Grace", team.mark.department)
    team.mark.manager = grace
    team.mark.save(update_fields=["manager"])
    s = suggestion(team, team.sam)
    c = api_for(grace)
    assert s.pk in ids(c.get(SUGGESTIONS))
    body = assert_error(c.post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body()), 403)
    assert "manager or an HR admin" in body["detail"]
    assert_error(c.post(f"{SUGGESTIONS}{s.pk}/dismiss/", {}), 403)
    assert not Pairing.objects.exists()


# --- Suggestions ----------------------------------------------------------------------------------


def test_a_suggestion_explains_its_score(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    row = api_for(team.mark).get(f"{SUGGESTIONS}{s.pk}/").json()
    assert row["mentee"] == team.emma.pk and row["mentee_name"] == "Emma Stone"
    assert row["mentor_name"] == "Sam Test" and row["competency_name"] == "Programming"
    assert (row["target_level"], row["mentor_level"], row["status"]) == (4, 5, "open")
    assert set(row["factors"]) == {
        "priority",
        "margin",
        "confirmed",
        "other_department",
        "low_load",
        "new_connection",
    }
    assert row["score"] == pytest.approx(s.score)


def test_suggestions_filter_by_mentee_competency_recommended_and_status(api_for, suggested) -> None:
    team = suggested
    c = api_for(team.mark)
    writing = set(
        MatchSuggestion.objects.filter(competency=team.writing).values_list("pk", flat=True)
    )
    assert ids(c.get(SUGGESTIONS, {"competency": team.writing.pk})) == writing
    recommended = set(MatchSuggestion.objects.filter(recommended=True).values_list("pk", flat=True))
    assert ids(c.get(SUGGESTIONS, {"recommended": "true"})) == recommended
    assert ids(c.get(SUGGESTIONS, {"mentee": team.sam.pk})) == set()
    dismissed = suggestion(team, team.pat)
    suggestion_dismiss(suggestion=dismissed, actor=team.mark, reason="")
    assert ids(c.get(SUGGESTIONS, {"status": "dismissed"})) == {dismissed.pk}
    assert_error(c.get(SUGGESTIONS, {"status": "maybe"}), 400, "status")
    assert_error(c.get(SUGGESTIONS, {"mentee": "x"}), 400, "mentee")


def test_the_suggestion_list_takes_a_constant_number_of_queries(
    api_for, suggested, django_assert_max_num_queries
) -> None:
    team = suggested
    for name in ("Ada", "Bob", "Cyd", "Dee"):
        report = person(team.org, name, team.mark.department, manager=team.mark, role=team.role)
        rate(report, {team.programming: 1, team.writing: 1, team.negotiation: 1})
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    c = api_for(team.mark)
    c.get(SUGGESTIONS)
    with django_assert_max_num_queries(12):
        response = c.get(SUGGESTIONS)
    assert response.json()["count"] > 8


# --- Accept ---------------------------------------------------------------------------------------


def test_accepting_creates_a_proposed_pairing(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body())
    assert response.status_code == 201, response.content
    body = response.json()
    pairing = Pairing.objects.get()
    assert body["id"] == pairing.pk
    assert (body["mentee"], body["mentor"], body["competency"]) == (
        team.emma.pk,
        team.sam.pk,
        team.programming.pk,
    )
    assert (body["state"], body["suggestion"], body["task"]) == (
        "proposed",
        s.pk,
        "Pair on the billing service rewrite",
    )
    assert (body["baseline_level"], body["target_level"]) == (2, 4)
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.ACCEPTED
    # The result can be fetched by everyone involved.
    for member in (team.mark, team.emma, team.sam, team.sally):
        fetched = api_for(member).get(f"{PAIRINGS}{pairing.pk}/")
        assert fetched.status_code == 200 and fetched.json() == body
    assert_error(api_for(team.pat).get(f"{PAIRINGS}{pairing.pk}/"), 404)


def test_accepting_with_only_a_task_uses_the_default_dates(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = api_for(team.mark).post(
        f"{SUGGESTIONS}{s.pk}/accept/", {"task": "Pair on the billing service rewrite"}
    )
    assert response.status_code == 201, response.content
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    assert response.json()["start_date"] == monday.isoformat()
    assert response.json()["end_date"] == (monday + dt.timedelta(weeks=6)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"task": ""}, ("task",)),
        ({"task": "x" * 2001}, ("task",)),
        ({"start_date": "2024-01-06", "end_date": "2024-02-03"}, ("start_date",)),
        ({"start_date": "soon"}, ("start_date",)),
        ({"end_date": "2024-01-01"}, ("end_date",)),
        (
            {"task": "", "start_date": "2024-01-06", "end_date": "2024-01-05"},
            ("task", "start_date", "end_date"),
        ),
        ({"mentor": 1}, ("mentor",)),
        # Dates near the calendar's end overflowed the date arithmetic (a 500).
        ({"start_date": "9999-12-01", "end_date": "9999-12-31"}, ("start_date", "end_date")),
        ({"end_date": "9999-12-31"}, ("end_date",)),
    ],
)
def test_bad_input_is_a_400_with_field_errors(api_for, suggested, overrides, fields) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body(**overrides))
    assert_error(response, 400, *fields)
    assert not Pairing.objects.exists()
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


def test_a_too_long_pairing_is_refused(api_for, suggested) -> None:
    team = suggested
    start = timezone.localdate() + dt.timedelta(days=7)
    body = accept_body(end_date=(start + dt.timedelta(weeks=13)).isoformat())
    response = api_for(team.mark).post(
        f"{SUGGESTIONS}{suggestion(team, team.sam).pk}/accept/", body
    )
    errors = assert_error(response, 400, "end_date")["errors"]
    assert "at most 12 weeks" in errors["end_date"][0]


def test_a_missing_task_and_a_non_object_body_are_refused(api_for, suggested) -> None:
    team = suggested
    url = f"{SUGGESTIONS}{suggestion(team, team.sam).pk}/accept/"
    assert_error(api_for(team.mark).post(url, {}), 400, "task")
    assert_error(api_for(team.mark).post(url, ["task"]), 400, "non_field_errors")
    assert not Pairing.objects.exists()


def test_a_stale_suggestion_is_refused(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    suggestion_dismiss(suggestion=s, actor=team.mark, reason="")
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body())
    body = assert_error(response, 400, "suggestion")
    assert body["errors"]["suggestion"] == ["This suggestion is no longer open."]
    assert not Pairing.objects.exists()


def test_a_full_mentor_is_no_longer_available(api_for, suggested) -> None:
    team = suggested
    omar = person(team.org, "Omar", team.sales, manager=team.sally, role=team.role)
    rate(omar, {team.programming: 1, team.writing: 3, team.negotiation: 2})
    start = timezone.localdate() + dt.timedelta(days=7)
    pairing_propose(
        mentee=omar,
        mentor=team.pat,
        competency=team.programming,
        actor=team.sally,
        task="Build the quoting tool together",
        start_date=start,
        end_date=start + dt.timedelta(weeks=4),
    )
    s = suggestion(team, team.pat)
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/accept/", accept_body())
    body = assert_error(response, 400, "mentor")
    assert "no longer available" in body["errors"]["mentor"][0]
    assert Pairing.objects.count() == 1


# --- Dismiss --------------------------------------------------------------------------------------


def test_dismissing_sets_the_suggestion_aside(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/dismiss/", {"reason": "Busy"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["dismissed_reason"]) == (
        "dismissed",
        "Busy",
    )
    assert response.json()["decided_by"] == team.mark.pk
    assert_error(api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/dismiss/", {}), 400, "suggestion")


def test_a_too_long_reason_is_refused(api_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = api_for(team.mark).post(f"{SUGGESTIONS}{s.pk}/dismiss/", {"reason": "x" * 501})
    assert_error(response, 400, "reason")
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


# --- Pairings -------------------------------------------------------------------------------------


def test_pairings_filter_and_visibility(api_for, hr, suggested) -> None:
    team = suggested
    accepted = api_for(team.mark).post(
        f"{SUGGESTIONS}{suggestion(team, team.sam).pk}/accept/", accept_body()
    )
    pk = accepted.json()["id"]
    assert ids(api_for(hr).get(PAIRINGS, {"mentor": team.sam.pk})) == {pk}
    assert ids(api_for(hr).get(PAIRINGS, {"mentor": team.pat.pk})) == set()
    assert ids(api_for(hr).get(PAIRINGS, {"state": "proposed"})) == {pk}
    assert ids(api_for(team.emma).get(PAIRINGS)) == {pk}
    assert ids(api_for(team.pat).get(PAIRINGS)) == set()
    assert_error(api_for(hr).get(PAIRINGS, {"state": "dreaming"}), 400, "state")


# --- Match runs -----------------------------------------------------------------------------------


def test_hr_admins_read_match_runs(api_for, hr, suggested) -> None:
    run = MatchRun.objects.get()
    c = api_for(hr)
    assert ids(c.get(RUNS)) == {run.pk}
    row = c.get(f"{RUNS}{run.pk}/").json()
    assert (row["trigger"], row["status"]) == ("manual", "succeeded")
    assert row["gaps"] == run.gaps and row["coverage"] == pytest.approx(run.coverage)
    assert row["rows_written"] == run.rows_written
    assert ids(c.get(RUNS, {"status": "failed"})) == set()


def test_only_hr_admins_reach_match_runs(api_for, suggested) -> None:
    run = MatchRun.objects.get()
    for member in (suggested.mark, suggested.emma):
        c = api_for(member)
        assert_error(c.get(RUNS), 403)
        assert_error(c.get(f"{RUNS}{run.pk}/"), 403)
        assert_error(c.post(f"{RUNS}recompute/"), 403)


def test_recompute_is_queued(api_for, hr, org, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = api_for(hr).post(f"{RUNS}recompute/")
    assert response.status_code == 202
    assert response.json() == {"detail": "Recompute queued."}
    assert len(queued) == 1
    assert MatchRun.objects.filter(organization=org, trigger="manual").exists()


def test_another_organisations_run_is_404(api_for, outsider, suggested) -> None:
    assert_error(api_for(outsider).get(f"{RUNS}{MatchRun.objects.get().pk}/"), 404)


# --- Mentor availability --------------------------------------------------------------------------


def test_reading_and_setting_my_availability(api_for, suggested) -> None:
    team = suggested
    c = api_for(team.sam)
    assert c.get(AVAILABILITY).json() == {
        "available": True,
        "capacity": 2,
        "opted_out_competencies": [],
        "slots_used": 0,
    }
    body = {"available": True, "capacity": 4, "opted_out_competencies": [team.writing.pk]}
    response = c.put(AVAILABILITY, body)
    assert response.status_code == 200, response.content
    assert response.json() == {**body, "slots_used": 0}
    team.sam.refresh_from_db()
    assert team.sam.mentor_capacity == 4
    assert list(MentorOptOut.objects.filter(employee=team.sam).values_list("competency", flat=True))
    assert AuditEntry.objects.filter(action="mentor_availability").count() == 1
    # Sending back what was read changes nothing.
    again = c.put(AVAILABILITY, c.get(AVAILABILITY).json())
    assert again.status_code == 200
    assert AuditEntry.objects.filter(action="mentor_availability").count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"available": True, "capacity": 11, "opted_out_competencies": []}, ("capacity",)),
        ({"available": True, "capacity": -1, "opted_out_competencies": []}, ("capacity",)),
        ({"available": "perhaps", "capacity": 2, "opted_out_competencies": []}, ("available",)),
        ({"available": True, "opted_out_competencies": []}, ("capacity",)),
        ({"available": True, "capacity": 2}, ("opted_out_competencies",)),
        (
            {"available": True, "capacity": 2, "opted_out_competencies": [], "colour": "red"},
            ("colour",),
        ),
    ],
)
def test_bad_availability_is_a_400_with_field_errors(api_for, team, body, fields) -> None:
    response = api_for(team.sam).put(AVAILABILITY, body)
    assert_error(response, 400, *fields)
    team.sam.refresh_from_db()
    assert team.sam.mentor_capacity == 2
    assert not AuditEntry.objects.filter(action="mentor_availability").exists()


def test_another_organisations_competency_is_refused(api_for, team, other_org) -> None:
    theirs = CompetencyFactory(organization=other_org)
    body = {"available": True, "capacity": 2, "opted_out_competencies": [theirs.pk]}
    assert_error(api_for(team.sam).put(AVAILABILITY, body), 400, "opted_out_competencies")
    assert not MentorOptOut.objects.filter(employee=team.sam).exists()
