"""API clients (HR admins): the OAuth2 credentials HR systems use to keep people in sync.

A client's secret is stored only hashed, so it is shown exactly once: in the response to the
request that created or rotated it, never in a URL, a message or the session.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from mentorship import services
from mentorship.access import get_api_client_for, hr_admin_required
from mentorship.http import TenantRequest
from mentorship.models import ApiClient

TEMPLATE = "mentorship/clients.html"


class ApiClientForm(forms.Form):
    name = forms.CharField(
        max_length=services.API_CLIENT_NAME_MAX,
        help_text="The system that will use it, e.g. Workday or BambooHR.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    scopes = forms.ChoiceField(
        label="Access",
        choices=ApiClient.Scopes.choices,
        initial=ApiClient.Scopes.READ_WRITE,
        widget=forms.RadioSelect,
        help_text="Syncing people needs write; reports and exports need only read.",
    )


def api_client_list(request: TenantRequest) -> QuerySet[ApiClient]:
    return (
        ApiClient.objects.filter(organization=request.organization)
        .select_related("created_by__user")
        .annotate(last_token_at=Max("accesstoken__created"))
        .order_by("revoked_at", "name", "id")
    )


def _page(
    request: TenantRequest,
    *,
    form: ApiClientForm | None = None,
    secret: dict[str, Any] | None = None,
    toast: str = "",
    toast_level: str = "success",
) -> HttpResponse:
    """The clients page, or for htmx just its main part (table, form and any new secret)."""
    context = {
        "nav": "people",
        "clients": api_client_list(request),
        "form": form or ApiClientForm(),
        "secret": secret,
        "token_url": request.build_absolute_uri(reverse("oauth-token")),
        "token_minutes": settings.API_TOKEN_SECONDS // 60,
    }
    template = f"{TEMPLATE}#main" if request.htmx else TEMPLATE
    response = render(request, template, context)
    if toast and request.htmx:
        trigger_client_event(response, "toast", {"message": toast, "level": toast_level})
    return response


def _shown_once(client: ApiClient, secret: str, what: str) -> dict[str, Any]:
    return {"client": client, "value": secret, "what": what}


@hr_admin_required
def api_clients(request: TenantRequest, org_slug: str) -> HttpResponse:
    return _page(request)


@hr_admin_required
@require_POST
def api_client_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = ApiClientForm(request.POST)
    if form.is_valid():
        try:
            client, secret = services.api_client_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _page(
                request,
                secret=_shown_once(client, secret, "created"),
                toast=f"API client {client.name} was created",
            )
    return _page(request, form=form)


@hr_admin_required
@require_POST
def api_client_rotate(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    client = get_api_client_for(request, pk)
    try:
        client, secret = services.api_client_rotate(client=client, actor=request.employee)
    except ValidationError as exc:
        if request.htmx:
            return _page(request, toast=" ".join(exc.messages), toast_level="danger")
        messages.error(request, " ".join(exc.messages))
        return redirect("api_clients", org_slug=org_slug)
    return _page(
        request,
        secret=_shown_once(client, secret, "rotated"),
        toast=f"New secret for {client.name}; the old one no longer works",
    )


@hr_admin_required
@require_POST
def api_client_revoke(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    client = services.api_client_revoke(
        client=get_api_client_for(request, pk), actor=request.employee
    )
    message = f"{client.name} was revoked: its tokens stopped working"
    if request.htmx:
        return _page(request, toast=message)
    messages.success(request, f"{message}.")
    return redirect("api_clients", org_slug=org_slug)
