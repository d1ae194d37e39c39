"""HR pages: the exports page and the people CSV download (the other apps' downloads are listed on
the same page)."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mentorship.access import hr_admin_required
from mentorship.exports import builders
from mentorship.http import TenantRequest


@hr_admin_required
@require_GET
def export_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, "mentorship/exports.html", {"nav": "people"})


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def people_export(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    return builders.people_export(organization=request.organization)
