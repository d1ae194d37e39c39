"""The pairings lifecycle API in the project's OpenAPI schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

URLCONF = "mentorship.urls"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator(urlconf=URLCONF).get_schema(request=None, public=True)


def test_schema_with_the_lifecycle_endpoints_is_valid_and_free_of_warnings() -> None:
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--urlconf", URLCONF, "--file", "/dev/null"
    )


def test_the_lifecycle_endpoints_are_documented(schema) -> None:
    paths = schema["paths"]
    for action in ("accept", "decline", "cancel", "finish", "extend", "reassess", "confirm"):
        operation = paths[f"/api/v1/pairings/{{id}}/{action}/"]["post"]
        assert operation["tags"] == ["pairings"]
        assert {"200", "400", "403", "404"} <= set(operation["responses"])
    assert {"get", "post"} <= set(paths["/api/v1/pairings/{id}/check-ins/"])
    assert {"patch", "delete"} <= set(paths["/api/v1/pairings/{id}/plan-items/{item_pk}/"])
    assert "patch" in paths["/api/v1/pairings/{id}/reflections/{reflection_pk}/"]
    names = {p["name"] for p in paths["/api/v1/pairings/"]["get"]["parameters"]}
    assert {"role", "state", "competency"} <= names
