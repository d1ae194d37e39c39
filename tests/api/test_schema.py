"""The OpenAPI schema: valid, warning-free, and documenting the shared conventions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_valid_and_free_of_warnings() -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_every_error_response_uses_the_error_component(schema) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "errors"}
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert responses["403"]["content"]["application/json"]["schema"] == ref
            if "{" in path:
                assert responses["404"]["content"]["application/json"]["schema"] == ref
            if method in ("post", "put", "patch"):
                assert responses["400"]["content"]["application/json"]["schema"] == ref
            names = {p["name"] for p in operation["parameters"]}
            assert "X-Organization" in names, (method, path)


def test_operations_are_tagged_by_resource(schema) -> None:
    tags = {
        tag
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for operation in operations.values()
        for tag in operation["tags"]
    }
    assert tags == {
        "departments",
        "employees",
        "competencies",
        "roles",
        "scale",
        "assessments",
        "skill-profiles",
        "goals",
        "suggestions",
        "pairings",
        "match-runs",
        "mentor-availability",
        "programme",
        "exports",
    }


def test_lists_document_pagination_and_filters(schema) -> None:
    employees = schema["paths"]["/api/v1/employees/"]["get"]
    names = {p["name"] for p in employees["parameters"]}
    assert {"page", "page_size", "search", "department", "manager", "role", "is_active"} <= names
    assert {"external_id"} <= names
    assert "cookieAuth" in schema["components"]["securitySchemes"]


def test_interactive_docs_are_served_without_a_cdn(client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "drf_spectacular_sidecar" in body
    assert "cdn." not in body and "unpkg" not in body
