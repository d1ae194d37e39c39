"""GET /api/v1/programme/: the programme's figures for HR admins and reporting tools."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.api.test_oauth import api_as_client
from tests.factories import CompetencyFactory, PairingFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/programme/"


@pytest.fixture
def pairings(org, other_org):
    sql = CompetencyFactory(organization=org, name="SQL")
    PairingFactory(
        organization=org,
        competency=sql,
        state="completed",
        outcome="achieved",
        completed_at=timezone.now(),
        days_to_proficiency=30,
    )
    PairingFactory(organization=org, competency=sql, state="active")
    PairingFactory(organization=org, competency=sql, state="declined")
    PairingFactory.create_batch(4, organization=other_org, state="completed", outcome="achieved")
    return sql


def test_hr_reads_the_programme_figures(api_for, hr, pairings) -> None:
    response = api_for(hr).get(URL)
    assert response.status_code == 200
    body = response.json()
    headline = body["headline"]
    assert (headline["completed"], headline["active"], headline["declined"]) == (1, 1, 1)
    assert headline["total"] == 3  # the other organisation's four are not counted
    assert headline["achieved_rate"] == 100
    assert headline["acceptance_rate"] == 67
    assert headline["median_days_to_proficiency"] == 30
    assert len(body["months"]) == 12
    assert body["months"][-1]["started"] == 3 and body["months"][-1]["achieved"] == 1
    assert body["competencies"] == [
        {
            "competency_id": pairings.pk,
            "name": "SQL",
            "pairings": 2,
            "running": 1,
            "completed": 1,
            "achieved": 1,
            "achieved_rate": 100,
        }
    ]
    flows = body["department_flows"]
    assert sum(map(sum, flows["cells"])) == 2
    assert len(flows["cells"]) == len(flows["departments"])


def test_an_api_client_with_the_read_scope_reads_them(org, pairings) -> None:
    response = api_as_client(org, scopes="read").get(URL)
    assert response.status_code == 200
    assert response.json()["headline"]["total"] == 3


def test_other_members_may_not(api_for, manager, employee) -> None:
    for member in (manager, employee):
        response = api_for(member).get(URL)
        assert response.status_code == 403
        assert "HR admins" in response.json()["detail"]


def test_no_credential_no_figures(api_for) -> None:
    assert api_for(None).get(URL).status_code == 401


def test_an_empty_programme_has_zeros_and_no_rates(api_for, hr) -> None:
    headline = api_for(hr).get(URL).json()["headline"]
    assert headline["total"] == 0
    assert headline["achieved_rate"] is None and headline["median_days_to_proficiency"] is None


def test_the_query_count_does_not_grow_with_pairings(
    api_for, org, hr, django_assert_max_num_queries
) -> None:
    api = api_for(hr)
    PairingFactory.create_batch(2, organization=org)
    api.get(URL)
    with django_assert_max_num_queries(30) as few:
        api.get(URL)
    PairingFactory.create_batch(20, organization=org, state="completed", outcome="achieved")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(URL).json()["headline"]["total"] == 22
