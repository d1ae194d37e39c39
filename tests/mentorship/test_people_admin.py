"""Django admin for platform operators: every tenancy model is registered and browsable."""

from __future__ import annotations

import pytest
from django.test import Client

from mentorship.models import User
from tests.factories import UserFactory


@pytest.fixture
def operator(db) -> Client:
    c = Client()
    c.force_login(UserFactory(email="ops@platform.test", is_staff=True, is_superuser=True))
    return c


@pytest.mark.parametrize("model", ["user", "organization", "department", "employee", "auditentry"])
def test_operator_browses_and_searches_every_model(operator, employee, outsider, model) -> None:
    response = operator.get(f"/admin/mentorship/{model}/", {"q": "a"})
    assert response.status_code == 200


def test_operator_filters_people_by_organisation(operator, employee, outsider) -> None:
    response = operator.get(
        "/admin/mentorship/employee/", {"organization__id__exact": employee.organization_id}
    )
    body = response.content.decode()
    assert "employee@acme.test" in body and "outsider@globex.test" not in body


def test_operator_opens_a_person_and_an_account(operator, employee) -> None:
    assert operator.get(f"/admin/mentorship/employee/{employee.pk}/change/").status_code == 200
    assert operator.get(f"/admin/mentorship/user/{employee.user_id}/change/").status_code == 200


def test_operator_adds_an_account_by_email(operator) -> None:
    assert operator.get("/admin/mentorship/user/add/").status_code == 200
    response = operator.post(
        "/admin/mentorship/user/add/",
        {
            "email": "new@platform.test",
            "usable_password": "true",
            "password1": "a-much-Longer-pass-42",
            "password2": "a-much-Longer-pass-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@platform.test").check_password("a-much-Longer-pass-42")


def test_members_cannot_use_the_admin(client_for, hr) -> None:
    response = client_for(hr).get("/admin/mentorship/employee/")
    assert response.status_code == 302
