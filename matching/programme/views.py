"""HR's view of the mentoring programme: headline numbers, trends, the department network, and
every pairing in one filterable list (each opens read-only on its pairing page)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from matching.programme import selectors
from matching.programme.forms import ProgrammeFilterForm
from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest

TEMPLATE = "matching/programme.html"
PAGE_SIZE = 25


@hr_admin_required
@require_GET
def programme_overview(request: TenantRequest, org_slug: str) -> HttpResponse:
    org = request.organization
    form = ProgrammeFilterForm(request.GET or None, organization=org)
    pairings = selectors.pairing_list(organization=org, **form.filters())
    page = Paginator(pairings, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "mentoring", "form": form, "page": page}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{TEMPLATE}#results", context)
    months = selectors.monthly(organization=org)
    context.update(
        headline=selectors.headline(organization=org),
        months=months,
        chart=[
            {
                "label": m.label,
                "started": m.started,
                "achieved": m.achieved,
                "not_achieved": m.not_achieved,
            }
            for m in months
        ],
        competencies=selectors.by_competency(organization=org),
        flows=selectors.department_flows(organization=org),
    )
    return render(request, TEMPLATE, context)


@hr_admin_required
@require_GET
def programme_summary(request: TenantRequest, org_slug: str) -> HttpResponse:
    """HR's home page card, loaded there with htmx; a plain visit goes to the full page."""
    if not request.htmx:
        return redirect("programme", org_slug=org_slug)
    headline = selectors.headline(organization=request.organization)
    return render(request, "matching/programme_card.html", {"h": headline})
