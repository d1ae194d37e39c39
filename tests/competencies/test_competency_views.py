from __future__ import annotations

import json

import pytest

from competencies.models import Competency, LevelBehaviour
from mentorship.models import AuditEntry
from tests.factories import (
    CompetencyFactory,
    LevelBehaviourFactory,
    RoleFactory,
    RoleRequirementFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
ATTRIBUTION = "This product includes information from the O*NET 29.3 Database"


def url(path: str, org_slug: str = "acme") -> str:
    return f"/o/{org_slug}/model/{path}"


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["competencies/", "competencies/new/", "competencies/{pk}/", "competencies/{pk}/edit/"]
)
def test_anonymous_is_sent_to_login(client, org, path) -> None:
    competency = CompetencyFactory(organization=org)
    response = client.get(url(path.format(pk=competency.pk)))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = client_for(outsider)
    assert client.get(url("competencies/")).status_code == 404
    assert client.get(url(f"competencies/{competency.pk}/")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "competencies/{pk}/"),
        ("get", "competencies/{pk}/edit/"),
        ("post", "competencies/{pk}/edit/"),
        ("post", "competencies/{pk}/archive/"),
        ("post", "competencies/{pk}/restore/"),
        ("post", "competencies/{pk}/delete/"),
        ("get", "competencies/{pk}/behaviours/3/"),
        ("get", "competencies/{pk}/behaviours/3/edit/"),
        ("post", "competencies/{pk}/behaviours/3/edit/"),
    ],
)
def test_another_organisations_competency_is_404(client_for, hr, other_org, method, path) -> None:
    foreign = CompetencyFactory(organization=other_org, name="Secret")
    response = getattr(client_for(hr), method)(
        url(path.format(pk=foreign.pk)), {"name": "Hacked", "description": "Hacked"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Secret" and foreign.archived_at is None
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "competencies/new/"),
        ("post", "competencies/new/"),
        ("get", "competencies/{pk}/edit/"),
        ("post", "competencies/{pk}/edit/"),
        ("post", "competencies/{pk}/archive/"),
        ("post", "competencies/{pk}/restore/"),
        ("post", "competencies/{pk}/delete/"),
        ("get", "competencies/{pk}/behaviours/3/edit/"),
        ("post", "competencies/{pk}/behaviours/3/edit/"),
    ],
)
def test_members_who_are_not_hr_cannot_write(client_for, employee, org, method, path) -> None:
    competency = CompetencyFactory(organization=org, name="Writing")
    response = getattr(client_for(employee), method)(
        url(path.format(pk=competency.pk)), {"name": "Changed", "description": "Changed"}
    )
    assert response.status_code == 403
    assert Competency.objects.get().name == "Writing"
    assert not LevelBehaviour.objects.exists()
    assert not AuditEntry.objects.exists()


# --- list -----------------------------------------------------------------------------------


def test_list_groups_by_category_and_hides_archived_unless_asked(client_for, employee, org) -> None:
    CompetencyFactory(organization=org, name="Active Listening", category="Basic Skills")
    CompetencyFactory(organization=org, name="Negotiation", category="Social Skills")
    CompetencyFactory(
        organization=org, name="Shorthand", category="Basic Skills", archived_at="2024-01-01T00:00Z"
    )
    client = client_for(employee)
    body = client.get(url("competencies/")).content.decode()
    assert "Basic Skills" in body and "Social Skills" in body
    assert "Active Listening" in body and "Shorthand" not in body
    assert "New competency" not in body
    with_archived = client.get(url("competencies/?archived=1")).content.decode()
    assert "Shorthand" in with_archived and "Archived" in with_archived


def test_list_filters_by_search_and_category(client_for, hr, org) -> None:
    CompetencyFactory(organization=org, name="Active Listening", category="Basic Skills")
    CompetencyFactory(organization=org, name="Negotiation", category="Social Skills")
    client = client_for(hr)
    body = client.get(url("competencies/?q=listen")).content.decode()
    assert "Active Listening" in body and "Negotiation" not in body
    body = client.get(url("competencies/?category=Social+Skills")).content.decode()
    assert "Negotiation" in body and "Active Listening" not in body
    body = client.get(url("competencies/?q=zzz")).content.decode()
    assert "No competency matches these filters." in body


