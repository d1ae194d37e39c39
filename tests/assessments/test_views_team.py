"""My team (the matrix) and the manager assessment form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Rating, SkillProfile
from competencies.models import RoleRequirement
from mentorship.models import Employee
from tests.factories import CompetencyFactory, EmployeeFactory, RoleFactory, UserFactory

SELF, MANAGER = Assessment.Kind.SELF, Assessment.Kind.MANAGER
HTMX = {"HTTP_HX_REQUEST": "true"}


def assess(subject, assessor, kind, levels: dict) -> Assessment:
    draft = services.assessment_start(subject=subject, assessor=assessor, kind=kind)
    for comp, level in levels.items():
        services.rating_set(assessment=draft, actor=assessor, competency=comp, level=level)
    return services.assessment_submit(assessment=draft, actor=assessor)


def cell(body: str, person: Employee, competency) -> str:
    row = body.split(f'id="row-{person.pk}"')[1].split("</tr>")[0]
    return row.split(f'data-competency="{competency.name}"')[1].split("</td>")[0]


def test_anonymous_is_sent_to_login(client, developer) -> None:
    for path in ("/o/acme/team/", f"/o/acme/team/{developer.pk}/assess/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, developer, skills) -> None:
    c = client_for(outsider)
    assert c.get("/o/acme/team/").status_code == 404
    assert c.get(f"/o/globex/team/{developer.pk}/assess/").status_code == 404
    rate = c.post(
        f"/o/globex/team/{developer.pk}/assess/rate/",
        {"competency": skills[0].pk, "level": 3},
        **HTMX,
    )
    assert rate.status_code == 404
    assert c.post(f"/o/globex/team/{developer.pk}/assess/submit/").status_code == 404
    assert not Assessment.objects.exists()


def test_non_manager_sees_that_nobody_reports_to_them(client_for, developer) -> None:
    body = client_for(developer).get("/o/acme/team/").content.decode()
    assert "Nobody reports to you." in body


def test_matrix_shows_levels_against_required_with_states_and_disagreement(
    client_for, manager, developer, skills
) -> None:
    programming, writing, negotiation = skills
    assess(developer, developer, SELF, {programming: 5, writing: 2, negotiation: 4})
    assess(developer, manager, MANAGER, {programming: 2, writing: 3, negotiation: 4})
    body = client_for(manager).get("/o/acme/team/").content.decode()
    assert 'data-state="gap"' in cell(body, developer, programming)
    assert "2/4" in cell(body, developer, programming)
    assert "⚠" in cell(body, developer, programming)  # self 5 vs manager 2
    assert 'data-state="met"' in cell(body, developer, writing)
    assert "⚠" not in cell(body, developer, writing)
    assert 'data-state="strength"' in cell(body, developer, negotiation)
    assert "✓ self-assessed" in body
    assert f'href="/o/acme/team/{developer.pk}/assess/"' in body


def test_unrated_cells_are_grey_and_the_request_status_shows(
    client_for, hr, manager, developer, skills
) -> None:
    services.assessment_request_create(
        organization=manager.organization,
        actor=hr,
        audience="organization",
        due_date=timezone.localdate() + dt.timedelta(days=5),
    )
    body = client_for(manager).get("/o/acme/team/").content.decode()
    assert 'data-state="unrated"' in cell(body, developer, skills[0])
    assert "–/4" in cell(body, developer, skills[0])
    assert "no self-assessment yet" in body
    assert "request due" in body


def test_matrix_filters_by_category_sorts_and_shows_the_subtree_read_only(
    client_for, org, manager, developer, skills
) -> None:
    intern = EmployeeFactory(
        organization=org,
        manager=developer,
        role=developer.role,
        user=UserFactory(first_name="Ian", last_name="Intern"),
    )
    c = client_for(manager)
    body = c.get("/o/acme/team/?category=Social+Skills", **HTMX).content.decode()
    assert body.lstrip().startswith('<section id="matrix"')
    assert 'data-competency="Negotiation"' in body
    assert 'data-competency="Programming"' not in body
    assert f'id="row-{intern.pk}"' not in body
    assert "Include everyone below my reports" in c.get("/o/acme/team/").content.decode()

    body = c.get("/o/acme/team/?subtree=1&sort=name").content.decode()
    intern_row = body.split(f'id="row-{intern.pk}"')[1].split("</tr>")[0]
    assert "read-only" in intern_row
    assert f"/team/{intern.pk}/assess/" not in intern_row
    assert body.index(f'id="row-{developer.pk}"') < body.index(f'id="row-{intern.pk}"')
    empty = c.get("/o/acme/team/?category=Nope").content.decode()
    assert "No competency of your team" in empty


def _team(org, manager, reports: int, competencies: list) -> None:
    role = RoleFactory(organization=org)
    RoleRequirement.objects.bulk_create(
        RoleRequirement(
            organization=org, role=role, competency=comp, required_level=3, importance=2
        )
        for comp in competencies
    )
    people = [
        EmployeeFactory(organization=org, manager=manager, role=role, department=manager.department)
        for _ in range(reports)
    ]
    SkillProfile.objects.bulk_create(
        SkillProfile(
            organization=org,
            employee=person,
            competency=comp,
            self_level=(i + j) % 6,
            manager_level=(i * j) % 6,
            effective_level=(i * j) % 6,
        )
        for i, person in enumerate(people)
        for j, comp in enumerate(competencies)
    )


def test_matrix_runs_a_fixed_number_of_queries_whatever_the_team_size(
    client_for, org, manager, django_assert_max_num_queries
) -> None:
    competencies = CompetencyFactory.create_batch(40, organization=org)
    other_manager = EmployeeFactory(organization=org)
    _team(org, other_manager, 5, competencies)
    _team(org, manager, 50, competencies)
    with CaptureQueriesContext(connection) as small:
        assert client_for(other_manager).get("/o/acme/team/").status_code == 200
    with django_assert_max_num_queries(len(small)):
        body = client_for(manager).get("/o/acme/team/").content.decode()
    assert body.count('<td class="cell') == 50 * 40


# --- The manager assessment form ---------------------------------------------------------------


def test_manager_form_shows_the_self_rating_and_evidence_beside_each_item(
    client_for, manager, developer, skills
) -> None:
    programming, writing, negotiation = skills
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    services.rating_set(
        assessment=draft,
        actor=developer,
        competency=programming,
        level=4,
        evidence="Shipped the payments API",
    )
    for comp in (writing, negotiation):
        services.rating_set(assessment=draft, actor=developer, competency=comp, level=2)
    services.assessment_submit(assessment=draft, actor=developer)
    body = client_for(manager).get(f"/o/acme/team/{developer.pk}/assess/").content.decode()
    assert "Assess Emma Stone" in body
    item = body.split(f'id="item-{programming.pk}"')[1].split("</article>")[0]
    assert "Emma's self rating" in item
    assert "Shipped the payments API" in item
    assert "0 of 3 rated" in body
    assert f'hx-post="/o/acme/team/{developer.pk}/assess/rate/"' in body


@pytest.mark.parametrize("who", ["hr", "colleague", "skip_level", "self"])
def test_only_the_direct_manager_can_assess(client_for, org, manager, developer, hr, skills, who):
    boss = EmployeeFactory(organization=org)
    manager.manager = boss
    manager.save(update_fields=["manager"])
    member = {
        "hr": hr,
        "colleague": EmployeeFactory(organization=org, manager=manager),
        "skip_level": boss,
        "self": developer,
    }[who]
    c = client_for(member)
    base = f"/o/acme/team/{developer.pk}/assess/"
    assert c.get(base).status_code == 403
    assert (
        c.post(base + "rate/", {"competency": skills[0].pk, "level": 3}, **HTMX).status_code == 403
    )
    assert c.post(base + "submit/").status_code == 403
    assert not Assessment.objects.exists()


def test_manager_autosave_and_bad_level(client_for, manager, developer, skills) -> None:
    c = client_for(manager)
    url = f"/o/acme/team/{developer.pk}/assess/rate/"
    bad = c.post(url, {"competency": skills[0].pk, "level": 9}, **HTMX)
    assert bad.status_code == 400
    assert "outside this organisation" in bad.content.decode()
    assert not Assessment.objects.exists()
    ok = c.post(url, {"competency": skills[0].pk, "level": 3}, **HTMX)
    assert ok.status_code == 200
    assert "✓ Saved" in ok.content.decode()
    rating = Rating.objects.get()
    assert rating.assessment.kind == MANAGER and rating.assessment.assessor == manager


def test_manager_submit_with_missing_ratings_is_refused(client_for, manager, developer, skills):
    c = client_for(manager)
    c.post(
        f"/o/acme/team/{developer.pk}/assess/rate/",
        {"competency": skills[0].pk, "level": 3},
        **HTMX,
    )
    response = c.post(f"/o/acme/team/{developer.pk}/assess/submit/")
    assert response.status_code == 400
    assert "Missing: Negotiation, Writing." in response.content.decode()
    assert not SkillProfile.objects.exists()


def test_manager_submit_updates_the_matrix_cell(client_for, manager, developer, skills) -> None:
    programming, writing, negotiation = skills
    assess(developer, developer, SELF, {programming: 4, writing: 1, negotiation: 2})
    c = client_for(manager)
    before = c.get("/o/acme/team/").content.decode()
    assert 'data-state="gap"' in cell(before, developer, writing)
    for comp, level in ((programming, 4), (writing, 3), (negotiation, 2)):
        c.post(
            f"/o/acme/team/{developer.pk}/assess/rate/",
            {"competency": comp.pk, "level": level},
            **HTMX,
        )
    response = c.post(f"/o/acme/team/{developer.pk}/assess/submit/", follow=True)
    assert response.redirect_chain[-1][0] == (
        f"/o/acme/team/?assessed={developer.pk}#row-{developer.pk}"
    )
    body = response.content.decode()
    assert "Your assessment of Emma Stone was submitted" in body
    assert 'data-state="met"' in cell(body, developer, writing)
    assert "3/3" in cell(body, developer, writing)
