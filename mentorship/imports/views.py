"""HR pages: import people from a CSV file (upload, preview, confirm, progress)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from mentorship.access import get_people_import_for, hr_admin_required
from mentorship.exports import builders as exports
from mentorship.http import TenantRequest
from mentorship.imports import services as imports
from mentorship.models import PeopleImport

IMPORT_TEMPLATE = "mentorship/import.html"
DETAIL_TEMPLATE = "mentorship/import_detail.html"
ERRORS_SHOWN = 100
RECENT_IMPORTS = 10


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8 CSV with a header row, up to 10 MB and 20,000 people. "
            "Spreadsheets: save as “CSV UTF-8”."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={
            "required": "Choose the CSV file to import.",
            "empty": "The file is empty. Download the template and fill in one row per person.",
        },
    )


def _detail_url(people_import: PeopleImport) -> str:
    return reverse(
        "people_import_detail",
        kwargs={"org_slug": people_import.organization.slug, "pk": people_import.pk},
    )


# --- Import ------------------------------------------------------------------------------------


@hr_admin_required
@require_http_methods(["GET", "POST"])
def people_import(request: TenantRequest, org_slug: str) -> HttpResponse:
    """Upload a CSV; a readable one is checked with a dry run and shown as a preview."""
    if request.method == "POST":
        form = PeopleImportForm(request.POST, request.FILES)
    else:
        form = PeopleImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            people_import = imports.people_import_create(
                organization=request.organization,
                actor=request.employee,
                upload=upload,
                file_name=upload.name or "people.csv",
            )
        except ValidationError as exc:
            form.add_error("file", exc.message_dict.get("file", exc.messages))
        else:
            if request.htmx:
                return HttpResponseClientRedirect(_detail_url(people_import))
            return redirect(_detail_url(people_import))
    context = {
        "nav": "people",
        "form": form,
        "columns": imports.COLUMNS,
        "required_columns": imports.REQUIRED_COLUMNS,
        "max_rows": imports.MAX_ROWS,
        "recent": PeopleImport.objects.filter(organization=request.organization)
        .select_related("uploaded_by__user")
        .defer("rows", "lines", "errors")
        .order_by("-created_at", "-id")[:RECENT_IMPORTS],
    }
    template = IMPORT_TEMPLATE
    if request.htmx and request.method == "POST":
        template += "#upload"
    return render(request, template, context, status=400 if form.errors else 200)


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def people_import_template(request: TenantRequest, org_slug: str) -> StreamingHttpResponse:
    """The empty template: the header and two example people."""
    return exports.csv_response(
        imports.template_rows(),
        organization=request.organization,
        filename="people-import-template.csv",
    )


def _detail_context(people_import: PeopleImport) -> dict[str, Any]:
    errors = people_import.errors or []
    return {
        "nav": "people",
        "people_import": people_import,
        "counts": people_import.counts or {},
        "errors": errors[:ERRORS_SHOWN],
        "error_lines": len(errors),
        "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
    }


@hr_admin_required
@require_GET
def people_import_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    """The preview before confirming, the progress bar while importing, the result after."""
    people_import = get_people_import_for(request, pk)
    context = _detail_context(people_import)
    if request.htmx and not request.htmx.history_restore_request:
        context["oob"] = True  # the status badge in the page title follows
        response = render(request, f"{DETAIL_TEMPLATE}#status", context)
        if people_import.status == PeopleImport.Status.DONE:
            trigger_client_event(response, "toast", {"message": "Import finished"})
        elif people_import.status == PeopleImport.Status.FAILED:
            trigger_client_event(
                response, "toast", {"message": "The import failed", "level": "danger"}
            )
        return response
    return render(request, DETAIL_TEMPLATE, context)


@hr_admin_required
@require_POST
def people_import_confirm(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    """Start the import of a checked file; the page then follows its progress."""
    people_import = get_people_import_for(request, pk)
    status = 200
    try:
        people_import = imports.people_import_confirm(
            people_import=people_import, actor=request.employee
        )
    except ValidationError as exc:
        context = _detail_context(people_import)
        context["confirm_error"] = " ".join(exc.messages)
        status = 400
    else:
        context = _detail_context(people_import)
    if request.htmx:
        context["oob"] = True
        response = render(request, f"{DETAIL_TEMPLATE}#status", context, status=status)
        if status == 200:
            trigger_client_event(response, "toast", {"message": "Import started"})
        return response
    if status != 200:
        return render(request, DETAIL_TEMPLATE, context, status=status)
    return redirect(_detail_url(people_import))


@hr_admin_required  # type: ignore[type-var]  # its bound is HttpResponse
@require_GET
def people_import_errors(request: TenantRequest, org_slug: str, pk: int) -> StreamingHttpResponse:
    """Every error of an import as CSV (line, external id, column, message)."""
    people_import = get_people_import_for(request, pk)
    return exports.csv_response(
        imports.error_rows(people_import),
        organization=request.organization,
        filename=exports.export_filename(request.organization, f"import-{pk}-errors"),
    )
