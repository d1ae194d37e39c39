"""People management (HR admins), colleague profiles, departments and the org chart."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from mentorship import selectors, services
from mentorship.access import (
    get_department_for,
    get_employee_for,
    get_rw_employee_for,
    hr_admin_required,
)
from mentorship.http import TenantRequest
from mentorship.models import Employee
from mentorship.people.forms import DepartmentForm, EmployeeForm, PeopleFilterForm

PEOPLE_PAGE_SIZE = 50
CHART_OPEN_DEPTH = 2


def _swaps_partial(request: TenantRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- People -------------------------------------------------------------------------------------


@hr_admin_required
def people(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None, organization=request.organization)
    people = selectors.employee_list(organization=request.organization, **form.filters())
    page = Paginator(people, PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "people",
        "form": form,
        "page": page,
        "counts": selectors.people_counts(organization=request.organization),
    }
    template = "mentorship/people_list.html"
    if _swaps_partial(request):
        template += "#results"
    return render(request, template, context)


@hr_admin_required
def employee_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = EmployeeForm(data, organization=request.organization)
    if form.is_valid():
        try:
            employee = services.employee_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"{employee.name} was added. They can set a password with “Forgot your "
                f"password?” on the sign-in page using {employee.email}.",
            )
            return redirect("employee_detail", org_slug=org_slug, pk=employee.pk)
    return render(
        request, "mentorship/employee_form.html", {"nav": "people", "form": form, "person": None}
    )


def employee_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    person = get_employee_for(request, pk)
    is_hr = request.employee.is_hr_admin
    if not person.is_active and not is_hr:
        raise Http404("No such person")
    context: dict[str, Any] = {
        "nav": "people" if is_hr else "orgchart",
        "person": person,
        "reports": selectors.employee_reports(employee=person),
        "can_manage": is_hr,
    }
    if is_hr:
        context["history"] = selectors.audit_history(
            organization=request.organization, subject_type="employee", subject_id=person.pk
        )
    return render(request, "mentorship/employee_detail.html", context)


def employee_edit(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    person = get_rw_employee_for(request, pk)
    data = request.POST if request.method == "POST" else None
    form = EmployeeForm(data, organization=request.organization, instance=person)
    if form.is_valid():
        try:
            services.employee_update(employee=person, actor=request.employee, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved the changes to {person.name}.")
            return redirect("employee_detail", org_slug=org_slug, pk=person.pk)
    return render(
        request, "mentorship/employee_form.html", {"nav": "people", "form": form, "person": person}
    )


@require_http_methods(["GET", "POST"])
def employee_deactivate(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    person = get_rw_employee_for(request, pk)
    if request.method == "POST":
        moved = selectors.employee_reports(employee=person).count()
        try:
            services.employee_deactivate(employee=person, actor=request.employee)
        except ValidationError as exc:
            messages.error(request, f"{person.name} was not deactivated: {_error_text(exc)}")
        else:
            note = f" Their {moved} direct report(s) moved up the chart." if moved else ""
            messages.success(request, f"{person.name} was deactivated.{note}")
        return redirect("employee_detail", org_slug=org_slug, pk=person.pk)
    return render(
        request,
        "mentorship/employee_deactivate.html",
        {
            "nav": "people",
            "person": person,
            "reports": selectors.employee_reports(employee=person),
        },
    )


@require_POST
def employee_reactivate(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    person = get_rw_employee_for(request, pk)
    try:
        services.employee_reactivate(employee=person, actor=request.employee)
    except ValidationError as exc:
        messages.error(request, f"{person.name} was not reactivated: {_error_text(exc)}")
    else:
        messages.success(request, f"{person.name} is active again and can sign in.")
    return redirect("employee_detail", org_slug=org_slug, pk=person.pk)


# --- Org chart ----------------------------------------------------------------------------------


def _chart_marks(roots: list[selectors.OrgNode], query: str) -> tuple[set[int], set[int], int]:
    """Which people match the search, which nodes to open, and how many matched.

    Without a search the top levels are open; with one, the path to every match is.
    """
    terms = query.lower().split()
    matches: set[int] = set()
    opened: set[int] = set()

    def matches_query(employee: Employee) -> bool:
        text = " ".join(
            [
                employee.name,
                employee.job_title,
                employee.department.name if employee.department else "",
            ]
        ).lower()
        return all(term in text for term in terms)

    stack: list[tuple[selectors.OrgNode, tuple[int, ...]]] = [(root, ()) for root in roots]
    while stack:
        node, ancestors = stack.pop()
        pk = node.employee.pk
        if not terms and len(ancestors) < CHART_OPEN_DEPTH:
            opened.add(pk)
        if terms and matches_query(node.employee):
            matches.add(pk)
            opened.update(ancestors)
        stack.extend((child, (*ancestors, pk)) for child in node.reports)
    return matches, opened, len(matches)


def org_chart(request: TenantRequest, org_slug: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    roots = selectors.org_chart(organization=request.organization)
    matches, opened, match_count = _chart_marks(roots, query)
    context = {
        "nav": "orgchart",
        "roots": roots,
        "query": query,
        "matches": matches,
        "opened": opened,
        "match_count": match_count,
        "people_count": sum(root.subtree_size for root in roots),
    }
    template = "mentorship/org_chart.html"
    if _swaps_partial(request):
        template += "#tree"
    return render(request, template, context)


# --- Departments --------------------------------------------------------------------------------


@hr_admin_required
def departments(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(
        request,
        "mentorship/department_list.html",
        {
            "nav": "people",
            "departments": selectors.department_list(organization=request.organization),
        },
    )


@hr_admin_required
def department_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = DepartmentForm(data, organization=request.organization)
    if form.is_valid():
        try:
            department = services.department_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Department {department.name} was created.")
            return redirect("departments", org_slug=org_slug)
    return render(
        request,
        "mentorship/department_form.html",
        {"nav": "people", "form": form, "department": None},
    )


@hr_admin_required
def department_edit(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    department = get_department_for(request, pk)
    data = request.POST if request.method == "POST" else None
    form = DepartmentForm(data, organization=request.organization, instance=department)
    if form.is_valid():
        try:
            services.department_update(
                department=department, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved department {department.name}.")
            return redirect("departments", org_slug=org_slug)
    return render(
        request,
        "mentorship/department_form.html",
        {"nav": "people", "form": form, "department": department},
    )
