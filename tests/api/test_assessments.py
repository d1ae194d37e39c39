"""/api/v1/assessments/: self- and manager assessments, their ratings, and submitting them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, Rating, SkillProfile
from tests.api.helpers import DEVELOPER_SKILLS, assert_error, assess, give_role, ids
from tests.factories import CompetencyFactory, EmployeeFactory

URL = "/api/v1/assessments/"
SELF, MANAGER = Assessment.Kind.SELF, Assessment.Kind.MANAGER

FIELDS = {
    "id",
    "subject",
    "assessor",
    "kind",
    "status",
    "role",
    "created_at",
    "updated_at",
    "submitted_at",
    "ratings",
}


def rating_url(assessment_id: int, competency_id: int) -> str:
    return f"{URL}{assessment_id}/ratings/{competency_id}/"


@pytest.fixture
def skills(employee):
    """`employee` is a developer: Programming ≥ 4 (importance 5), Writing ≥ 3 (2),
    Negotiation ≥ 2 (1)."""
    return give_role(employee, *DEVELOPER_SKILLS)


@pytest.fixture
def draft(employee, skills) -> Assessment:
    return services.assessment_start(subject=employee, assessor=employee, kind=SELF)


@pytest.fixture
def director(org, manager):
    """The manager's manager."""
    boss = EmployeeFactory(organization=org, job_title="Director")
    manager.manager = boss
    manager.save(update_fields=["manager"])
    return boss


@pytest.fixture
def colleague(org):
    """Someone in the organisation outside the employee's reporting line."""
    return EmployeeFactory(organization=org, job_title="Accountant")


# --- Refusals --------------------------------------------------------------------------------------


def test_anonymous_is_refused(api_for, draft, skills) -> None:
    client = api_for(None)
    assert_error(client.get(URL), 401)
    assert_error(client.get(f"{URL}{draft.pk}/"), 401)
    assert_error(client.post(URL, {"subject": draft.subject_id, "kind": "self"}), 401)
    assert_error(client.put(rating_url(draft.pk, skills[0].pk), {"level": 3}), 401)
    assert_error(client.post(f"{URL}{draft.pk}/submit/"), 401)
    assert Assessment.objects.count() == 1
    assert not Rating.objects.exists()


def test_outsider_sees_nothing_and_gets_404_on_acme_ids(api_for, draft, skills, outsider) -> None:
    services.rating_set(assessment=draft, actor=draft.assessor, competency=skills[0], level=2)
    theirs = services.assessment_start(subject=outsider, assessor=outsider, kind=SELF)
    client = api_for(outsider)
    assert ids(client.get(URL)) == {theirs.pk}
    assert_error(client.get(f"{URL}{draft.pk}/"), 404)
    assert_error(client.put(rating_url(draft.pk, skills[0].pk), {"level": 5}), 404)
    assert_error(client.delete(rating_url(draft.pk, skills[0].pk)), 404)
    assert_error(client.post(f"{URL}{draft.pk}/submit/"), 404)
    # Their own draft, but an acme competency in the URL: still 404.
    assert_error(client.put(rating_url(theirs.pk, skills[1].pk), {"level": 3}), 404)
    # An acme person in the body does not exist for them.
    body = assert_error(client.post(URL, {"subject": draft.subject_id, "kind": "manager"}), 400)
    assert "does not exist" in body["errors"]["subject"][0]
    assert list(Rating.objects.values_list("assessment_id", "level")) == [(draft.pk, 2)]
    assert Assessment.objects.filter(status=Assessment.Status.DRAFT).count() == 2


def test_manager_cannot_assess_someone_who_does_not_report_to_them(
    api_for, manager, hr, employee, colleague
) -> None:
    body = assert_error(api_for(manager).post(URL, {"subject": hr.pk, "kind": "manager"}), 403)
    assert "do not report to you" in body["detail"]
    assert_error(api_for(colleague).post(URL, {"subject": employee.pk, "kind": "manager"}), 403)
    assert_error(api_for(employee).post(URL, {"subject": employee.pk, "kind": "manager"}), 403)
    assert not Assessment.objects.exists()


