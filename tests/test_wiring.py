"""Cross-layer wiring: hooks registered by higher layers, and account flows that span apps."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from competencies.models import ProficiencyLevel
from mentorship import services
from mentorship.models import Department, User


def test_a_new_organisation_starts_with_the_default_scale(db) -> None:
    org = services.organization_create(name="Initech", slug="initech")
    names = list(
        ProficiencyLevel.objects.filter(organization=org)
        .order_by("level")
        .values_list("name", flat=True)
    )
    assert names == ["Not yet", "Awareness", "Basic", "Competent", "Advanced", "Expert"]


def test_a_person_added_by_hr_can_set_a_password_by_reset(client, org, hr) -> None:
    person = services.employee_create(
        organization=org, actor=hr, email="New.Hire@acme.test", first_name="New", last_name="Hire"
    )
    assert not person.user.has_usable_password()
    response = client.post("/accounts/password/reset/", {"email": "new.hire@acme.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [User.objects.get(pk=person.user_id).email]


def test_a_unique_race_is_a_validation_error_not_a_server_error(org, hr, monkeypatch) -> None:
    """Both requests pass the duplicate pre-check; the database constraint rejects the second."""
    services.department_create(organization=org, actor=hr, name="Data", code="DATA")
    monkeypatch.setattr(services, "_validate_department_fields", lambda **kwargs: {})
    with pytest.raises(ValidationError, match="conflicts with a change saved at the same moment"):
        services.department_create(organization=org, actor=hr, name="Data 2", code="DATA")
    assert Department.objects.filter(organization=org, code="DATA").count() == 1


def test_deactivation_keeps_sessions_of_people_active_elsewhere(
    client_for, org, other_org, hr, employee
) -> None:
    """The check for other memberships must look across organisations, even inside the
    deactivating organisation's scope."""
    from django.contrib.sessions.models import Session

    from tests.factories import EmployeeFactory

    EmployeeFactory(organization=other_org, user=employee.user)
    client_for(employee)  # a signed-in session of the person
    response = client_for(hr).post(f"/o/acme/people/{employee.pk}/deactivate/")
    assert response.status_code == 302
    employee.refresh_from_db()
    assert not employee.is_active
    user_ids = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(employee.user_id) in user_ids
