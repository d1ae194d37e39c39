"""API fixtures: a JSON client signed in as a member (or anonymous), and the error-format check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from mentorship.models import Employee


class JsonClient(Client):
    """A test client whose request bodies are JSON."""

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().post(path, data, content_type="application/json", **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().put(path, data, content_type="application/json", **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:  # type: ignore[override]
        return super().patch(path, data, content_type="application/json", **extra)


@pytest.fixture
def api_for() -> Callable[[Employee | None], JsonClient]:
    """A JSON API client signed in as the given member; None gives an anonymous one."""

    def make(member: Employee | None = None) -> JsonClient:
        client = JsonClient()
        if member is not None:
            client.force_login(member.user)
        return client

    return make
