"""HR's mentoring programme page: headline numbers, trends, department flows and the list of
every pairing, for HR admins of this organisation only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.programme import selectors as programme
from tests.factories import (
    CompetencyFactory,
    DepartmentFactory,
    EmployeeFactory,
    PairingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(org, **query) -> str:
    base = reverse("programme", args=[org.slug])
    if query:
        from urllib.parse import urlencode

        base += "?" + urlencode(query)
    return base


@pytest.fixture
def people(org):
    sales = DepartmentFactory(organization=org, name="Sales", code="SAL")
    eng = DepartmentFactory(organization=org, name="Engineering Ops", code="EOP")

    def person(first, department):
        return EmployeeFactory(
            organization=org,
            department=department,
            user=UserFactory(first_name=first, last_name="Test"),
        )

    return {
        "ada": person("Ada", eng),
        "ben": person("Ben", eng),
        "cleo": person("Cleo", sales),
        "dev": person("Dev", sales),
        "sales": sales,
        "eng": eng,
    }


@pytest.fixture
def history(org, people):
    """Seven pairings: two completed (one reached the target), one active across departments,
    one awaiting review for ten days, one proposed, one declined, one expired."""
    sql = CompetencyFactory(organization=org, name="SQL")
    writing = CompetencyFactory(organization=org, name="Writing")
    now = timezone.now()
    ada, ben, cleo, dev = people["ada"], people["ben"], people["cleo"], people["dev"]
    done = PairingFactory(
        organization=org,
        mentee=cleo,
        mentor=ada,
        competency=sql,
        state="completed",
        outcome="achieved",
        completed_at=now,
        days_to_proficiency=40,
    )
    missed = PairingFactory(
        organization=org,
        mentee=dev,
        mentor=ada,
        competency=sql,
        state="completed",
        outcome="not_achieved",
        completed_at=now,
    )
    active = PairingFactory(
        organization=org, mentee=ben, mentor=cleo, competency=writing, task="Write the runbook"
    )
    stalled = PairingFactory(
        organization=org,
        mentee=ada,
        mentor=ben,
        competency=writing,
        state="awaiting_review",
        finished_at=now - dt.timedelta(days=10),
    )
    PairingFactory(organization=org, mentee=dev, mentor=ben, competency=writing, state="proposed")
    PairingFactory(organization=org, mentee=cleo, mentor=ben, competency=writing, state="declined")
    PairingFactory(organization=org, mentee=ben, mentor=dev, competency=sql, state="expired")
    return {"done": done, "missed": missed, "active": active, "stalled": stalled, "sql": sql}


def test_headline_counts_outcomes_rates_and_the_network(org, hr, people, history) -> None:
    h = programme.headline(organization=org)
    assert (h.proposed, h.active, h.awaiting_review, h.completed) == (1, 1, 1, 2)
    assert (h.declined, h.expired, h.cancelled, h.total) == (1, 1, 0, 7)
    assert h.achieved_rate == 50
    assert h.median_days_to_proficiency == 40
    # Went ahead: two completed, one active, one in review. Sales ↔ engineering in three of them.
    assert h.met == 4 and h.cross_department == 3 and h.cross_department_rate == 75
    assert h.acceptance_rate == round(100 * 4 / 6)  # declined and expired count as no
    assert h.stalled_reviews == 1
    assert (h.mentors, h.mentees) == (3, 4)
    assert h.active_people == 5  # the four, and HR


def test_figures_never_include_another_organisation(org, other_org, hr, history) -> None:
    PairingFactory.create_batch(3, organization=other_org, state="completed", outcome="achieved")
    assert programme.headline(organization=org).completed == 2
    assert sum(c.pairings for c in programme.by_competency(organization=org)) == 4
    assert programme.pairing_list(organization=org).count() == 7


def test_monthly_series_counts_this_month(org, history) -> None:
    months = programme.monthly(organization=org)
    assert len(months) == 12 and months[-1].month == timezone.localdate().replace(day=1)
    assert (months[-1].started, months[-1].achieved, months[-1].not_achieved) == (7, 1, 1)
    assert sum(m.started for m in months[:-1]) == 0


def test_department_flows_show_who_mentors_whom(org, people, history) -> None:
    flows = programme.department_flows(organization=org)
    cell = dict(((mentor, mentee), n) for mentor, cells in flows.rows for mentee, n, _ in cells)
    assert cell[("Engineering Ops", "Sales")] == 2  # Ada mentored Cleo and Dev
    assert cell[("Sales", "Engineering Ops")] == 1  # Cleo mentors Ben
    assert cell[("Engineering Ops", "Engineering Ops")] == 1  # Ben mentors Ada
    assert flows.peak == 2


def test_department_flows_fold_small_departments_into_other(org) -> None:
    comp = CompetencyFactory(organization=org)
    for i in range(programme.FLOW_DEPARTMENTS + 2):
        department = DepartmentFactory(organization=org, name=f"Team {i:02d}")
        PairingFactory(
            organization=org,
            competency=comp,
            mentee=EmployeeFactory(organization=org, department=department),
            mentor=EmployeeFactory(organization=org, department=department),
        )
    flows = programme.department_flows(organization=org)
    assert len(flows.departments) == programme.FLOW_DEPARTMENTS
    assert flows.departments[-1] == "Other departments"
    assert sum(map(sum, flows.cells)) == programme.FLOW_DEPARTMENTS + 2


def test_hr_sees_the_numbers_the_chart_and_every_pairing(client_for, org, hr, history) -> None:
    response = client_for(hr).get(url(org))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="kpi-completed">2<' in page
    assert "50% reached the target" in page
    assert 'id="programme-data"' in page and 'id="flows"' in page
    assert "1 pairing has waited over a week" in page
    for pairing in programme.pairing_list(organization=org):
        assert reverse("pairing_detail", args=[org.slug, pairing.pk]) in page
    assert "Showing 1–7 of 7 pairings" in page


def test_the_list_filters_by_state_competency_department_search_and_stalled(
    client_for, org, hr, people, history
) -> None:
    c = client_for(hr)

    def listed(**query) -> set[int]:
        page = c.get(url(org, **query), headers={"HX-Request": "true"})
        assert page.status_code == 200
        return {p.pk for p in page.context["page"].object_list}

    assert listed(state="completed") == {history["done"].pk, history["missed"].pk}
    assert len(listed(competency=history["sql"].pk)) == 3
    assert listed(q="runbook") == {history["active"].pk}
    assert listed(q="cleo") == {history["done"].pk, history["active"].pk} | {
        p.pk for p in programme.pairing_list(organization=org, state="declined")
    }
    assert listed(stalled="on") == {history["stalled"].pk}
    assert len(listed(department=people["sales"].pk)) == 6  # every pairing but Ben mentoring Ada


def test_htmx_filtering_answers_only_the_results(client_for, org, hr, history) -> None:
    response = client_for(hr).get(url(org, state="active"), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and 'id="pairing-table"' in body
    assert "Showing 1–1 of 1 pairing" in body


def test_bad_filter_values_are_ignored_not_a_server_error(client_for, org, hr, history) -> None:
    response = client_for(hr).get(url(org, state="nonsense", competency="abc", page="999"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 7


def test_another_organisations_competency_does_not_filter(
    client_for, org, other_org, hr, history
) -> None:
    theirs = CompetencyFactory(organization=other_org)
    response = client_for(hr).get(url(org, competency=theirs.pk))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 7  # ignored, not a leak or an error


def test_empty_programme_explains_how_pairings_start(client_for, org, hr) -> None:
    page = client_for(hr).get(url(org)).content.decode()
    assert "No pairings yet." in page
    assert 'id="kpi-completed"' not in page


def test_filters_that_match_nothing_say_so(client_for, org, hr, history) -> None:
    page = client_for(hr).get(url(org, q="nobody-like-this")).content.decode()
    assert "No pairing matches these filters." in page


def test_only_hr_admins_open_it(client_for, org, manager, employee, outsider) -> None:
    assert client_for(manager).get(url(org)).status_code == 403
    assert client_for(employee).get(url(org)).status_code == 403
    assert client_for(outsider).get(url(org)).status_code == 404


def test_query_count_does_not_grow_with_pairings(
    client_for, org, hr, people, django_assert_max_num_queries
) -> None:
    c = client_for(hr)
    PairingFactory.create_batch(3, organization=org)
    c.get(url(org))
    with django_assert_max_num_queries(20) as few:
        c.get(url(org))
    PairingFactory.create_batch(25, organization=org, state="completed", outcome="achieved")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = c.get(url(org))
    assert response.context["page"].paginator.count == 28


def test_the_list_pages_through_keeping_the_filters(client_for, org, hr) -> None:
    PairingFactory.create_batch(30, organization=org, state="active")
    first = client_for(hr).get(url(org, state="active")).content.decode()
    assert "Page 1 of 2" in first
    assert 'hx-get="?state=active&amp;page=2"' in first
    second = client_for(hr).get(url(org, state="active", page=2))
    assert len(second.context["page"].object_list) == 5


def test_hr_home_loads_the_programme_card(client_for, org, hr, history) -> None:
    c = client_for(hr)
    home = c.get(reverse("dashboard", args=[org.slug])).content.decode()
    card_url = reverse("programme_summary", args=[org.slug])
    assert f'hx-get="{card_url}"' in home
    card = c.get(card_url, headers={"HX-Request": "true"})
    body = card.content.decode()
    assert card.status_code == 200 and "<html" not in body
    assert "50%" in body  # reached the target
    assert "1 review</a> waiting over a week" in body
    # A plain visit goes to the programme page itself.
    assert c.get(card_url).url == reverse("programme", args=[org.slug])


def test_the_programme_card_is_for_hr_only(client_for, org, manager) -> None:
    card = reverse("programme_summary", args=[org.slug])
    assert client_for(manager).get(card, headers={"HX-Request": "true"}).status_code == 403
    home = client_for(manager).get(reverse("dashboard", args=[org.slug])).content.decode()
    assert card not in home


def test_the_programme_card_query_count_does_not_grow(
    client_for, org, hr, django_assert_max_num_queries
) -> None:
    c = client_for(hr)
    card = reverse("programme_summary", args=[org.slug])
    PairingFactory.create_batch(2, organization=org)
    c.get(card, headers={"HX-Request": "true"})
    with django_assert_max_num_queries(20) as few:
        c.get(card, headers={"HX-Request": "true"})
    PairingFactory.create_batch(20, organization=org, state="completed", outcome="achieved")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(card, headers={"HX-Request": "true"}).status_code == 200
