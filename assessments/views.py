from __future__ import annotations

from django.http import HttpResponse

from mentorship.http import TenantRequest


def my_skills(request: TenantRequest, org_slug: str) -> HttpResponse:
    return HttpResponse("My skills")


def my_team(request: TenantRequest, org_slug: str) -> HttpResponse:
    return HttpResponse("My team")
