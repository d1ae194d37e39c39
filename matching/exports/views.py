"""HR download of pairings as CSV (linked from the exports page)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from matching.exports import builders
from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def pairings_export(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    return builders.pairings_export(organization=request.organization)