def test_list_htmx_search_returns_only_the_results(client_for, hr, org) -> None:
    CompetencyFactory(organization=org, name="Negotiation")
    response = client_for(hr).get(url("competencies/?q=nego"), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="competency-results"')
    assert "Negotiation" in body and "<html" not in body


def test_list_empty_state_tells_hr_what_to_do(client_for, hr, org) -> None:
    body = client_for(hr).get(url("competencies/")).content.decode()
    assert "No competencies yet." in body
    assert "Add your first competency" in body
    assert 'href="/o/acme/model/import/"' in body  # the Import tab and the empty state


def test_import_tab_is_for_hr_only(client_for, employee, org) -> None:
    body = client_for(employee).get(url("competencies/")).content.decode()
    assert "/o/acme/model/import/" not in body


def test_list_runs_a_constant_number_of_queries(
    client_for, hr, org, django_assert_max_num_queries
) -> None:
    client = client_for(hr)

    def fill(n: int) -> None:
        for c in CompetencyFactory.create_batch(n, organization=org):
            LevelBehaviourFactory(competency=c, level=2)

    fill(5)
    client.get(url("competencies/"))  # the first visit also stores the organisation in the session
    with django_assert_max_num_queries(12) as small:
        client.get(url("competencies/"))
    fill(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url("competencies/")).content.decode().count("1 level described") == 30


# --- create and edit ------------------------------------------------------------------------


def test_hr_creates_a_competency(client_for, hr, org) -> None:
    response = client_for(hr).post(
        url("competencies/new/"),
        {"name": "Negotiation", "category": "Social Skills", "description": "", "code": ""},
    )
    competency = Competency.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/model/competencies/{competency.pk}/"
    assert AuditEntry.objects.get(subject_type="competency", subject_id=competency.pk)


def test_create_shows_service_errors_next_to_the_field(client_for, hr, org) -> None:
    CompetencyFactory(organization=org, name="Negotiation")
    response = client_for(hr).post(url("competencies/new/"), {"name": "negotiation"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "is-invalid" in body
    assert "A competency named “negotiation” already exists." in body
    assert Competency.objects.count() == 1


def test_create_with_a_missing_name_is_a_form_error(client_for, hr, org) -> None:
    response = client_for(hr).post(url("competencies/new/"), {"name": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Competency.objects.exists()


def test_hr_edits_a_competency(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org, name="Writing")
    client = client_for(hr)
    assert (
        'value="Writing"' in client.get(url(f"competencies/{competency.pk}/edit/")).content.decode()
    )
    response = client.post(
        url(f"competencies/{competency.pk}/edit/"),
        {"name": "Technical Writing", "category": "Communication", "description": "Docs."},
    )
    assert response.status_code == 302
    competency.refresh_from_db()
    assert (competency.name, competency.category) == ("Technical Writing", "Communication")
    follow = client.get(response["Location"]).content.decode()
    assert "Saved." in follow and "Changed name, category, description" in follow


# --- detail and behaviours ------------------------------------------------------------------


def test_detail_shows_one_row_per_scale_level_with_behaviours(client_for, employee, org) -> None:
    behaviour = LevelBehaviourFactory(competency__organization=org, level=4, description="Leads.")
    body = (
        client_for(employee).get(url(f"competencies/{behaviour.competency_id}/")).content.decode()
    )
    for name in ("Not yet", "Awareness", "Basic", "Competent", "Advanced", "Expert"):
        assert name in body
    assert "Leads." in body
    assert body.count("Not described yet.") == 5
    assert "/behaviours/4/edit/" not in body  # read-only for members


def test_detail_runs_a_constant_number_of_queries(
    client_for, hr, org, django_assert_max_num_queries
) -> None:
    competency = CompetencyFactory(organization=org)
    client = client_for(hr)
    client.get(url(f"competencies/{competency.pk}/"))
    with django_assert_max_num_queries(14) as small:
        client.get(url(f"competencies/{competency.pk}/"))
    for level in range(6):
        LevelBehaviourFactory(competency=competency, level=level)
    for _ in range(10):
        RoleRequirementFactory(role=RoleFactory(organization=org), competency=competency)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url(f"competencies/{competency.pk}/"))


def test_behaviour_edit_returns_the_form_partial(client_for, hr, org) -> None:
    behaviour = LevelBehaviourFactory(competency__organization=org, level=3, description="Does.")
    response = client_for(hr).get(
        url(f"competencies/{behaviour.competency_id}/behaviours/3/edit/"), **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<tr id="behaviour-3"')
    assert "<textarea" in body and "Does." in body and "<html" not in body


def test_behaviour_edit_without_htmx_renders_the_page_with_the_row_in_edit_mode(
    client_for, hr, org
) -> None:
    competency = CompetencyFactory(organization=org)
    body = client_for(hr).get(url(f"competencies/{competency.pk}/behaviours/3/edit/")).content
    assert b"<html" in body and b'id="behaviour-3-description"' in body


def test_behaviour_save_swaps_the_row_back_with_a_flash_toast_and_history(
    client_for, hr, org
) -> None:
    competency = CompetencyFactory(organization=org)
    response = client_for(hr).post(
        url(f"competencies/{competency.pk}/behaviours/2/edit/"),
        {"description": "Follows the checklist."},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<tr id="behaviour-2" class="saved-flash"')
    assert "Follows the checklist." in body and "Saved" in body
    assert 'id="history"' in body and 'hx-swap-oob="true"' in body
    assert "Described level 2 (Basic)" in body
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == "Saved the level 2 behaviour"
    assert LevelBehaviour.objects.get(competency=competency, level=2).organization == org


def test_behaviour_save_error_is_shown_inline_and_nothing_is_written(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    response = client_for(hr).post(
        url(f"competencies/{competency.pk}/behaviours/2/edit/"), {"description": "x" * 2001}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<tr id="behaviour-2"')
    assert "is-invalid" in body and "Use at most 2000 characters" in body
    assert not LevelBehaviour.objects.exists()
    assert not AuditEntry.objects.exists()


def test_behaviour_save_without_htmx_redirects_to_the_detail(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    response = client_for(hr).post(
        url(f"competencies/{competency.pk}/behaviours/5/edit/"), {"description": "Teaches."}
    )
    assert response.status_code == 302
    assert LevelBehaviour.objects.get(competency=competency).level == 5


def test_behaviour_for_a_level_off_the_scale_is_404(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = client_for(hr)
    assert client.get(url(f"competencies/{competency.pk}/behaviours/9/edit/")).status_code == 404
    response = client.post(
        url(f"competencies/{competency.pk}/behaviours/9/edit/"), {"description": "x"}
    )
    assert response.status_code == 404
    assert not LevelBehaviour.objects.exists()


def test_behaviour_cancel_returns_the_display_row(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = client_for(hr)
    response = client.get(url(f"competencies/{competency.pk}/behaviours/1/"), **HTMX)
    assert response.content.decode().lstrip().startswith('<tr id="behaviour-1">')
    plain = client.get(url(f"competencies/{competency.pk}/behaviours/1/"))
    assert plain.status_code == 302


# --- archive, restore, delete ---------------------------------------------------------------


def test_archive_and_restore(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    client = client_for(hr)
    response = client.post(url(f"competencies/{competency.pk}/archive/"))
    assert response.status_code == 302
    competency.refresh_from_db()
    assert competency.is_archived
    assert "Restore" in client.get(response["Location"]).content.decode()
    client.post(url(f"competencies/{competency.pk}/restore/"))
    competency.refresh_from_db()
    assert not competency.is_archived


def test_archive_needs_a_post(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    assert client_for(hr).get(url(f"competencies/{competency.pk}/archive/")).status_code == 405


def test_delete_of_an_unused_competency_goes_back_to_the_list(client_for, hr, org) -> None:
    competency = CompetencyFactory(organization=org)
    response = client_for(hr).post(url(f"competencies/{competency.pk}/delete/"), **HTMX)
    assert response["HX-Redirect"] == "/o/acme/model/competencies/"
    assert not Competency.objects.exists()


def test_delete_of_a_required_competency_explains_and_keeps_it(client_for, hr, org) -> None:
    requirement = RoleRequirementFactory(role__organization=org)
    client = client_for(hr)
    response = client.post(url(f"competencies/{requirement.competency_id}/delete/"))
    assert response.status_code == 302
    assert "archive it instead" in client.get(response["Location"]).content.decode()
    assert Competency.objects.filter(pk=requirement.competency_id).exists()


# --- O*NET attribution ----------------------------------------------------------------------


def test_onet_attribution_only_when_the_model_has_onet_codes(client_for, hr, org) -> None:
    client = client_for(hr)
    CompetencyFactory(organization=org, code="SALES-1")
    assert ATTRIBUTION not in client.get(url("competencies/")).content.decode()
    CompetencyFactory(organization=org, code="2.A.1.a")
    assert ATTRIBUTION in client.get(url("competencies/")).content.decode()


def test_onet_attribution_for_an_onet_role(client_for, hr, org) -> None:
    RoleFactory(organization=org, code="15-1252.00")
    assert ATTRIBUTION in client_for(hr).get(url("roles/")).content.decode()
