"""/api/v1/scale/: the organisation's proficiency scale."""

from __future__ import annotations

from competencies.models import ProficiencyLevel
from mentorship.models import AuditEntry
from tests.api.helpers import assert_error

URL = "/api/v1/scale/"


def test_anonymous_is_refused(api_for, org) -> None:
    assert_error(api_for(None).get(URL), 401)
    assert_error(api_for(None).patch(f"{URL}3/", {"name": "Proficient"}), 401)


def test_member_reads_the_scale_lowest_level_first(api_for, employee) -> None:
    response = api_for(employee).get(URL)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["level"] for row in results] == [0, 1, 2, 3, 4, 5]
    assert results[3] == {
        "level": 3,
        "name": "Competent",
        "description": "Applies it independently in most everyday situations.",
    }
    assert api_for(employee).get(f"{URL}5/").json()["name"] == "Expert"


def test_outsider_sees_only_their_own_scale(api_for, org, outsider) -> None:
    ProficiencyLevel.objects.filter(organization=org, level=3).update(name="Acme-only")
    response = api_for(outsider).get(URL)
    assert "Acme-only" not in {row["name"] for row in response.json()["results"]}


def test_non_hr_member_cannot_rename_a_level(api_for, employee, org) -> None:
    assert_error(api_for(employee).patch(f"{URL}3/", {"name": "Proficient"}), 403)
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Competent"


def test_hr_renames_a_level_and_it_is_audited(api_for, hr, org) -> None:
    response = api_for(hr).patch(f"{URL}3/", {"name": "Proficient"})
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Proficient"
    assert response.json()["description"].startswith("Applies it independently")
    assert AuditEntry.objects.filter(
        organization=org, subject_type="scale", action="level_updated"
    ).exists()


def test_bad_input_is_refused(api_for, hr, org) -> None:
    client = api_for(hr)
    assert_error(client.patch(f"{URL}9/", {"name": "Wizard"}), 404)
    assert_error(client.patch(f"{URL}3/", {"name": ""}), 400, "name")
    assert_error(client.patch(f"{URL}3/", {"name": "x" * 61}), 400, "name")
    assert_error(client.patch(f"{URL}3/", {"rank": 1}), 400, "rank")
    assert_error(client.put(f"{URL}3/", {"name": "Proficient", "description": ""}), 405)
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Competent"
    assert not ProficiencyLevel.objects.filter(organization=org, level=9).exists()
