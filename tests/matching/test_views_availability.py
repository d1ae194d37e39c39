"""My mentoring: availability, capacity, opt-outs, current load and pairings; the home page card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import MatchSuggestion, MentorOptOut
from matching.recompute import recompute_organization
from matching.services import suggestion_accept
from mentorship.models import AuditEntry
from tests.factories import CompetencyFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE = "/o/acme/me/mentoring/"
SUMMARY = "/o/acme/me/mentoring/summary/"


@pytest.fixture
def paired(team):
    """Sam is proposed as Emma's mentor in Programming."""
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    start = timezone.localdate() + dt.timedelta(days=3)
    suggestion_accept(
        suggestion=MatchSuggestion.objects.get(
            mentee=team.emma, mentor=team.sam, competency=team.programming
        ),
        actor=team.mark,
        task="Pair on the billing service rewrite",
        start_date=start,
        end_date=start + dt.timedelta(weeks=6),
    )
    return team


def test_anonymous_is_sent_to_login(client, org) -> None:
    for path in (PAGE, SUMMARY):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = client.post(PAGE, {"available": "on", "capacity": 3})
    assert response.status_code == 302


def test_member_of_another_organisation_gets_404(client_for, outsider, employee) -> None:
    c = client_for(outsider)
    assert c.get(PAGE).status_code == 404
    assert c.post(PAGE, {"available": "on", "capacity": 3}).status_code == 404
    employee.refresh_from_db()
    assert employee.mentor_capacity == 2


def test_the_page_shows_settings_load_strengths_and_pairings(client_for, paired) -> None:
    team = paired
    body = client_for(team.sam).get(PAGE).content.decode()
    assert "My mentoring" in body
    assert "1 of 2 slots used" in body
    assert 'name="available"' in body and "checked" in body.split('name="available"')[1][:200]
    # Competencies grouped by category, strengths marked with their level name.
    programming = body.split(f'id="opt-out-{team.programming.pk}"')[1].split("</div>")[0]
    assert "Expert" in programming
    assert "Basic Skills" in body
    as_mentor = body.split('id="as-mentor"')[1].split("</ul>")[0]
    assert "Emma Stone" in as_mentor and "Programming" in as_mentor and "Proposed" in as_mentor
    emma = client_for(team.emma).get(PAGE).content.decode()
    assert "Sam Test" in emma.split('id="as-mentee"')[1].split("</ul>")[0]


def test_empty_lists_say_what_happens_next(client_for, employee) -> None:
    body = client_for(employee).get(PAGE).content.decode()
    assert "Nobody yet." in body
    assert "No pairing yet." in body
    assert "The competency model has no competencies yet." in body


def test_saving_changes_availability_capacity_and_opt_outs(client_for, team) -> None:
    c = client_for(team.sam)
    response = c.post(
        PAGE,
        {"available": "on", "capacity": "3", "opted_out": [team.writing.pk]},
        **HTMX,
    )
    assert response.status_code == 200, response.content
    assert "up to 3 people at once" in response["HX-Trigger"]
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="card" id="availability"')
    assert f'id="opt-out-{team.writing.pk}" checked' in body
    team.sam.refresh_from_db()
    assert (team.sam.mentor_available, team.sam.mentor_capacity) == (True, 3)
    assert set(
        MentorOptOut.objects.filter(employee=team.sam).values_list("competency", flat=True)
    ) == {team.writing.pk}
    assert AuditEntry.objects.filter(action="mentor_availability", subject_id=team.sam.pk).exists()

    off = c.post(PAGE, {"capacity": "3"}, follow=True)
    assert "you will not be suggested as a mentor" in off.content.decode()
    team.sam.refresh_from_db()
    assert team.sam.mentor_available is False
    assert not MentorOptOut.objects.filter(employee=team.sam).exists()


def test_opt_outs_of_archived_competencies_are_kept(client_for, team) -> None:
    archived = CompetencyFactory(organization=team.org, name="Fortran", archived_at=timezone.now())
    MentorOptOut.objects.create(organization=team.org, employee=team.sam, competency=archived)
    body = client_for(team.sam).get(PAGE).content.decode()
    assert "Fortran" not in body
    client_for(team.sam).post(PAGE, {"available": "on", "capacity": "2"}, **HTMX)
    assert MentorOptOut.objects.filter(employee=team.sam, competency=archived).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"available": "on", "capacity": "11"}, "Choose between 0 and 10 mentoring slots"),
        ({"available": "on", "capacity": "-1"}, "Choose between 0 and 10 mentoring slots"),
        ({"available": "on", "capacity": "two"}, "Enter a whole number."),
        ({"available": "on", "capacity": ""}, "Enter how many people you can mentor at once"),
    ],
)
def test_bad_capacity_is_refused_next_to_the_field(client_for, team, data, message) -> None:
    response = client_for(team.sam).post(PAGE, data, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    capacity_error = body.split('id="id_capacity_error"')[1].split("</div>")[0]
    assert message in capacity_error
    team.sam.refresh_from_db()
    assert team.sam.mentor_capacity == 2
    assert not AuditEntry.objects.filter(action="mentor_availability").exists()


def test_another_organisations_competency_is_refused(client_for, team, other_org) -> None:
    theirs = CompetencyFactory(organization=other_org)
    response = client_for(team.sam).post(
        PAGE, {"available": "on", "capacity": "2", "opted_out": [theirs.pk]}
    )
    assert response.status_code == 400
    assert "Choose competencies of this organisation." in response.content.decode()
    assert not MentorOptOut.objects.filter(employee=team.sam).exists()


def test_the_home_card_shows_load_pending_pairings_and_team_suggestions(client_for, paired) -> None:
    team = paired
    sam = client_for(team.sam).get(SUMMARY, **HTMX).content.decode()
    assert "<strong>1 of 2</strong> mentoring slots used" in sam
    assert "1 pairing proposed with you as mentor: Emma Stone in Programming" in sam
    assert "for your team" not in sam
    mark = client_for(team.mark).get(SUMMARY, **HTMX).content.decode()
    open_writing = MatchSuggestion.objects.filter(
        mentee=team.emma, competency=team.writing, status="open"
    ).count()
    assert f"{open_writing} mentor suggestion" in mark
    assert "/o/acme/team/mentors/" in mark


def test_the_home_card_without_htmx_goes_to_the_page(client_for, employee) -> None:
    response = client_for(employee).get(SUMMARY)
    assert response.status_code == 302
    assert response["Location"] == PAGE
