from __future__ import annotations

import json

from competencies.models import ProficiencyLevel
from mentorship.models import AuditEntry
from tests.factories import OrganizationFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_anonymous_is_sent_to_login(client, org) -> None:
    assert client.get("/o/acme/model/scale/")["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, org) -> None:
    assert client_for(outsider).get("/o/acme/model/scale/").status_code == 404


def test_members_read_the_scale(client_for, employee, org) -> None:
    body = client_for(employee).get("/o/acme/model/scale/").content.decode()
    assert "Proficiency scale" in body and "Expert" in body
    assert "/model/scale/3/edit/" not in body


def test_members_who_are_not_hr_cannot_edit_a_level(client_for, employee, org) -> None:
    client = client_for(employee)
    assert client.get("/o/acme/model/scale/3/edit/").status_code == 403
    response = client.post("/o/acme/model/scale/3/edit/", {"name": "Pro", "description": ""})
    assert response.status_code == 403
    assert client.post("/o/acme/model/scale/setup/").status_code == 403
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Competent"


def test_hr_edits_a_level_inline(client_for, hr, org) -> None:
    client = client_for(hr)
    form = client.get("/o/acme/model/scale/3/edit/", **HTMX).content.decode()
    assert form.lstrip().startswith('<tr id="level-3"') and 'value="Competent"' in form
    response = client.post(
        "/o/acme/model/scale/3/edit/", {"name": "Proficient", "description": "Alone."}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<tr id="level-3" class="saved-flash"')
    assert "Proficient" in body and 'hx-swap-oob="true"' in body
    assert json.loads(response["HX-Trigger"])["toast"]["message"] == "Saved level 3"
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Proficient"
    assert AuditEntry.objects.get().subject_type == "scale"


def test_blank_level_name_is_an_inline_error(client_for, hr, org) -> None:
    response = client_for(hr).post(
        "/o/acme/model/scale/3/edit/", {"name": "", "description": ""}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "is-invalid" in body and "This field is required." in body
    assert ProficiencyLevel.objects.get(organization=org, level=3).name == "Competent"
    assert not AuditEntry.objects.exists()


def test_level_off_the_scale_is_404(client_for, hr, org) -> None:
    assert client_for(hr).get("/o/acme/model/scale/9/edit/").status_code == 404


def test_hr_sets_up_the_default_scale_when_there_is_none(client_for, hr) -> None:
    from tests.factories import EmployeeFactory

    bare = OrganizationFactory(slug="bare", scale=False)
    admin = EmployeeFactory(organization=bare, user=hr.user, is_hr_admin=True)
    client = client_for(admin)
    assert "Use the default 0–5 scale" in client.get("/o/bare/model/scale/").content.decode()
    client.post("/o/bare/model/scale/setup/")
    assert ProficiencyLevel.objects.filter(organization=bare).count() == 6
