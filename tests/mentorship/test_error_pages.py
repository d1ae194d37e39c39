from __future__ import annotations

from django.test import override_settings


@override_settings(DEBUG=False)
def test_api_404_speaks_the_api_error_format(client_for, employee) -> None:
    response = client_for(employee).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@override_settings(DEBUG=False)
def test_ui_404_is_a_friendly_page(client_for, employee) -> None:
    response = client_for(employee).get("/o/no-such-org/")
    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


@override_settings(DEBUG=False)
def test_ui_403_explains_the_refusal(client_for, employee) -> None:
    response = client_for(employee).get("/o/acme/people/")
    assert response.status_code == 403
    assert "Only HR admins can do this." in response.content.decode()
