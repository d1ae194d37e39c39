from __future__ import annotations

import json

import pytest

from competencies.models import Role, RoleRequirement
from mentorship.models import AuditEntry
from tests.factories import CompetencyFactory, EmployeeFactory, RoleFactory, RoleRequirementFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(path: str) -> str:
    return f"/o/acme/model/{path}"


def cell(role: Role, competency_pk: int) -> str:
    return url(f"roles/{role.pk}/requirements/{competency_pk}/")


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["roles/", "roles/new/", "roles/{pk}/", "roles/{pk}/edit/"])
def test_anonymous_is_sent_to_login(client, org, path) -> None:
    role = RoleFactory(organization=org)
    response = client.get(url(path.format(pk=role.pk)))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    role = RoleFactory(organization=org)
    assert client_for(outsider).get(url("roles/")).status_code == 404
    assert client_for(outsider).get(url(f"roles/{role.pk}/")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "roles/{pk}/"),
        ("get", "roles/{pk}/edit/"),
        ("post", "roles/{pk}/edit/"),
        ("post", "roles/{pk}/archive/"),
        ("post", "roles/{pk}/restore/"),
        ("post", "roles/{pk}/delete/"),
    ],
)
def test_another_organisations_role_is_404(client_for, hr, other_org, method, path) -> None:
    foreign = RoleFactory(organization=other_org, name="Secret")
    response = getattr(client_for(hr), method)(url(path.format(pk=foreign.pk)), {"name": "Hacked"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Secret" and foreign.archived_at is None


def test_requirement_cell_of_another_organisations_role_or_competency_is_404(
    client_for, hr, org, other_org
) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org)
    foreign_role = RoleFactory(organization=other_org)
    foreign_competency = CompetencyFactory(organization=other_org)
    client = client_for(hr)
    data = {"required_level": 3, "importance": 3}
    assert client.post(cell(foreign_role, competency.pk), data, **HTMX).status_code == 404
    assert client.post(cell(role, foreign_competency.pk), data, **HTMX).status_code == 404
    assert not RoleRequirement.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "roles/new/"),
        ("post", "roles/new/"),
        ("get", "roles/{pk}/edit/"),
        ("post", "roles/{pk}/edit/"),
        ("post", "roles/{pk}/archive/"),
        ("post", "roles/{pk}/restore/"),
        ("post", "roles/{pk}/delete/"),
        ("post", "roles/{pk}/requirements/{c}/"),
    ],
)
def test_members_who_are_not_hr_cannot_write(client_for, manager, org, method, path) -> None:
    role = RoleFactory(organization=org, name="Designer")
    competency = CompetencyFactory(organization=org)
    response = getattr(client_for(manager), method)(
        url(path.format(pk=role.pk, c=competency.pk)),
        {"name": "Changed", "required_level": 3, "importance": 3},
    )
    assert response.status_code == 403
    assert Role.objects.get().name == "Designer"
    assert not RoleRequirement.objects.exists()
    assert not AuditEntry.objects.exists()


# --- list -----------------------------------------------------------------------------------


def test_list_shows_requirement_and_people_counts(client_for, employee, org) -> None:
    role = RoleFactory(organization=org, name="Software Developer")
    RoleRequirementFactory.create_batch(3, role=role)
    EmployeeFactory.create_batch(2, organization=org, role=role)
    EmployeeFactory(organization=org, role=role, is_active=False)
    RoleFactory(organization=org, name="Typist", archived_at="2024-01-01T00:00Z")
    client = client_for(employee)
    body = client.get(url("roles/")).content.decode()
    assert "Software Developer" in body and "Typist" not in body
    assert '<td class="text-end">3</td>' in body and '<td class="text-end">2</td>' in body
    assert "New role" not in body
    assert "Typist" in client.get(url("roles/?archived=1")).content.decode()


