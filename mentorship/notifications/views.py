"""The signed-in member's notifications: the list, opening one (marks it read and goes where it
points), and marking all read. Mounted under /o/<org>/notifications/ by mentorship.notifications.urls."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from mentorship.http import TenantRequest
from mentorship.notifications import services as notifications

TEMPLATE = "mentorship/notifications.html"


def _context(request: TenantRequest) -> dict[str, object]:
    me = request.employee
    return {
        "nav": "notifications",
        "items": list(notifications.notifications_for(employee=me)),
        "unread": notifications.unread_count(employee=me),
    }


@require_GET
def notification_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, TEMPLATE, _context(request))


@require_POST
def notification_open(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    """Mark one of my notifications read and go to what it is about."""
    item = notifications.notification_get(employee=request.employee, pk=pk)
    if item is None:
        raise Http404("No such notification")
    notifications.notifications_mark_read(employee=request.employee, pk=item.pk)
    safe = url_has_allowed_host_and_scheme(
        item.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if item.url and safe:
        return redirect(item.url)
    return redirect("notifications", org_slug=org_slug)


@require_POST
def notifications_read_all(request: TenantRequest, org_slug: str) -> HttpResponse:
    count = notifications.notifications_mark_read(employee=request.employee)
    message = f"Marked {count} notification{'s' if count != 1 else ''} read."
    if request.htmx:
        response = render(request, f"{TEMPLATE}#notification_list", _context(request))
        return trigger_client_event(response, "toast", {"message": message, "level": "success"})
    return redirect("notifications", org_slug=org_slug)
