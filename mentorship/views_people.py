"""People management (HR admins) and the org chart. Filled in by the people work."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest


@hr_admin_required
def people(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, "mentorship/people_list.html", {"nav": "people"})


def org_chart(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, "mentorship/org_chart.html", {"nav": "orgchart"})
