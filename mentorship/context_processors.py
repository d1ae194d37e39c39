from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict[str, Any]:
    """Expose the resolved organisation and membership to every template."""
    return {
        "organization": getattr(request, "organization", None),
        "me": getattr(request, "employee", None),
    }
