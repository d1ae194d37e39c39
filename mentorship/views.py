"""Entry pages: choose an organisation, and each organisation's home."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults

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


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404s under /api/ answer in the API's one error format; the rest get the 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exception) or "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)
