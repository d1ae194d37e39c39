"""HR downloads of skill profiles and gaps as CSV (linked from the exports page)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.views.decorators.http import require_GET

from assessments.exports import builders
from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def skill_profiles_export(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    return builders.skill_profiles_export(organization=request.organization)


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def gaps_export(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    return builders.gaps_export(organization=request.organization)
