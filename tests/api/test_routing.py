"""How API addresses are matched: trailing slash optional, no format-suffix twins."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from mentorship.models import Employee
from tests.api.helpers import assert_error
from tests.api.test_oauth import api_as_client


def test_a_post_without_the_trailing_slash_reaches_the_handler(org, hr) -> None:
    """A redirect would drop the body, so the route answers directly."""
    client = api_as_client(org)
    rows = [{"external_id": "E9", "email": "e9@acme.test", "first_name": "Eve"}]
    response = client.post("/api/v1/employees/bulk", {"employees": rows})
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert Employee.objects.filter(organization=org, external_id="E9").exists()
    response = client.get("/api/v1/employees")
    assert response.status_code == 200 and response.json()["count"] == 2


@pytest.mark.parametrize("path", ["/api/v1/employees.json", "/api/v1/employees/1.json"])
def test_format_suffix_twins_do_not_exist(org, hr, path) -> None:
    assert_error(api_as_client(org).get(path), 404)


def test_no_api_route_takes_a_format_suffix() -> None:
    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    api_routes = [r for r in walk(get_resolver().url_patterns) if "api/v1" in r]
    assert api_routes
    assert not [r for r in api_routes if "format" in r]
