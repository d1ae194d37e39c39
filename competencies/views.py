from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from mentorship.http import TenantRequest


def competency_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, "competencies/competency_list.html", {"nav": "model"})
