"""/api/v1/competencies/: competencies and their observable behaviours per level."""

from __future__ import annotations

from competencies.models import Competency, LevelBehaviour
from mentorship.models import AuditEntry
from tests.api.helpers import assert_error, ids
from tests.factories import CompetencyFactory, LevelBehaviourFactory

URL = "/api/v1/competencies/"


def test_anonymous_is_refused(api_for, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = api_for(None)
    assert_error(client.get(f"{URL}{competency.pk}/"), 401)
    assert_error(client.post(URL, {"name": "Listening"}), 401)
    assert not Competency.objects.filter(name="Listening").exists()


def test_member_reads_competencies_with_their_behaviours(api_for, employee, org) -> None:
    competency = CompetencyFactory(organization=org, name="Writing", code="2.A.1.c")
    LevelBehaviourFactory(competency=competency, level=4, description="Edits others' work.")
    LevelBehaviourFactory(competency=competency, level=2, description="Writes clear e-mails.")
    response = api_for(employee).get(f"{URL}{competency.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Writing"
    assert body["archived"] is False and body["archived_at"] is None
    assert body["behaviours"] == [
        {"level": 2, "description": "Writes clear e-mails."},
        {"level": 4, "description": "Edits others' work."},
    ]


def test_outsider_sees_nothing_of_acme(api_for, org, outsider) -> None:
    ours = CompetencyFactory(organization=org)
    theirs = CompetencyFactory(organization=outsider.organization)
    client = api_for(outsider)
    assert ids(client.get(URL)) == {theirs.pk}
    assert_error(client.get(f"{URL}{ours.pk}/"), 404)
    assert_error(client.patch(f"{URL}{ours.pk}/", {"name": "Taken"}), 404)
    assert_error(client.post(f"{URL}{ours.pk}/archive/"), 404)
    assert_error(client.put(f"{URL}{ours.pk}/behaviours/3/", {"description": "x"}), 404)
    ours.refresh_from_db()
    assert ours.archived_at is None and not ours.behaviours.exists()


def test_non_hr_member_cannot_write(api_for, employee, org) -> None:
    competency = CompetencyFactory(organization=org, name="Writing")
    client = api_for(employee)
    assert_error(client.post(URL, {"name": "Listening"}), 403)
    assert_error(client.patch(f"{URL}{competency.pk}/", {"name": "Prose"}), 403)
    assert_error(client.post(f"{URL}{competency.pk}/archive/"), 403)
    assert_error(client.put(f"{URL}{competency.pk}/behaviours/3/", {"description": "x"}), 403)
    competency.refresh_from_db()
    assert competency.name == "Writing" and competency.archived_at is None
    assert not LevelBehaviour.objects.filter(competency=competency).exists()


def test_hr_creates_and_updates_a_competency(api_for, hr, org) -> None:
    client = api_for(hr)
    response = client.post(
        URL, {"name": "Active Listening", "category": "Basic Skills", "code": "2.A.1.b"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["behaviours"] == [] and body["code"] == "2.A.1.b"
    response = client.patch(f"{URL}{body['id']}/", {"description": "Giving full attention."})
    assert response.status_code == 200
    assert response.json()["description"] == "Giving full attention."
    actions = set(
        AuditEntry.objects.filter(
            organization=org, subject_type="competency", subject_id=body["id"]
        ).values_list("action", flat=True)
    )
    assert actions == {"created", "updated"}


def test_duplicate_name_and_bad_fields_are_refused(api_for, hr, org) -> None:
    CompetencyFactory(organization=org, name="Writing")
    client = api_for(hr)
    count = Competency.objects.count()
    assert_error(client.post(URL, {"name": "Writing"}), 400, "name")
    assert_error(client.post(URL, {"name": ""}), 400, "name")
    assert_error(client.post(URL, {"name": "Speaking", "level": 3}), 400, "level")
    assert_error(client.post(URL, {"name": "Speaking", "category": ["a"]}), 400, "category")
    assert Competency.objects.count() == count


def test_archive_and_restore(api_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = api_for(hr)
    response = client.post(f"{URL}{competency.pk}/archive/")
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert ids(client.get(URL, {"archived": "true"})) == {competency.pk}
    assert ids(client.get(URL, {"archived": "false"})) == set()
    response = client.post(f"{URL}{competency.pk}/restore/")
    assert response.json()["archived"] is False
    actions = set(
        AuditEntry.objects.filter(subject_type="competency", subject_id=competency.pk).values_list(
            "action", flat=True
        )
    )
    assert {"archived", "restored"} <= actions


def test_hr_describes_removes_a_level_behaviour(api_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = api_for(hr)
    url = f"{URL}{competency.pk}/behaviours/3/"
    response = client.put(url, {"description": "Runs a workshop alone."})
    assert response.status_code == 200, response.content
    assert response.json() == {"level": 3, "description": "Runs a workshop alone."}
    detail = client.get(f"{URL}{competency.pk}/").json()
    assert detail["behaviours"] == [{"level": 3, "description": "Runs a workshop alone."}]
    assert client.put(url, {"description": ""}).status_code == 204
    assert not LevelBehaviour.objects.filter(competency=competency).exists()
    assert (
        AuditEntry.objects.filter(
            subject_type="competency", subject_id=competency.pk, action="behaviour_set"
        ).count()
        == 2
    )


def test_behaviour_level_off_the_scale_is_refused(api_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    response = api_for(hr).put(f"{URL}{competency.pk}/behaviours/9/", {"description": "Magic."})
    body = assert_error(response, 400, "level")
    assert "outside" in body["errors"]["level"][0]
    assert_error(api_for(hr).put(f"{URL}{competency.pk}/behaviours/3/", {}), 400, "description")
    assert not LevelBehaviour.objects.filter(competency=competency).exists()


def test_filters_and_search(api_for, employee, org) -> None:
    writing = CompetencyFactory(organization=org, name="Writing", category="Basic Skills")
    coding = CompetencyFactory(organization=org, name="Programming", category="Technical")
    client = api_for(employee)
    assert ids(client.get(URL, {"category": "Technical"})) == {coding.pk}
    assert ids(client.get(URL, {"search": "writ"})) == {writing.pk}


def test_list_runs_a_constant_number_of_queries(
    api_for, employee, org, django_assert_max_num_queries
) -> None:
    def add(n: int) -> None:
        for competency in CompetencyFactory.create_batch(n, organization=org):
            LevelBehaviourFactory(competency=competency, level=2)
            LevelBehaviourFactory(competency=competency, level=4)

    client = api_for(employee)
    add(5)
    with django_assert_max_num_queries(6):
        assert client.get(URL).status_code == 200
    add(25)
    with django_assert_max_num_queries(6):
        assert len(client.get(URL).json()["results"]) == 30
