"""HR: matching runs (table, chart, Recompute now) and the organisation's match settings."""

from __future__ import annotations

import json

import pytest

from matching.models import MatchRun, MatchSettings
from matching.recompute import recompute_organization
from mentorship.models import AuditEntry

HTMX = {"HTTP_HX_REQUEST": "true"}
RUNS = "/o/acme/matching/runs/"
RECOMPUTE = "/o/acme/matching/runs/recompute/"
SETTINGS = "/o/acme/matching/settings/"


def settings_input(**overrides) -> dict:
    data = {
        "weight_priority": "2",
        "weight_margin": "1",
        "weight_confirmed": "1.5",
        "weight_other_department": "1",
        "weight_low_load": "0.5",
        "weight_new_connection": "0",
        "k": "3",
        "spread": "2",
        "mentor_threshold_level": "3",
        "recompute_interval_minutes": "30",
    }
    return {**data, **overrides}


def test_anonymous_is_sent_to_login(client, org) -> None:
    for response in (
        client.get(RUNS),
        client.post(RECOMPUTE),
        client.post(SETTINGS, settings_input()),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    c = client_for(outsider)
    assert c.get(RUNS).status_code == 404
    assert c.post(RECOMPUTE).status_code == 404
    assert c.post(SETTINGS, settings_input()).status_code == 404
    assert not MatchSettings.objects.exists()


def test_only_hr_admins_see_runs_and_change_settings(
    client_for, employee, manager, django_capture_on_commit_callbacks
) -> None:
    for member in (employee, manager):
        c = client_for(member)
        assert c.get(RUNS).status_code == 403
        with django_capture_on_commit_callbacks() as queued:
            assert c.post(RECOMPUTE).status_code == 403
        assert queued == []
        assert c.post(SETTINGS, settings_input()).status_code == 403
    assert not MatchSettings.objects.exists()


def test_empty_state_before_any_run(client_for, hr) -> None:
    body = client_for(hr).get(RUNS).content.decode()
    assert "Matching runs" in body
    assert "No matching run yet." in body
    assert "Recompute now" in body


def test_runs_are_listed_with_their_counts_and_charted(client_for, hr, team) -> None:
    run = recompute_organization(organization_id=team.org.pk, trigger="manual")
    assert run is not None
    response = client_for(hr).get(RUNS)
    body = response.content.decode()
    row = body.split(f'id="run-{run.pk}"')[1].split("</tr>")[0]
    assert "Recompute now" in row and "Succeeded" in row
    assert f">{run.gaps}<" in row
    assert f"{run.distinct_mentors} / {run.eligible_mentors}" in row
    assert f"{round(run.coverage * 100)}%" in row
    chart = json.loads(body.split('id="runs-data" type="application/json">')[1].split("<")[0])
    assert chart[-1]["coverage"] == round(run.coverage * 100, 1)
    assert "chart.umd.min.js" in body


def test_recompute_now_queues_a_run(client_for, hr, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr).post(RECOMPUTE, follow=True)
    assert "Recompute queued" in response.content.decode()
    # The test settings run tasks eagerly: the queued run has happened.
    assert MatchRun.objects.filter(trigger=MatchRun.Trigger.MANUAL, status="succeeded").exists()


def test_recompute_now_with_htmx_answers_with_a_toast(
    client_for, hr, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        response = client_for(hr).post(RECOMPUTE, **HTMX)
    assert response.status_code == 204
    assert "Recompute queued" in response["HX-Trigger"]
    assert len(queued) == 1


def test_hr_changes_the_match_settings(client_for, hr, org) -> None:
    response = client_for(hr).post(SETTINGS, settings_input(), **HTMX)
    assert response.status_code == 200, response.content
    assert "Match settings saved" in response["HX-Trigger"]
    assert response.content.decode().lstrip().startswith('<section class="card" id="settings"')
    saved = MatchSettings.objects.get(organization=org)
    assert (saved.weight_priority, saved.weight_low_load, saved.weight_new_connection) == (
        2.0,
        0.5,
        0.0,
    )
    assert (saved.k, saved.spread) == (3, 2.0)
    org.refresh_from_db()
    assert (org.mentor_threshold_level, org.recompute_interval_minutes) == (3, 30)
    entry = AuditEntry.objects.get(subject_type="match_settings")
    assert entry.changes["k"] == [5, 3]
    # The form shows what was saved.
    page = client_for(hr).get(RUNS).content.decode()
    assert 'name="k" value="3"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"k": "0"}, "k", "Suggest between 1 and 20 mentors per gap."),
        ({"spread": "0"}, "spread", "Choose a spread between 0.1 and 100."),
        ({"weight_margin": "-1"}, "weight_margin", "Choose a weight between 0 and 100."),
        ({"mentor_threshold_level": "0"}, "mentor_threshold_level", "Select a valid choice."),
        ({"recompute_interval_minutes": "0"}, "recompute_interval_minutes", "1 to 1,440 minutes"),
        ({"k": "many"}, "k", "Enter a whole number."),
    ],
)
def test_bad_settings_are_refused_next_to_the_field(
    client_for, hr, org, overrides, field, message
) -> None:
    response = client_for(hr).post(SETTINGS, settings_input(**overrides), **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body.split(f'id="id_{field}_error"')[1].split("</div>")[0]
    assert not MatchSettings.objects.exists()
    org.refresh_from_db()
    assert org.mentor_threshold_level == 4


def test_all_weights_zero_is_refused(client_for, hr) -> None:
    zero = {f"weight_{n}": "0" for n in ("priority", "margin", "confirmed", "other_department")}
    response = client_for(hr).post(
        SETTINGS, settings_input(**zero, weight_low_load="0", weight_new_connection="0")
    )
    assert response.status_code == 400
    assert "Give at least one factor a weight above 0." in response.content.decode()
    assert not MatchSettings.objects.exists()
