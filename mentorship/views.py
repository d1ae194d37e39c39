"""Entry pages: choose an organisation, and each organisation's home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mentorship import selectors
from mentorship.http import TenantRequest


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send a one-organisation user straight in; let a multi-organisation user choose."""
    memberships = selectors.memberships_for_user(user=request.user)  # type: ignore[arg-type]
    if len(memberships) == 1 and "switch" not in request.GET:
        return redirect("dashboard", org_slug=memberships[0].organization.slug)
    return render(request, "mentorship/home.html", {"memberships": memberships})


def dashboard(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(
        request,
        "mentorship/dashboard.html",
        {"nav": "dashboard", **selectors.dashboard_summary(employee=request.employee)},
    )
