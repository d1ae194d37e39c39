"""The HR page that imports O*NET skills and occupations."""

from __future__ import annotations

import pytest

from competencies.models import Competency, Role, RoleRequirement
from competencies.onet.services import onet_import
from mentorship.models import AuditEntry

URL = "/o/acme/model/import/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_anonymous_is_sent_to_login(client, org) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    assert client_for(outsider).get(URL).status_code == 404
    assert client_for(outsider).post(URL, {"occupation": ["15-1251.00"]}).status_code == 404
    assert not Competency.objects.filter(organization=org).exists()


@pytest.mark.parametrize("member", ["manager", "employee"])
def test_non_hr_members_are_refused(client_for, member, request) -> None:
    person = request.getfixturevalue(member)
    assert client_for(person).get(URL).status_code == 403
    assert client_for(person).post(URL, {"occupation": ["15-1251.00"]}).status_code == 403
    assert not Competency.objects.filter(organization=person.organization).exists()


def test_page_shows_the_search_the_mapping_and_the_attribution(client_for, hr) -> None:
    response = client_for(hr).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Import from O*NET" in body and 'class="page-header"' in body
    assert "Search for an occupation above" in body  # the empty state
    assert "0.70–2.09" in body and "Awareness" in body  # the LV → level table
    assert "Used under the CC BY 4.0 license" in body
    assert "Import 35 skills" in body


def test_search_lists_matching_occupations_with_checkboxes(client_for, hr) -> None:
    body = client_for(hr).get(URL, {"q": "software"}).content.decode()
    assert 'value="15-1253.00"' in body and "Software Quality Assurance" in body
    assert 'type="checkbox"' in body


def test_search_without_matches_says_what_to_do(client_for, hr) -> None:
    body = client_for(hr).get(URL, {"q": "zzzz"}).content.decode()
    assert "No rated occupation matches" in body


def test_htmx_search_returns_only_the_picker(client_for, hr) -> None:
    response = client_for(hr).get(
        URL, {"q": "accountant", "occupation": ["15-1251.00"]}, HTTP_HX_TARGET="picker", **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="picker"' in body
    assert "Accountants and Auditors" in body
    # The chosen occupation stays chosen and is previewed.
    assert 'id="chosen-15-1251.00"' in body and "1 role</strong>" in body
    assert 'type="hidden" name="occupation" value="15-1251.00"' in body


def test_unknown_codes_in_the_preview_are_ignored(client_for, hr) -> None:
    body = client_for(hr).get(URL, {"occupation": ["nope"]}).content.decode()
    assert "no roles" in body


def test_import_shows_the_counts_and_links_to_the_roles(client_for, hr, org) -> None:
    response = client_for(hr).post(URL, {"occupation": ["15-1251.00", "13-1071.00"]})
    body = response.content.decode()
    assert response.status_code == 200
    role = Role.objects.get(organization=org, code="15-1251.00")
    assert "Import finished" in body
    assert f'href="/o/acme/model/roles/{role.pk}/"' in body
    assert Competency.objects.filter(organization=org).count() == 35
    assert RoleRequirement.objects.filter(organization=org, role=role).exists()
    assert AuditEntry.objects.filter(organization=org, actor=hr, subject_type="role").count() == 2


def test_htmx_import_swaps_the_panel_and_sends_a_toast(client_for, hr, org) -> None:
    response = client_for(hr).post(URL, {"occupation": ["15-1251.00"]}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="import-panel"' in body and "Import finished" in body
    assert "Import finished" in response["HX-Trigger"]
    assert 'id="onet-roles" hx-swap-oob="true"' in body and "Computer Programmers" in body


def test_importing_again_says_nothing_changed(client_for, hr, org) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=["15-1251.00"])
    response = client_for(hr).post(URL, {"occupation": ["15-1251.00"]}, **HTMX)
    assert "Already up to date" in response.content.decode()
    assert "nothing changed" in response["HX-Trigger"]


def test_skills_only_import(client_for, hr, org) -> None:
    response = client_for(hr).post(URL, {})
    assert response.status_code == 200
    assert Competency.objects.filter(organization=org).count() == 35
    assert not Role.objects.filter(organization=org).exists()


def test_bad_codes_show_an_error_by_the_picker_and_import_nothing(client_for, hr, org) -> None:
    response = client_for(hr).post(URL, {"occupation": ["15-1251.00", "99-9999.99"]}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="occupation-errors"' in body and "Unknown O*NET-SOC code: 99-9999.99." in body
    assert not Competency.objects.filter(organization=org).exists()


def test_too_many_occupations_at_once_are_refused(client_for, hr, org) -> None:
    from competencies.onet.services import onet_occupations

    codes = [code for code, _ in onet_occupations()[:51]]
    body = client_for(hr).post(URL, {"occupation": codes}).content.decode()
    assert "Choose at most 50 occupations" in body
    assert not Competency.objects.filter(organization=org).exists()


def test_page_lists_imported_roles_in_constant_queries(
    client_for, hr, org, django_assert_max_num_queries
) -> None:
    onet_import(
        organization=org, actor=hr, occupation_codes=["15-1251.00", "13-1071.00", "43-4051.00"]
    )
    client = client_for(hr)
    with django_assert_max_num_queries(10):
        body = client.get(URL).content.decode()
    assert "Customer Service Representatives" in body