def test_self_assessing_someone_else_is_a_field_error(api_for, manager, employee) -> None:
    response = api_for(manager).post(URL, {"subject": employee.pk, "kind": "self"})
    body = assert_error(response, 400, "subject")
    assert "only be about yourself" in body["errors"]["subject"][0]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"kind": "self"}, {"subject"}),
        ({"subject": "me", "kind": "self"}, {"subject"}),
        ({"subject": 0, "kind": "self"}, {"subject"}),
        ({"subject": None, "kind": "peer"}, {"subject", "kind"}),
        ({"subject": "EMPLOYEE", "kind": "self", "due": "soon"}, {"due"}),
    ],
)
def test_bad_start_is_a_field_error(api_for, employee, payload, fields) -> None:
    payload = {k: employee.pk if v == "EMPLOYEE" else v for k, v in payload.items()}
    assert_error(api_for(employee).post(URL, payload), 400, *fields)
    assert not Assessment.objects.exists()


def test_only_the_assessor_changes_an_assessment(api_for, manager, employee, skills) -> None:
    """A draft is private to its assessor; once submitted, the subject and the manager read each
    other's assessments, and neither may change the other's."""
    own = services.assessment_start(subject=employee, assessor=employee, kind=SELF)
    services.rating_set(assessment=own, actor=employee, competency=skills[0], level=3)
    theirs = services.assessment_start(subject=employee, assessor=manager, kind=MANAGER)
    for client, assessment in ((api_for(employee), theirs), (api_for(manager), own)):
        assert_error(client.get(f"{URL}{assessment.pk}/"), 404)
        assert_error(client.put(rating_url(assessment.pk, skills[0].pk), {"level": 1}), 404)
    assert list(Rating.objects.values_list("assessment_id", "level")) == [(own.pk, 3)]

    submitted = assess(employee, employee, *((c, 3) for c in skills))
    client = api_for(manager)
    assert client.get(f"{URL}{submitted.pk}/").status_code == 200
    assert_error(client.put(rating_url(submitted.pk, skills[0].pk), {"level": 1}), 403)
    assert_error(client.put(rating_url(submitted.pk, skills[0].pk), {"level": 99}), 403)
    assert_error(client.delete(rating_url(submitted.pk, skills[0].pk)), 403)
    assert_error(client.post(f"{URL}{submitted.pk}/submit/"), 403)
    assert set(Rating.objects.filter(assessment=submitted).values_list("level", flat=True)) == {3}


# --- Who sees what ---------------------------------------------------------------------------------


def test_members_see_their_own_managers_their_subtree_and_hr_everything(
    api_for, hr, manager, employee, director, colleague, skills
) -> None:
    rated = [(c, 3) for c in skills]
    about_employee = assess(employee, employee, *rated)
    by_manager = assess(employee, manager, *rated)
    about_manager = assess(manager, manager, *rated)
    about_colleague = assess(colleague, colleague, *rated)
    draft = services.assessment_start(subject=employee, assessor=employee, kind=SELF)
    submitted = {about_employee.pk, by_manager.pk, about_manager.pk, about_colleague.pk}

    assert ids(api_for(employee).get(URL)) == {about_employee.pk, by_manager.pk, draft.pk}
    assert ids(api_for(manager).get(URL)) == {about_employee.pk, by_manager.pk, about_manager.pk}
    assert ids(api_for(director).get(URL)) == {about_employee.pk, by_manager.pk, about_manager.pk}
    assert ids(api_for(colleague).get(URL)) == {about_colleague.pk}
    assert ids(api_for(hr).get(URL)) == submitted  # drafts stay private, even to HR

    # What you may not see does not exist for you.
    assert_error(api_for(colleague).get(f"{URL}{about_employee.pk}/"), 404)
    assert_error(api_for(employee).get(f"{URL}{about_manager.pk}/"), 404)
    assert_error(api_for(manager).get(f"{URL}{draft.pk}/"), 404)
    assert_error(api_for(employee).post(f"{URL}{about_colleague.pk}/submit/"), 404)
    assert api_for(hr).get(f"{URL}{about_colleague.pk}/").status_code == 200


