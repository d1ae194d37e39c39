"""HR: assessment requests (list with progress, create, detail)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Assessment, AssessmentRequest, AssessmentRequestRecipient
from tests.factories import DepartmentFactory

LIST = "/o/acme/assessment-requests/"


def soon(days: int = 7) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def make_request(hr, **kwargs) -> AssessmentRequest:
    kwargs.setdefault("audience", "organization")
    kwargs.setdefault("due_date", timezone.localdate() + dt.timedelta(days=7))
    return services.assessment_request_create(organization=hr.organization, actor=hr, **kwargs)


def test_anonymous_is_sent_to_login(client, org) -> None:
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_member_of_another_organisation_gets_404(client_for, outsider, hr) -> None:
    found = make_request(hr)
    c = client_for(outsider)
    assert c.get(LIST).status_code == 404
    assert c.get(f"/o/globex/assessment-requests/{found.pk}/").status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_hr_admins_manage_requests(client_for, hr, manager, employee, method) -> None:
    found = make_request(hr)
    c = client_for(manager)
    response = getattr(c, method)(LIST, {"audience": "organization", "due_date": soon()})
    assert response.status_code == 403
    assert c.get(f"{LIST}{found.pk}/").status_code == 403
    assert AssessmentRequest.objects.count() == 1


def test_empty_state_says_what_to_do(client_for, hr) -> None:
    body = client_for(hr).get(LIST).content.decode()
    assert "No assessment requests yet." in body
    assert "Send request" in body


def test_create_for_the_whole_organisation(client_for, hr, manager, employee) -> None:
    response = client_for(hr).post(
        LIST,
        {"audience": "organization", "due_date": soon(), "message": "Annual review"},
        follow=True,
    )
    body = response.content.decode()
    assert "Asked 3 people to assess themselves by" in body
    assert "0 of 3 done" in body
    found = AssessmentRequest.objects.get()
    assert found.message == "Annual review"
    assert AssessmentRequestRecipient.objects.filter(request=found).count() == 3


def test_create_for_a_department(client_for, org, hr, manager, employee) -> None:
    client_for(hr).post(
        LIST, {"audience": "department", "department": manager.department_id, "due_date": soon()}
    )
    assert set(AssessmentRequestRecipient.objects.values_list("employee_id", flat=True)) == {
        manager.pk,
        employee.pk,
    }


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        (
            {"audience": "organization", "due_date": "2024-01-01"},
            "The due date must be today or later.",
        ),
        (
            {"audience": "department", "due_date": soon()},
            "Choose a department of your organisation.",
        ),
        ({"audience": "role", "due_date": soon()}, "Choose a role of your organisation."),
        ({"audience": "everyone", "due_date": soon()}, "Select a valid choice."),
        ({"audience": "organization", "due_date": "soon"}, "Enter a valid date."),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_created(
    client_for, hr, data, field_error
) -> None:
    response = client_for(hr).post(LIST, data)
    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert not AssessmentRequest.objects.exists()
    assert not AssessmentRequestRecipient.objects.exists()


def test_another_organisations_department_is_refused(client_for, hr, other_org) -> None:
    foreign = DepartmentFactory(organization=other_org)
    response = client_for(hr).post(
        LIST, {"audience": "department", "department": foreign.pk, "due_date": soon()}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not AssessmentRequest.objects.exists()


def test_list_shows_progress_and_overdue_marker(
    client_for, hr, manager, employee, time_machine
) -> None:
    found = make_request(hr, due_date=timezone.localdate() + dt.timedelta(days=1))
    AssessmentRequestRecipient.objects.filter(request=found, employee=manager).update(
        completed_at=timezone.now()
    )
    c = client_for(hr)
    body = c.get(LIST).content.decode()
    assert "1 / 3 done" in body and "Overdue" not in body
    time_machine.move_to(timezone.now() + dt.timedelta(days=3))
    assert "Overdue" in c.get(LIST).content.decode()
    detail = c.get(f"{LIST}{found.pk}/").content.decode()
    assert "1 of 3 done" in detail and "Overdue" in detail
    assert detail.count("✓ Done") == 1


def test_a_self_assessment_marks_the_person_done(client_for, hr, developer, skills) -> None:
    found = make_request(hr, audience="role", role=developer.role)
    draft = services.assessment_start(
        subject=developer, assessor=developer, kind=Assessment.Kind.SELF
    )
    for comp in skills:
        services.rating_set(assessment=draft, actor=developer, competency=comp, level=3)
    services.assessment_submit(assessment=draft, actor=developer)
    body = client_for(hr).get(f"{LIST}{found.pk}/").content.decode()
    assert "1 of 1 done" in body
