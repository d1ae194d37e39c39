"""My skills (the self form and its autosave), the skill profile, exploring roles, goals, the home card."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, DevelopmentGoal, Rating, SkillProfile
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    LevelBehaviourFactory,
    RoleFactory,
    RoleRequirementFactory,
)

SELF, MANAGER = Assessment.Kind.SELF, Assessment.Kind.MANAGER
HTMX = {"HTTP_HX_REQUEST": "true"}


def assess(subject, assessor, kind, levels: dict) -> Assessment:
    draft = services.assessment_start(subject=subject, assessor=assessor, kind=kind)
    for comp, level in levels.items():
        services.rating_set(assessment=draft, actor=assessor, competency=comp, level=level)
    return services.assessment_submit(assessment=draft, actor=assessor)


def rate(client, competency, level, evidence: str = "", **headers):
    return client.post(
        "/o/acme/my-skills/rate/",
        {"competency": competency.pk, "level": level, "evidence": evidence},
        **{**HTMX, **headers},
    )


def nothing_written() -> bool:
    return not Assessment.objects.exists() and not Rating.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/o/acme/my-skills/",
        "/o/acme/my-skills/summary/",
        "/o/acme/my-skills/explore/",
        "/o/acme/people/1/skills/",
    ],
)
def test_anonymous_is_sent_to_login(client, org, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_member_of_another_organisation_gets_404(client_for, outsider, developer, skills) -> None:
    c = client_for(outsider)
    assert c.get("/o/acme/my-skills/").status_code == 404
    assert rate(c, skills[0], 3).status_code == 404
    # Acme's ids under the outsider's own organisation are 404 too.
    assert c.get(f"/o/globex/people/{developer.pk}/skills/").status_code == 404
    assert nothing_written()


# --- My skills -------------------------------------------------------------------------------


def test_my_skills_shows_behaviours_per_level_grouped_by_category(
    client_for, developer, skills
) -> None:
    programming = skills[0]
    LevelBehaviourFactory(
        organization=developer.organization,
        competency=programming,
        level=4,
        description="Designs modules others build on.",
    )
    body = client_for(developer).get("/o/acme/my-skills/").content.decode()
    assert "Technical Skills" in body and "Social Skills" in body
    assert "Designs modules others build on." in body
    # A level without its own behaviour falls back to the scale's general description.
    assert "Applies it independently in most everyday situations." in body
    assert "0 of 3 rated" in body
    assert 'hx-post="/o/acme/my-skills/rate/"' in body


def test_my_skills_without_a_role_explains_that_hr_sets_it(client_for, employee) -> None:
    body = client_for(employee).get("/o/acme/my-skills/").content.decode()
    assert "Your role is not set yet" in body
    assert "HR sets each person's role" in body


def test_my_skills_shows_open_requests_with_their_due_date(client_for, hr, developer) -> None:
    due = timezone.localdate() + dt.timedelta(days=10)
    services.assessment_request_create(
        organization=developer.organization,
        actor=hr,
        audience="organization",
        due_date=due,
        message="Annual review",
    )
    body = client_for(developer).get("/o/acme/my-skills/").content.decode()
    assert "You have been asked to assess your skills" in body
    assert f"{due.day} {due:%b %Y}" in body
    assert "Annual review" in body


def test_autosave_returns_the_item_with_saved_and_the_progress(
    client_for, developer, skills
) -> None:
    response = rate(client_for(developer), skills[0], 3, evidence="Led the billing rewrite")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="item-{skills[0].pk}"' in body
    assert "✓ Saved" in body
    assert 'id="rating-progress" class="card mb-3 rating-progress" hx-swap-oob="true"' in body
    assert "1 of 3 rated" in body
    rating = Rating.objects.get()
    assert (rating.level, rating.evidence) == (3, "Led the billing rewrite")
    assert rating.assessment.kind == SELF and rating.assessment.is_draft


def test_autosave_changes_the_same_draft(client_for, developer, skills) -> None:
    c = client_for(developer)
    rate(c, skills[0], 2)
    rate(c, skills[0], 4)
    assert Assessment.objects.count() == 1
    assert Rating.objects.get().level == 4


def test_evidence_autosave_answers_only_the_status(client_for, developer, skills) -> None:
    c = client_for(developer)
    rate(c, skills[1], 3)
    response = rate(c, skills[1], 3, evidence="Wrote the runbook", HTTP_HX_TRIGGER_NAME="evidence")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith(f'<span id="status-{skills[1].pk}"')
    assert "✓ Saved" in body and "rating-progress" not in body
    assert Rating.objects.get().evidence == "Wrote the runbook"


def test_evidence_without_a_level_asks_for_a_level_first(client_for, developer, skills) -> None:
    response = client_for(developer).post(
        "/o/acme/my-skills/rate/",
        {"competency": skills[0].pk, "evidence": "A note"},
        HTTP_HX_TRIGGER_NAME="evidence",
        **HTMX,
    )
    assert response.status_code == 400
    assert "Pick a level first" in response.content.decode()
    assert nothing_written()


def test_level_outside_the_scale_shows_the_error_and_writes_nothing(
    client_for, developer, skills
) -> None:
    response = rate(client_for(developer), skills[0], 9)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Level 9 is outside this organisation&#x27;s scale (0–5)." in body
    assert f'id="item-{skills[0].pk}"' in body
    assert nothing_written()


@pytest.mark.parametrize("which", ["foreign", "unknown", "not_in_role", "archived"])
def test_competency_outside_the_role_is_refused(
    client_for, developer, skills, other_org, which
) -> None:
    if which == "foreign":
        competency_id = CompetencyFactory(organization=other_org).pk
    elif which == "unknown":
        competency_id = 999_999
    elif which == "not_in_role":
        competency_id = CompetencyFactory(organization=developer.organization).pk
    else:
        skills[0].archived_at = timezone.now()
        skills[0].save(update_fields=["archived_at"])
        competency_id = skills[0].pk
    response = client_for(developer).post(
        "/o/acme/my-skills/rate/", {"competency": competency_id, "level": 2}, **HTMX
    )
    assert response.status_code == 400
    assert "not one of the role&#x27;s competencies" in response.content.decode()
    assert nothing_written()


def test_autosave_without_htmx_redirects_back_with_a_message(client_for, developer, skills) -> None:
    response = client_for(developer).post(
        "/o/acme/my-skills/rate/", {"competency": skills[0].pk, "level": 3}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/o/acme/my-skills/#item-{skills[0].pk}"
    assert "Saved your rating of Programming." in response.content.decode()


def test_bad_input_without_htmx_shows_the_page_with_the_error(
    client_for, developer, skills
) -> None:
    response = client_for(developer).post(
        "/o/acme/my-skills/rate/", {"competency": skills[0].pk, "level": 9}
    )
    assert response.status_code == 400
    assert "Level 9 is outside" in response.content.decode()
    assert nothing_written()


def test_submit_with_missing_ratings_names_them_and_writes_nothing(
    client_for, developer, skills
) -> None:
    c = client_for(developer)
    rate(c, skills[0], 3)
    response = c.post("/o/acme/my-skills/submit/")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Missing: Negotiation, Writing." in body
    assert Assessment.objects.get().is_draft
    assert not SkillProfile.objects.exists()


def test_submit_without_any_rating_names_every_competency(client_for, developer, skills) -> None:
    response = client_for(developer).post("/o/acme/my-skills/submit/")
    assert response.status_code == 400
    assert "Missing: Negotiation, Programming, Writing." in response.content.decode()
    assert nothing_written()


def test_submit_updates_the_profile_and_shows_it(client_for, developer, skills) -> None:
    c = client_for(developer)
    for comp, level in zip(skills, [2, 3, 4], strict=True):
        rate(c, comp, level)
    response = c.post("/o/acme/my-skills/submit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/o/acme/people/{developer.pk}/skills/"
    body = response.content.decode()
    assert "Your self-assessment was submitted." in body
    assert Assessment.objects.get().status == Assessment.Status.SUBMITTED
    assert SkillProfile.objects.get(competency=skills[0]).self_level == 2


def _role_with(org, n: int):
    role = RoleFactory(organization=org)
    comps = CompetencyFactory.create_batch(n, organization=org)
    for i, comp in enumerate(comps):
        RoleRequirementFactory(organization=org, role=role, competency=comp)
        LevelBehaviourFactory(organization=org, competency=comp, level=i % 6)
    return role, comps


def test_my_skills_runs_a_fixed_number_of_queries(
    client_for, org, developer, django_assert_max_num_queries
) -> None:
    small_role, small = _role_with(org, 5)
    big_role, big = _role_with(org, 30)
    c = client_for(developer)

    def arrange(role, comps) -> None:
        developer.role = role
        developer.save(update_fields=["role"])
        draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
        for comp in comps[:3]:
            services.rating_set(assessment=draft, actor=developer, competency=comp, level=2)

    arrange(small_role, small)
    with CaptureQueriesContext(connection) as ctx:
        assert "0 of 5 rated" not in c.get("/o/acme/my-skills/").content.decode()
    arrange(big_role, big)
    with django_assert_max_num_queries(len(ctx)):
        body = c.get("/o/acme/my-skills/").content.decode()
    assert body.count('class="card mb-3 rating-item') == 30


# --- Profile ---------------------------------------------------------------------------------


def test_profile_shows_self_and_manager_side_by_side_with_history(
    client_for, developer, manager, skills
) -> None:
    programming, writing, negotiation = skills
    assess(developer, developer, SELF, {programming: 5, writing: 1, negotiation: 2})
    assess(developer, manager, MANAGER, {programming: 3, writing: 1, negotiation: 2})
    response = client_for(developer).get(f"/o/acme/people/{developer.pk}/skills/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "My skill profile" in body
    row = body.split(f'id="comp-{programming.pk}"')[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("<")[0].strip() for c in row.split("<td")[1:5]]
    assert cells == ["4", "5", "3", "3"]  # required, self, manager, effective: never averaged
    assert 'data-state="gap"' in row and "⚠" in row
    history = json.loads(body.split('id="skill-history" type="application/json">')[1].split("<")[0])
    assert [p["kind"] for p in history[str(programming.pk)]] == ["self", "manager"]
    assert "vendor/chartjs/chart.umd.min.js" in body
    # Gaps, highest priority first: Programming (4-3)*5 = 5, Writing (3-1)*2 = 4.
    gaps = body.split('id="gap-list"')[1]
    assert gaps.index("Programming") < gaps.index("Writing")


@pytest.mark.parametrize("viewer", ["self", "manager", "skip_level", "hr"])
def test_profile_is_visible_to_the_person_their_managers_and_hr(
    client_for, org, developer, manager, hr, viewer
) -> None:
    boss = EmployeeFactory(organization=org)
    manager.manager = boss
    manager.save(update_fields=["manager"])
    member = {"self": developer, "manager": manager, "skip_level": boss, "hr": hr}[viewer]
    assert client_for(member).get(f"/o/acme/people/{developer.pk}/skills/").status_code == 200


def test_colleague_cannot_see_a_profile(client_for, org, developer, manager) -> None:
    colleague = EmployeeFactory(organization=org, manager=manager)
    assert client_for(colleague).get(f"/o/acme/people/{developer.pk}/skills/").status_code == 403
    # A report cannot see their manager's profile either.
    assert client_for(developer).get(f"/o/acme/people/{manager.pk}/skills/").status_code == 403


def test_profile_lists_goals_with_remove_buttons_on_your_own(
    client_for, org, developer, skills
) -> None:
    lead = RoleFactory(organization=org, name="Tech Lead")
    goal = services.goal_set_role(employee=developer, actor=developer, role=lead)
    body = client_for(developer).get(f"/o/acme/people/{developer.pk}/skills/").content.decode()
    assert "Role: Tech Lead" in body
    assert f"/o/acme/my-skills/goals/{goal.pk}/remove/" in body


# --- Explore a role and goals ----------------------------------------------------------------


def test_explore_lists_the_gaps_against_the_chosen_role(client_for, org, developer, skills) -> None:
    programming, writing, negotiation = skills
    assess(developer, developer, SELF, {programming: 4, writing: 3, negotiation: 1})
    lead = RoleFactory(organization=org, name="Tech Lead")
    RoleRequirementFactory(
        organization=org, role=lead, competency=negotiation, required_level=4, importance=4
    )
    c = client_for(developer)
    assert "Choose a role above" in c.get("/o/acme/my-skills/explore/").content.decode()
    response = c.get(f"/o/acme/my-skills/explore/?role={lead.pk}", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="explore-results"')
    assert "Your gaps against Tech Lead" in body
    assert "Negotiation" in body and "priority 12" in body
    assert "Save as development goal" in body


def test_explore_with_another_organisations_role_shows_an_error(
    client_for, developer, other_org
) -> None:
    foreign = RoleFactory(organization=other_org)
    body = client_for(developer).get(f"/o/acme/my-skills/explore/?role={foreign.pk}").content
    assert "Choose one of your organisation&#x27;s active roles." in body.decode()


def test_save_role_as_goal(client_for, org, developer, skills) -> None:
    lead = RoleFactory(organization=org, name="Tech Lead")
    response = client_for(developer).post(
        "/o/acme/my-skills/goals/role/", {"role": lead.pk}, follow=True
    )
    body = response.content.decode()
    assert "Saved “Tech Lead” as a development goal." in body
    assert "✓ Saved as a development goal" in body
    assert DevelopmentGoal.objects.get().target_role == lead


def test_role_goal_bad_input_is_an_error_next_to_the_field(
    client_for, developer, skills, other_org
) -> None:
    c = client_for(developer)
    own = c.post("/o/acme/my-skills/goals/role/", {"role": developer.role_id})
    assert own.status_code == 400
    assert "This is already your role." in own.content.decode()
    foreign = c.post(
        "/o/acme/my-skills/goals/role/", {"role": RoleFactory(organization=other_org).pk}
    )
    assert foreign.status_code == 400
    assert not DevelopmentGoal.objects.exists()


def test_competency_goal_is_saved_and_validated(client_for, developer, skills) -> None:
    c = client_for(developer)
    bad = c.post(
        "/o/acme/my-skills/goals/competency/", {"competency": skills[1].pk, "target_level": 9}
    )
    assert bad.status_code == 400
    assert "Level 9 is outside" in bad.content.decode()
    assert not DevelopmentGoal.objects.exists()
    ok = c.post(
        "/o/acme/my-skills/goals/competency/",
        {"competency": skills[1].pk, "target_level": 5},
        follow=True,
    )
    assert "Saved your goal: Writing at level 5." in ok.content.decode()
    assert DevelopmentGoal.objects.get().target_level == 5


def test_goal_remove_is_yours_only(client_for, org, developer, manager, skills, outsider) -> None:
    lead = RoleFactory(organization=org, name="Tech Lead")
    goal = services.goal_set_role(employee=developer, actor=developer, role=lead)
    url = f"/o/acme/my-skills/goals/{goal.pk}/remove/"
    assert client_for(manager).post(url).status_code == 403
    assert (
        client_for(outsider).post(f"/o/globex/my-skills/goals/{goal.pk}/remove/").status_code == 404
    )
    assert DevelopmentGoal.objects.exists()
    response = client_for(developer).post(url, follow=True)
    assert "Removed the goal “Tech Lead”." in response.content.decode()
    assert not DevelopmentGoal.objects.exists()


# --- Home page card --------------------------------------------------------------------------


def test_summary_card_shows_requests_progress_and_top_gaps(
    client_for, hr, developer, skills
) -> None:
    programming = skills[0]
    services.assessment_request_create(
        organization=developer.organization,
        actor=hr,
        audience="organization",
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    services.rating_set(assessment=draft, actor=developer, competency=programming, level=1)
    body = client_for(developer).get("/o/acme/my-skills/summary/", **HTMX).content.decode()
    assert "<html" not in body
    assert "Self-assessment requested, due" in body
    assert "1 of 3 rated" in body
    assert body.count("#comp-") == 3  # nothing submitted yet: every requirement is a gap


def test_summary_card_without_a_role(client_for, employee) -> None:
    body = client_for(employee).get("/o/acme/my-skills/summary/", **HTMX).content.decode()
    assert "HR has not set your role yet" in body


def test_summary_outside_htmx_goes_to_my_skills(client_for, employee) -> None:
    response = client_for(employee).get("/o/acme/my-skills/summary/")
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/my-skills/"
