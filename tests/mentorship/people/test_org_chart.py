"""The org chart: the selector's tree and the page every member can see."""

from __future__ import annotations

from mentorship import selectors
from tests.factories import EmployeeFactory

URL = "/o/acme/org-chart/"


def test_org_chart_nests_reports_under_managers(org, hr, manager, employee) -> None:
    intern = EmployeeFactory(organization=org, manager=employee)
    roots = selectors.org_chart(organization=org)
    assert [r.employee for r in roots] == [manager, hr]  # by last name: Ito, Reyes
    mark = roots[0]
    assert [n.employee for n in mark.reports] == [employee]
    assert [n.employee for n in mark.reports[0].reports] == [intern]
    assert (mark.subtree_size, mark.team_size) == (3, 2)
    assert roots[1].subtree_size == 1


def test_org_chart_leaves_out_inactive_people_and_lifts_their_reports(org, manager, employee):
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    roots = selectors.org_chart(organization=org)
    assert [r.employee for r in roots] == [employee]


def test_org_chart_only_holds_the_organisations_people(org, employee, outsider) -> None:
    people = set()
    stack = selectors.org_chart(organization=org)
    while stack:
        node = stack.pop()
        people.add(node.employee)
        stack.extend(node.reports)
    assert outsider not in people and employee in people


def test_org_chart_selector_is_one_query(org, manager, django_assert_num_queries) -> None:
    EmployeeFactory.create_batch(10, organization=org, manager=manager)
    with django_assert_num_queries(1):
        roots = selectors.org_chart(organization=org)
        for node in roots:
            for child in node.reports:
                assert child.employee.department.name and child.employee.user.email


def test_anonymous_is_sent_to_login(client, org) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    assert client_for(outsider).get(URL).status_code == 404


def test_every_member_sees_the_chart(client_for, manager, employee) -> None:
    response = client_for(employee).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mark Ito" in body and "Emma Stone" in body
    assert "1 report" in body
    assert f"/o/acme/people/{employee.pk}/" in body
    assert "<details open>" in body


def test_chart_search_highlights_and_opens_the_path(client_for, org, manager, employee) -> None:
    deep = EmployeeFactory(organization=org, manager=employee, job_title="Data Wrangler")
    EmployeeFactory(organization=org, manager=deep, job_title="Junior")
    response = client_for(employee).get(URL, {"q": "wrangler"})
    assert response.context["matches"] == {deep.pk}
    assert response.context["opened"] == {manager.pk, employee.pk}
    body = response.content.decode()
    assert "1 person matches" in body and "org-match" in body


def test_chart_search_without_matches_says_so(client_for, employee) -> None:
    body = client_for(employee).get(URL, {"q": "nobody-like-this"}).content.decode()
    assert "Nobody matches" in body


def test_chart_htmx_search_returns_the_tree_only(client_for, employee) -> None:
    response = client_for(employee).get(URL, {"q": "emma"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Emma Stone" in body and "<html" not in body and "Find a person" not in body


def test_chart_runs_a_constant_number_of_queries(
    client_for, org, hr, django_assert_max_num_queries
) -> None:
    boss = EmployeeFactory(organization=org)
    c = client_for(hr)
    queries = []
    for teams in (1, 7):  # 5 people under the boss, then 40
        for lead in EmployeeFactory.create_batch(teams, organization=org, manager=boss):
            EmployeeFactory.create_batch(4, organization=org, manager=lead)
        with django_assert_max_num_queries(10) as captured:
            response = c.get(URL)
        assert response.status_code == 200
        queries.append(len(captured))
    assert response.context["people_count"] == 40 + 2
    assert queries[0] == queries[1]