def test_list_search_and_htmx_partial(client_for, hr, org) -> None:
    RoleFactory(organization=org, name="Data Scientist", family="Data")
    RoleFactory(organization=org, name="Recruiter", family="People")
    response = client_for(hr).get(url("roles/?q=data"), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="role-results"')
    assert "Data Scientist" in body and "Recruiter" not in body


def test_list_empty_state(client_for, hr, org) -> None:
    body = client_for(hr).get(url("roles/")).content.decode()
    assert "No roles yet." in body and "Create a role" in body


def test_list_runs_a_constant_number_of_queries(
    client_for, hr, org, django_assert_max_num_queries
) -> None:
    client = client_for(hr)

    def fill(n: int) -> None:
        for role in RoleFactory.create_batch(n, organization=org):
            RoleRequirementFactory(role=role)
            EmployeeFactory(organization=org, role=role)

    fill(5)
    client.get(url("roles/"))
    with django_assert_max_num_queries(12) as small:
        client.get(url("roles/"))
    fill(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url("roles/"))


# --- create, edit, archive, delete ----------------------------------------------------------


def test_hr_creates_and_edits_a_role(client_for, hr, org) -> None:
    client = client_for(hr)
    response = client.post(url("roles/new/"), {"name": "Recruiter", "family": "People"})
    role = Role.objects.get(organization=org)
    assert response["Location"] == f"/o/acme/model/roles/{role.pk}/"
    response = client.post(
        url(f"roles/{role.pk}/edit/"), {"name": "Senior Recruiter", "family": "People"}
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.name == "Senior Recruiter"
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["created", "updated"]


def test_create_duplicate_name_is_a_form_error(client_for, hr, org) -> None:
    RoleFactory(organization=org, name="Recruiter")
    response = client_for(hr).post(url("roles/new/"), {"name": "recruiter"})
    assert response.status_code == 200
    assert "A role named “recruiter” already exists." in response.content.decode()
    assert Role.objects.count() == 1


def test_archive_restore_and_delete(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    client = client_for(hr)
    client.post(url(f"roles/{role.pk}/archive/"))
    role.refresh_from_db()
    assert role.is_archived
    client.post(url(f"roles/{role.pk}/restore/"))
    role.refresh_from_db()
    assert not role.is_archived
    response = client.post(url(f"roles/{role.pk}/delete/"))
    assert response["Location"] == "/o/acme/model/roles/"
    assert not Role.objects.exists()


def test_delete_of_a_held_role_explains_and_keeps_it(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    EmployeeFactory(organization=org, role=role)
    client = client_for(hr)
    response = client.post(url(f"roles/{role.pk}/delete/"))
    assert "archive it instead" in client.get(response["Location"]).content.decode()
    assert Role.objects.filter(pk=role.pk).exists()


# --- detail and the requirement matrix ------------------------------------------------------


def test_matrix_lists_every_active_competency_by_category_for_hr(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    CompetencyFactory(organization=org, name="Negotiation", category="Social Skills")
    required = RoleRequirementFactory(
        role=role, competency__name="Programming", competency__category="Technical Skills"
    )
    CompetencyFactory(organization=org, name="Shorthand", archived_at="2024-01-01T00:00Z")
    body = client_for(hr).get(url(f"roles/{role.pk}/")).content.decode()
    assert "Social Skills" in body and "Technical Skills" in body
    assert "Negotiation" in body and "Programming" in body and "Shorthand" not in body
    assert f'hx-post="/o/acme/model/roles/{role.pk}/requirements/{required.competency_id}/"' in body
    assert '<option value="3" selected>3 · Competent</option>' in body


def test_matrix_keeps_an_archived_competency_the_role_still_requires(client_for, hr, org) -> None:
    requirement = RoleRequirementFactory(role__organization=org, competency__name="Shorthand")
    competency = requirement.competency
    competency.archived_at = "2024-01-01T00:00Z"
    competency.save(update_fields=["archived_at"])
    body = client_for(hr).get(url(f"roles/{requirement.role_id}/")).content.decode()
    assert "Shorthand" in body and "Archived" in body


def test_members_see_only_what_the_role_requires_read_only(client_for, employee, org) -> None:
    requirement = RoleRequirementFactory(role__organization=org, competency__name="Programming")
    CompetencyFactory(organization=org, name="Negotiation")
    body = client_for(employee).get(url(f"roles/{requirement.role_id}/")).content.decode()
    assert "Programming" in body and "Negotiation" not in body
    assert "hx-post" not in body and "<select" not in body


def test_matrix_runs_a_constant_number_of_queries(
    client_for, hr, org, django_assert_max_num_queries
) -> None:
    role = RoleFactory(organization=org)
    client = client_for(hr)

    def fill(n: int) -> None:
        for competency in CompetencyFactory.create_batch(n, organization=org):
            RoleRequirementFactory(role=role, competency=competency)

    fill(5)
    client.get(url(f"roles/{role.pk}/"))
    with django_assert_max_num_queries(16) as small:
        client.get(url(f"roles/{role.pk}/"))
    fill(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(url(f"roles/{role.pk}/")).content.decode()
    assert "30 competencies required" in body


def test_cell_change_sets_a_requirement_and_swaps_the_row(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org, name="Programming")
    response = client_for(hr).post(
        cell(role, competency.pk), {"required_level": "4", "importance": "5"}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="req-{competency.pk}" class="saved-flash"')
    assert "Saved" in body and 'hx-swap-oob="true"' in body
    assert "Required Programming at level 4 (importance 5)" in body
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == "Saved Programming"
    requirement = RoleRequirement.objects.get()
    assert (requirement.required_level, requirement.importance) == (4, 5)
    assert requirement.organization == org


def test_cell_without_importance_uses_the_default(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org)
    client_for(hr).post(cell(role, competency.pk), {"required_level": "2"}, **HTMX)
    assert RoleRequirement.objects.get().importance == 3


def test_cell_set_to_not_required_removes_the_requirement(client_for, hr, org) -> None:
    requirement = RoleRequirementFactory(role__organization=org)
    response = client_for(hr).post(
        cell(requirement.role, requirement.competency_id), {"required_level": ""}, **HTMX
    )
    assert response.status_code == 200
    assert not RoleRequirement.objects.exists()
    assert AuditEntry.objects.get().action == "requirement_removed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"required_level": "3", "importance": "6"}, "Importance must be between 1 and 5."),
        ({"required_level": "3", "importance": "0"}, "Importance must be between 1 and 5."),
        ({"required_level": "9", "importance": "3"}, "outside this organisation&#x27;s scale"),
        ({"required_level": "abc", "importance": "3"}, "Choose a level and an importance"),
    ],
)
def test_cell_bad_input_is_an_inline_error_and_writes_nothing(
    client_for, hr, org, data, message
) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org)
    response = client_for(hr).post(cell(role, competency.pk), data, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body and "is-invalid" in body and "saved-flash" not in body
    assert json.loads(response["HX-Trigger"])["toast"]["level"] == "danger"
    assert not RoleRequirement.objects.exists()
    assert not AuditEntry.objects.exists()


def test_cell_for_an_archived_competency_is_refused(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org, archived_at="2024-01-01T00:00Z")
    response = client_for(hr).post(
        cell(role, competency.pk), {"required_level": "2", "importance": "2"}, **HTMX
    )
    assert "restore it before requiring it" in response.content.decode()
    assert not RoleRequirement.objects.exists()


def test_cell_without_htmx_redirects_back_with_a_message(client_for, hr, org) -> None:
    role = RoleFactory(organization=org)
    competency = CompetencyFactory(organization=org, name="Programming")
    client = client_for(hr)
    response = client.post(cell(role, competency.pk), {"required_level": "3", "importance": "2"})
    assert response["Location"] == f"/o/acme/model/roles/{role.pk}/"
    assert "Saved Programming." in client.get(response["Location"]).content.decode()
    assert RoleRequirement.objects.get().importance == 2


def test_role_and_competency_pages_lead_back_to_their_lists(client_for, org, hr) -> None:
    role = RoleFactory(organization=org, name="Analyst")
    competency = CompetencyFactory(organization=org, name="Statistics")
    c = client_for(hr)
    pages = {
        f"/o/{org.slug}/model/roles/{role.pk}/": f'href="/o/{org.slug}/model/roles/"',
        f"/o/{org.slug}/model/roles/{role.pk}/edit/": f'href="/o/{org.slug}/model/roles/{role.pk}/"',
        f"/o/{org.slug}/model/competencies/{competency.pk}/": (
            f'href="/o/{org.slug}/model/competencies/"'
        ),
    }
    for page, back in pages.items():
        body = c.get(page).content.decode()
        crumbs = body[body.index('aria-label="breadcrumb"') :][:600]
        assert back in crumbs, page