def test_filters(api_for, hr, manager, employee, skills) -> None:
    self_done = assess(employee, employee, *((c, 2) for c in skills))
    manager_done = assess(employee, manager, *((c, 3) for c in skills))
    manager_self = assess(manager, manager, *((c, 4) for c in skills))
    manager_draft = services.assessment_start(subject=employee, assessor=manager, kind=MANAGER)
    client = api_for(hr)
    assert ids(client.get(URL, {"subject": employee.pk})) == {self_done.pk, manager_done.pk}
    assert ids(client.get(URL, {"assessor": manager.pk})) == {manager_done.pk, manager_self.pk}
    assert ids(client.get(URL, {"kind": "manager"})) == {manager_done.pk}
    assert ids(client.get(URL, {"status": "draft"})) == set()
    assert ids(api_for(manager).get(URL, {"status": "draft"})) == {manager_draft.pk}
    assert ids(client.get(URL, {"subject": employee.pk, "status": "submitted"})) == {
        self_done.pk,
        manager_done.pk,
    }
    assert_error(client.get(URL, {"kind": "peer"}), 400, "kind")
    assert_error(client.get(URL, {"subject": "me"}), 400, "subject")


# --- Drafts and ratings ----------------------------------------------------------------------------


def test_start_returns_the_open_draft(api_for, employee, skills) -> None:
    client = api_for(employee)
    response = client.post(URL, {"subject": employee.pk, "kind": "self"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert body["subject"] == body["assessor"] == employee.pk
    assert body["kind"] == "self" and body["status"] == "draft"
    assert body["role"] == employee.role_id and body["ratings"] == []
    again = client.post(URL, {"subject": employee.pk, "kind": "self"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert Assessment.objects.count() == 1


def test_manager_starts_an_assessment_of_a_direct_report(api_for, manager, employee) -> None:
    response = api_for(manager).post(URL, {"subject": employee.pk, "kind": "manager"})
    assert response.status_code == 201, response.content
    assert response.json()["assessor"] == manager.pk
    assert response.json()["subject"] == employee.pk


def test_assessor_rates_changes_and_clears_a_rating(api_for, employee, draft, skills) -> None:
    programming = skills[0]
    client = api_for(employee)
    url = rating_url(draft.pk, programming.pk)
    response = client.put(url, {"level": 3, "evidence": "  Shipped the billing service.  "})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "competency": programming.pk,
        "competency_name": "Programming",
        "level": 3,
        "evidence": "Shipped the billing service.",
    }
    assert client.put(url, {"level": 4}).json()["level"] == 4
    assert client.get(f"{URL}{draft.pk}/").json()["ratings"] == [
        {"competency": programming.pk, "competency_name": "Programming", "level": 4, "evidence": ""}
    ]
    assert client.delete(url).status_code == 204
    assert client.get(f"{URL}{draft.pk}/").json()["ratings"] == []
    assert client.delete(url).status_code == 204  # clearing twice is harmless


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"level": 9}, "level"),
        ({"level": -1}, "level"),
        ({"level": "expert"}, "level"),
        ({"evidence": "Did it."}, "level"),
        ({"level": 3, "evidence": "x" * 2001}, "evidence"),
        ({"level": 3, "note": "typo"}, "note"),
    ],
)
def test_bad_rating_is_a_field_error_and_nothing_is_written(
    api_for, employee, draft, skills, payload, field
) -> None:
    assert_error(api_for(employee).put(rating_url(draft.pk, skills[0].pk), payload), 400, field)
    assert not Rating.objects.exists()


def test_a_level_off_the_scale_says_what_the_scale_is(api_for, employee, draft, skills) -> None:
    response = api_for(employee).put(rating_url(draft.pk, skills[0].pk), {"level": 9})
    body = assert_error(response, 400, "level")
    assert "outside this organisation's scale (0–5)" in body["errors"]["level"][0]


def test_an_archived_competency_cannot_be_rated(api_for, employee, draft, skills) -> None:
    skills[0].archived_at = timezone.now()
    skills[0].save(update_fields=["archived_at"])
    response = api_for(employee).put(rating_url(draft.pk, skills[0].pk), {"level": 3})
    body = assert_error(response, 400, "competency")
    assert "archived" in body["errors"]["competency"][0]
    assert not Rating.objects.exists()


def test_another_organisations_competency_is_not_found(api_for, employee, draft, other_org) -> None:
    foreign = CompetencyFactory(organization=other_org)
    assert_error(api_for(employee).put(rating_url(draft.pk, foreign.pk), {"level": 3}), 404)
    assert_error(api_for(employee).put(rating_url(draft.pk, 999999), {"level": 3}), 404)
    assert not Rating.objects.exists()


# --- Submitting ------------------------------------------------------------------------------------


