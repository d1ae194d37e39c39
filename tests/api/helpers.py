"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """The response is an error in the one format; with `fields`, a 400 naming exactly those."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("detail"), str) and body["detail"]
    if fields:
        assert set(body["errors"]) == set(fields), body
        for messages in body["errors"].values():
            assert messages and all(isinstance(m, str) and m for m in messages)
    elif status != 400:
        assert set(body) == {"detail"}, body
    return body


def ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}
