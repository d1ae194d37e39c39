"""Team mentor suggestions in the browser: the page, accepting into a pairing, dismissing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching.models import MatchSuggestion, Pairing
from matching.pairings.services import pairing_propose
from matching.recompute import recompute_organization
from matching.services import suggestion_dismiss
from mentorship.models import AuditEntry
from tests.factories import EmployeeFactory, RoleFactory
from tests.matching.conftest import person, rate

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = "/o/acme/team/mentors/"


@pytest.fixture
def suggested(team):
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    return team


def suggestion(team, mentor, competency=None) -> MatchSuggestion:
    return MatchSuggestion.objects.get(
        mentee=team.emma, mentor=mentor, competency=competency or team.programming
    )


def accept_url(s: MatchSuggestion, org: str = "acme") -> str:
    return f"/o/{org}/suggestions/{s.pk}/accept/"


def dismiss_url(s: MatchSuggestion, org: str = "acme") -> str:
    return f"/o/{org}/suggestions/{s.pk}/dismiss/"


def card(body: str, team, competency) -> str:
    return body.split(f'id="gap-{team.emma.pk}-{competency.pk}"')[1].split("</article>")[0]


def in_a_week() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=7)


def valid_input(**overrides) -> dict:
    start = in_a_week()
    data = {
        "task": "Pair on the billing service rewrite",
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(weeks=6)).isoformat(),
    }
    return {**data, **overrides}


# --- Access ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, suggested) -> None:
    s = suggestion(suggested, suggested.sam)
    for path in (PAGE, accept_url(s)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for path in (accept_url(s), dismiss_url(s)):
        response = client.post(path, valid_input())
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not Pairing.objects.exists()


def test_member_of_another_organisation_gets_404(client_for, outsider, suggested) -> None:
    s = suggestion(suggested, suggested.sam)
    c = client_for(outsider)
    assert c.get(PAGE).status_code == 404
    # Acme's suggestion id under Globex's own URL: no such suggestion there.
    assert c.get(accept_url(s, "globex")).status_code == 404
    assert c.post(accept_url(s, "globex"), valid_input()).status_code == 404
    assert c.post(dismiss_url(s, "globex"), {"reason": "no"}).status_code == 404
    assert c.get(f"/o/globex/team/mentors/?report={suggested.emma.pk}").status_code == 404
    assert not Pairing.objects.exists()
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


def test_only_the_mentees_manager_or_hr_decides(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    # Sally manages Sam, not Emma; Emma herself and Pat are not her manager either.
    for member in (team.sally, team.emma, team.pat):
        c = client_for(member)
        assert c.get(accept_url(s)).status_code == 403
        assert c.post(accept_url(s), valid_input(), **HTMX).status_code == 403
        assert c.post(dismiss_url(s), {"reason": ""}, **HTMX).status_code == 403
    assert client_for(team.sally).get(f"{PAGE}?report={team.emma.pk}").status_code == 403
    assert not Pairing.objects.exists()
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


def test_hr_admin_can_open_anyones_suggestions(client_for, hr, suggested) -> None:
    team = suggested
    body = client_for(hr).get(f"{PAGE}?report={team.emma.pk}").content.decode()
    assert "Emma Stone" in body and "Sam Test" in body
    assert client_for(hr).get(accept_url(suggestion(team, team.sam))).status_code == 200


# --- The page -------------------------------------------------------------------------------------


def test_each_gap_lists_its_mentors_with_reasons_and_the_recommended_one(
    client_for, suggested
) -> None:
    team = suggested
    response = client_for(team.mark).get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mentors for my team" in body
    programming = card(body, team, team.programming)
    assert "Now <strong>Basic</strong> (2) · requires <strong>Advanced</strong> (4)" in programming
    assert "Priority 10" in programming
    sam = programming.split(f'id="suggestion-{suggestion(team, team.sam).pk}"')[1].split("</li>")[0]
    assert "Expert (5) for target Advanced (4)" in sam
    assert "confirmed by manager" in sam
    assert "0 of 2 slots used" in sam
    assert (
        "Expert, confirmed by manager · Sales, another department · 0 of 2 slots used · "
        "never paired before"
    ) in sam
    assert f'href="/o/acme/people/{team.sam.pk}/"' in sam
    pat = programming.split(f'id="suggestion-{suggestion(team, team.pat).pk}"')[1]
    assert "Advanced, self-rated · Engineering, same department · 0 of 1 slot used" in pat
    recommended = MatchSuggestion.objects.get(
        mentee=team.emma, competency=team.programming, recommended=True
    )
    recommended_row = programming.split(f'id="suggestion-{recommended.pk}"')[1].split("</li>")[0]
    assert "Recommended" in recommended_row
    assert programming.count(">Recommended<") == 1
    # Gaps in priority order; nobody ineligible is suggested.
    assert body.index(f'id="gap-{team.emma.pk}-{team.programming.pk}"') < body.index(
        f'id="gap-{team.emma.pk}-{team.writing.pk}"'
    )
    for name in ("Nora Test", "Olly Test"):
        assert name not in body
    # Every htmx link has a real href.
    assert f'href="{accept_url(recommended)}"' in body


def test_the_report_filter_shows_one_report(client_for, suggested) -> None:
    team = suggested
    other = EmployeeFactory(organization=team.org, manager=team.mark, role=team.role)
    rate(other, {team.programming: 1, team.writing: 1, team.negotiation: 1})
    body = client_for(team.mark).get(f"{PAGE}?report={other.pk}").content.decode()
    assert f'id="report-{other.pk}"' in body
    assert f'id="report-{team.emma.pk}"' not in body
    everyone = client_for(team.mark).get(PAGE).content.decode()
    assert f'id="report-{other.pk}"' in everyone and f'id="report-{team.emma.pk}"' in everyone


def test_htmx_filter_answers_only_the_list(client_for, suggested) -> None:
    body = client_for(suggested.mark).get(PAGE, **HTMX).content.decode()
    assert body.lstrip().startswith('<section id="suggestions"')
    assert "<nav" not in body


def test_empty_state_without_reports(client_for, team) -> None:
    body = client_for(team.sam).get(PAGE).content.decode()
    assert "Nobody reports to you." in body


def test_empty_state_when_everyone_meets_their_role(client_for, org, manager) -> None:
    EmployeeFactory(organization=org, manager=manager)  # no role, so no gap
    body = client_for(manager).get(PAGE).content.decode()
    assert "Everyone meets their role." in body


def test_gaps_without_suggestions_explain_the_recompute(client_for, team) -> None:
    body = client_for(team.mark).get(PAGE).content.decode()
    assert "2 gaps have no suggestion yet" in body
    assert "recomputed every 15 minutes" in body
    assert "no run has finished yet" in body
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    MatchSuggestion.objects.filter(competency=team.writing).delete()
    body = client_for(team.mark).get(PAGE).content.decode()
    assert "1 gap has no suggestion yet" in body
    assert "the last run finished" in body
    assert "No mentor suggested yet" in card(body, team, team.writing)


def test_the_page_takes_as_many_queries_for_8_reports_as_for_2(
    client_for, suggested, django_assert_max_num_queries
) -> None:
    team = suggested
    role = RoleFactory(organization=team.org, name="Other role")

    def add_report(i: int) -> None:
        report = EmployeeFactory(organization=team.org, manager=team.mark, role=team.role)
        rate(report, {team.programming: i % 3, team.writing: 1, team.negotiation: 2})

    add_report(0)  # Emma and one more: 2 reports with gaps
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    c = client_for(team.mark)
    c.get(PAGE)  # warm the session
    with CaptureQueriesContext(connection) as two:
        assert c.get(PAGE).status_code == 200

    for i in range(1, 7):
        add_report(i)
    EmployeeFactory(organization=team.org, manager=team.mark, role=role)
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    with django_assert_max_num_queries(len(two)):
        body = c.get(PAGE).content.decode()
    assert body.count('class="mb-4 report"') == 9
    assert body.count('class="suggestion ') > 8


# --- Accept ---------------------------------------------------------------------------------------


def test_the_accept_form_proposes_next_monday_and_the_default_length(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = client_for(team.mark).get(accept_url(s), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<nav" not in body
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    assert f'value="{monday.isoformat()}"' in body
    assert f'value="{(monday + dt.timedelta(weeks=6)).isoformat()}"' in body
    assert "The real piece of work they will do together, e.g." in body
    # Without htmx it is a page of its own.
    page = client_for(team.mark).get(accept_url(s)).content.decode()
    assert "Propose a pairing" in page and "<nav" in page
    assert "hx-post" not in page.split('class="accept-form')[1].split(">")[0]
    refused = client_for(team.mark).post(accept_url(s), valid_input(task=""))
    assert refused.status_code == 400
    assert "<nav" in refused.content.decode()
    assert "Describe the real piece of work" in refused.content.decode()


def test_accepting_proposes_a_pairing_and_the_card_shows_it(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.pat)
    response = client_for(team.mark).post(accept_url(s), valid_input(), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#suggestions"
    assert "Pairing proposed" in response["HX-Trigger"]
    pairing = Pairing.objects.get()
    assert (pairing.mentee, pairing.mentor, pairing.competency) == (
        team.emma,
        team.pat,
        team.programming,
    )
    assert pairing.state == Pairing.State.PROPOSED
    assert pairing.task == "Pair on the billing service rewrite"
    assert pairing.created_by == team.mark
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.ACCEPTED
    body = response.content.decode()
    programming = card(body, team, team.programming)
    assert "Pairing proposed with" in programming and "Pat Test" in programming
    assert "Pat Test: 1 of 1 slot used" in programming
    assert 'class="suggestion ' not in programming
    assert AuditEntry.objects.filter(subject_type="pairing", action="proposed").exists()


def test_accepting_raises_the_mentors_slots_used_on_their_other_cards(
    client_for, suggested
) -> None:
    team = suggested
    response = client_for(team.mark).post(
        accept_url(suggestion(team, team.sam)), valid_input(), **HTMX
    )
    writing = card(response.content.decode(), team, team.writing)
    sam = writing.split(f'id="suggestion-{suggestion(team, team.sam, team.writing).pk}"')[1]
    assert "1 of 2 slots used" in sam.split("</li>")[0]


def test_accepting_without_htmx_redirects_with_a_message(client_for, suggested) -> None:
    team = suggested
    c = client_for(team.mark)
    response = c.post(accept_url(suggestion(team, team.sam)), valid_input(), follow=True)
    assert response.redirect_chain[-1][0].startswith(PAGE)
    body = response.content.decode()
    assert "Pairing proposed: Sam Test mentors Emma Stone in Programming" in body


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"task": ""}, "task", "Describe the real piece of work they will do together."),
        ({"task": "x" * 2001}, "task", "Keep the task under 2,000 characters."),
        ({"start_date": ""}, "start_date", "Enter a start date."),
        ({"start_date": "2024-01-06"}, "start_date", "The start date cannot be in the past."),
        ({"end_date": "not a date"}, "end_date", "Enter a valid date."),
        ({"start_date": "9999-12-01"}, "start_date", "Enter a date within 5 years of today"),
        ({"end_date": "9999-12-31"}, "end_date", "Enter a date within 5 years of today"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(
    client_for, suggested, overrides, field, message
) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = client_for(team.mark).post(accept_url(s), valid_input(**overrides), **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="accept-{s.pk}-{field}_error">{message}' in body
    assert "is-invalid" in body
    assert not Pairing.objects.exists()
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


def test_end_before_start_and_too_long_are_refused(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    start = in_a_week()
    c = client_for(team.mark)
    before = c.post(
        accept_url(s),
        valid_input(end_date=(start - dt.timedelta(days=1)).isoformat()),
        **HTMX,
    )
    assert before.status_code == 400
    assert "The end date must be after the start date." in before.content.decode()
    too_long = c.post(
        accept_url(s),
        valid_input(end_date=(start + dt.timedelta(weeks=13)).isoformat()),
        **HTMX,
    )
    assert too_long.status_code == 400
    assert "A pairing lasts at most 12 weeks" in too_long.content.decode()
    assert not Pairing.objects.exists()


def test_a_stale_suggestion_says_it_is_no_longer_open(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    suggestion_dismiss(suggestion=s, actor=team.mark, reason="")
    c = client_for(team.mark)
    form = c.get(accept_url(s), **HTMX).content.decode()
    assert "no longer open" in form
    response = c.post(accept_url(s), valid_input(), **HTMX)
    assert response.status_code == 400
    assert "This suggestion is no longer open." in response.content.decode()
    assert not Pairing.objects.exists()


def test_a_mentor_who_filled_up_is_no_longer_available(client_for, suggested) -> None:
    team = suggested
    # Sally pairs Omar with Pat first, taking Pat's only slot.
    omar = person(team.org, "Omar", team.sales, manager=team.sally, role=team.role)
    rate(omar, {team.programming: 1, team.writing: 3, team.negotiation: 2})
    start = in_a_week()
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
    response = client_for(team.mark).post(accept_url(s), valid_input(), **HTMX)
    assert response.status_code == 400
    assert "Pat Test is no longer available: all 1 mentoring slot is taken." in (
        response.content.decode()
    )
    assert Pairing.objects.count() == 1
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN


# --- Dismiss --------------------------------------------------------------------------------------


def test_dismissing_removes_the_mentor_from_the_card(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = client_for(team.mark).post(
        dismiss_url(s), {"reason": "Already mentoring in Sales"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#suggestions"
    assert "Dismissed Sam Test" in response["HX-Trigger"]
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.DISMISSED
    assert s.dismissed_reason == "Already mentoring in Sales"
    assert s.decided_by == team.mark
    programming = card(response.content.decode(), team, team.programming)
    assert f'id="suggestion-{s.pk}"' not in programming
    assert "Pat Test" in programming


def test_dismissing_without_htmx_redirects_with_a_message(client_for, suggested) -> None:
    team = suggested
    response = client_for(team.mark).post(
        dismiss_url(suggestion(team, team.sam)), {"reason": ""}, follow=True
    )
    assert "Dismissed Sam Test for Emma Stone&#x27;s Programming" in response.content.decode()


def test_a_too_long_reason_is_refused_next_to_the_field(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    response = client_for(team.mark).post(dismiss_url(s), {"reason": "x" * 501}, **HTMX)
    assert response.status_code == 400
    assert response["HX-Retarget"] == f"#dismiss-form-{s.pk}"
    body = response.content.decode()
    assert f'id="dismiss-reason-{s.pk}-error">Keep the reason under 500 characters.' in body
    s.refresh_from_db()
    assert s.status == MatchSuggestion.Status.OPEN
    plain = client_for(team.mark).post(dismiss_url(s), {"reason": "x" * 501})
    assert plain.status_code == 400
    assert "Keep the reason under 500 characters." in plain.content.decode()


def test_dismissing_twice_says_it_is_no_longer_open(client_for, suggested) -> None:
    team = suggested
    s = suggestion(team, team.sam)
    c = client_for(team.mark)
    c.post(dismiss_url(s), {"reason": ""}, **HTMX)
    again = c.post(dismiss_url(s), {"reason": ""}, **HTMX)
    assert again.status_code == 400
    assert "This suggestion is no longer open." in again.content.decode()


def test_get_is_not_allowed_on_dismiss(client_for, suggested) -> None:
    team = suggested
    assert client_for(team.mark).get(dismiss_url(suggestion(team, team.sam))).status_code == 405