def test_submit_names_the_missing_competencies_and_changes_nothing(
    api_for, employee, draft, skills
) -> None:
    client = api_for(employee)
    client.put(rating_url(draft.pk, skills[0].pk), {"level": 3})
    body = assert_error(client.post(f"{URL}{draft.pk}/submit/"), 400, "ratings")
    assert "Missing: Negotiation, Writing." in body["errors"]["ratings"][0]
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT and draft.submitted_at is None
    assert not SkillProfile.objects.exists()


def test_submitting_twice_is_refused(api_for, employee, draft, skills) -> None:
    client = api_for(employee)
    for competency in skills:
        client.put(rating_url(draft.pk, competency.pk), {"level": 2})
    response = client.post(f"{URL}{draft.pk}/submit/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted" and response.json()["submitted_at"]
    submitted_at = Assessment.objects.get(pk=draft.pk).submitted_at
    body = assert_error(client.post(f"{URL}{draft.pk}/submit/"), 400, "status")
    assert "already submitted" in body["errors"]["status"][0]
    # A submitted assessment is a record: its ratings no longer change.
    assert_error(client.put(rating_url(draft.pk, skills[0].pk), {"level": 5}), 400, "status")
    assert_error(client.delete(rating_url(draft.pk, skills[0].pk)), 400, "status")
    assert Assessment.objects.get(pk=draft.pk).submitted_at == submitted_at
    assert set(Rating.objects.values_list("level", flat=True)) == {2}
    # The next start opens a new draft.
    again = client.post(URL, {"subject": employee.pk, "kind": "self"})
    assert again.status_code == 201 and again.json()["id"] != draft.pk


def test_self_then_manager_assessment_shows_in_profiles_and_gaps(
    api_for, employee, manager, skills
) -> None:
    programming, writing, negotiation = skills
    me, boss = api_for(employee), api_for(manager)

    mine = me.post(URL, {"subject": employee.pk, "kind": "self"}).json()["id"]
    for competency, level in ((programming, 4), (writing, 3), (negotiation, 1)):
        assert me.put(rating_url(mine, competency.pk), {"level": level}).status_code == 200
    assert me.post(f"{URL}{mine}/submit/").status_code == 200

    profiles = me.get("/api/v1/skill-profiles/", {"employee": employee.pk}).json()["results"]
    assert {(p["competency_name"], p["self_level"], p["effective_level"]) for p in profiles} == {
        ("Programming", 4, 4),
        ("Writing", 3, 3),
        ("Negotiation", 1, 1),
    }
    gaps = me.get(f"/api/v1/employees/{employee.pk}/gaps/").json()["results"]
    assert [(g["competency_name"], g["gap"]) for g in gaps] == [("Negotiation", 1)]

    theirs = boss.post(URL, {"subject": employee.pk, "kind": "manager"}).json()["id"]
    for competency, level in ((programming, 2), (writing, 3), (negotiation, 2)):
        boss.put(rating_url(theirs, competency.pk), {"level": level, "evidence": "Seen it."})
    assert boss.post(f"{URL}{theirs}/submit/").json()["status"] == "submitted"

    programming_row = next(
        p
        for p in boss.get("/api/v1/skill-profiles/", {"employee": employee.pk}).json()["results"]
        if p["competency"] == programming.pk
    )
    assert programming_row["self_level"] == 4  # side by side, never averaged
    assert programming_row["manager_level"] == 2
    assert programming_row["effective_level"] == 2
    assert programming_row["manager_confirmed"] is True
    for client in (me, boss):
        gaps = client.get(f"/api/v1/employees/{employee.pk}/gaps/").json()["results"]
        assert [(g["competency_name"], g["gap"], g["priority"]) for g in gaps] == [
            ("Programming", 2, 10)
        ]


# --- Performance -----------------------------------------------------------------------------------


def test_list_runs_a_constant_number_of_queries(
    api_for, hr, manager, employee, skills, django_assert_max_num_queries
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            assess(employee, employee, *((c, 3) for c in skills))

    clients = [api_for(hr), api_for(manager)]
    add(5)
    for client in clients:
        with django_assert_max_num_queries(7):
            assert client.get(URL).status_code == 200
    add(25)
    for client in clients:
        with django_assert_max_num_queries(7):
            results = client.get(URL).json()["results"]
        assert len(results) == 30
        assert all(len(row["ratings"]) == 3 for row in results)
