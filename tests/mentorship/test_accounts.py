"""Account pages: password change and reset, and switching organisations."""

from __future__ import annotations

import re

from django.core import mail

from mentorship import services
from mentorship.forms import PasswordResetForm
from tests.factories import EmployeeFactory

NEW_PASSWORD = "a-much-Longer-pass-42"


def test_password_change_needs_sign_in(client) -> None:
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_change(client_for, employee) -> None:
    c = client_for(employee)
    page = c.get("/accounts/password/change/")
    assert page.status_code == 200
    assert "Change your password" in page.content.decode()
    response = c.post(
        "/accounts/password/change/",
        {
            "old_password": "mentoring-demo",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )
    assert "Your password was changed" in response.content.decode()
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW_PASSWORD)


def test_password_change_shows_errors_next_to_the_fields(client_for, employee) -> None:
    response = client_for(employee).post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in body
    assert "is-invalid" in body
    employee.user.refresh_from_db()
    assert employee.user.check_password("mentoring-demo")


def test_password_reset_sends_a_working_link(client, employee) -> None:
    page = client.get("/accounts/password/reset/")
    assert "Reset your password" in page.content.decode()
    response = client.post("/accounts/password/reset/", {"email": "employee@acme.test"})
    assert response.status_code == 302
    assert "Check your e-mail" in client.get(response["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["employee@acme.test"]
    assert message.subject == "Set your Mentoring password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body)
    assert link is not None

    confirm = client.get(link.group(1), follow=True)
    assert "Choose a new password" in confirm.content.decode()
    done = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is set" in done.content.decode()
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW_PASSWORD)


def test_password_reset_link_works_only_once(client, employee) -> None:
    client.post("/accounts/password/reset/", {"email": "employee@acme.test"})
    path = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    confirm = client.get(path, follow=True)
    url = confirm.redirect_chain[-1][0]
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(path, follow=True)
    assert "This link has expired" in again.content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing(client, db) -> None:
    response = client.post("/accounts/password/reset/", {"email": "nobody@acme.test"})
    assert response.status_code == 302  # same answer, so addresses do not leak
    assert mail.outbox == []


def test_reset_form_reaches_people_added_without_a_password(org, hr) -> None:
    person = services.employee_create(
        organization=org, actor=hr, email="new@acme.test", first_name="New", last_name="Person"
    )
    assert not person.user.has_usable_password()
    form = PasswordResetForm({"email": "NEW@acme.test"})
    assert form.is_valid()
    form.save(domain_override="testserver")
    assert [m.to for m in mail.outbox] == [["new@acme.test"]]


def test_switch_link_only_with_several_memberships(client_for, employee, other_org) -> None:
    c = client_for(employee)
    assert "Switch organisation" not in c.get("/o/acme/").content.decode()
    EmployeeFactory(organization=other_org, user=employee.user)
    body = c.get("/o/acme/").content.decode()
    assert "Switch organisation" in body
    assert 'href="/?switch=1"' in body


def test_switch_link_ignores_deactivated_memberships(client_for, employee, other_org) -> None:
    EmployeeFactory(organization=other_org, user=employee.user, is_active=False)
    assert "Switch organisation" not in client_for(employee).get("/o/acme/").content.decode()


def test_switch_page_lists_organisations(client_for, employee, other_org) -> None:
    EmployeeFactory(organization=other_org, user=employee.user)
    body = client_for(employee).get("/?switch=1").content.decode()
    assert "Acme" in body and "Globex" in body
