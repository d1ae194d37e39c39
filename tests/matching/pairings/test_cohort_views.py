"""Cohort pages: creating a cohort (managers and HR), its page, the shared check-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from matching.models import CheckIn, Cohort, Pairing
from matching.pairings import cohorts, services
from tests.factories import PairingFactory
from tests.matching.conftest import person, rate

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW = "/o/acme/cohorts/new/"


@pytest.fixture
def eve(team):
    eve = person(team.org, "Eve", team.mark.department, manager=team.mark, role=team.role)
    rate(eve, {team.programming: 2, team.writing: 3, team.negotiation: 2})
    return eve


def form(team, mentees, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "mentor": team.sam.pk,
        "competency": team.programming.pk,
        "mentees": [m.pk for m in mentees],
        "task": "Build the reporting service together",
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(weeks=6)).isoformat(),
        "name": "Reporting circle",
    }
    data.update(overrides)
    return data


@pytest.fixture
def cohort(team, eve) -> Cohort:
    today = timezone.localdate()
    return cohorts.cohort_create(
        organization=team.org,
        actor=team.mark,
        mentor=team.sam,
        competency=team.programming,
        mentees=[team.emma, eve],
        task="Build the reporting service together",
        start_date=today,
        end_date=today + dt.timedelta(weeks=6),
        name="Reporting circle",
    )


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_manager_creates_a_cohort(client_for, team, eve) -> None:
    c = client_for(team.mark)
    page = c.get(NEW).content.decode()
    assert "New cohort" in page and "Eve Test" in page and "Emma Stone" in page

    response = c.post(NEW, form(team, [team.emma, eve]))

    cohort = Cohort.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/cohorts/{cohort.pk}/"
    assert Pairing.objects.filter(cohort=cohort).count() == 2
    body = c.get(response["Location"]).content.decode()
    assert "Reporting circle" in body and "Eve Test" in body


def test_someone_without_reports_cannot_create_cohorts(client_for, team) -> None:
    assert client_for(team.pat).get(NEW).status_code == 403
    assert client_for(team.pat).post(NEW, {}).status_code == 403


def test_errors_come_back_next_to_the_fields(client_for, team, eve) -> None:
    response = client_for(team.mark).post(NEW, form(team, [team.emma], end_date=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="cohort-end_date_error"' in body
    assert not Cohort.objects.exists()

    response = client_for(team.mark).post(NEW, form(team, [team.emma]))
    assert response.status_code == 400
    assert "Choose at least two mentees" in response.content.decode()
    assert not Cohort.objects.exists()


def test_another_managers_report_is_not_a_choice(client_for, team, eve) -> None:
    response = client_for(team.mark).post(NEW, form(team, [team.emma, team.pat]))
    assert response.status_code == 400
    assert not Cohort.objects.exists()


def test_who_sees_the_cohort_page(client_for, team, cohort, hr, outsider) -> None:
    path = f"/o/acme/cohorts/{cohort.pk}/"
    for member in (team.sam, team.mark, team.emma, hr):
        assert client_for(member).get(path).status_code == 200
    assert client_for(team.pat).get(path).status_code == 404
    assert client_for(outsider).get(f"/o/globex/cohorts/{cohort.pk}/").status_code == 404


def test_the_cohort_page_names_the_cohort_and_its_shared_task(client_for, team, cohort) -> None:
    body = client_for(team.mark).get(f"/o/acme/cohorts/{cohort.pk}/").content.decode()
    assert 'aria-current="page">Reporting circle</li>' in body
    assert "The shared task: Build the reporting service together" in body


def test_the_mentor_logs_a_shared_check_in(client_for, team, cohort) -> None:
    for pairing in Pairing.objects.filter(cohort=cohort):
        services.pairing_accept(pairing=pairing, actor=team.sam)
    path = f"/o/acme/cohorts/{cohort.pk}/check-in/"
    data = {"date": timezone.localdate().isoformat(), "went_well": "Everyone shipped a slice"}

    assert client_for(team.emma).post(path, data).status_code == 403
    response = client_for(team.sam).post(path, data, **HTMX)

    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == (
        "Shared check-in saved on 2 pairings."
    )
    assert "Everyone shipped a slice" in response.content.decode()
    assert CheckIn.objects.count() == 2


def test_a_bad_shared_check_in_is_refused_inline(client_for, team, cohort) -> None:
    path = f"/o/acme/cohorts/{cohort.pk}/check-in/"
    data = {"date": timezone.localdate().isoformat(), "went_well": "Too early"}
    response = client_for(team.sam).post(path, data, **HTMX)
    assert response.status_code == 400
    assert "No pairing of this cohort is active yet." in response.content.decode()
    assert not CheckIn.objects.exists()


def test_only_mentors_with_a_free_slot_are_offered_with_their_room(client_for, team, eve) -> None:
    team.pat.mentor_capacity = 1
    team.pat.save(update_fields=["mentor_capacity"])
    PairingFactory(
        organization=team.org, mentee=team.emma, mentor=team.pat, competency=team.writing
    )
    choices = client_for(team.mark).get(NEW).context["form"].fields["mentor"]
    labels = [label for _, label in choices.choices]
    assert labels[0] == "Choose a mentor with a free slot…"
    assert not any(label.startswith(team.pat.name) for label in labels)  # full
    free = team.sam.mentor_capacity
    assert f"{team.sam.name} · {free} free slot{'s' if free != 1 else ''}" in labels
