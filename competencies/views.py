"""The competency-model editor: competencies and their level behaviours, the scale, roles and their
requirement matrix. Every member reads; HR admins write. Inline edits are htmx partials of the page
template, and each one also works as a plain form post."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from competencies import selectors, services
from competencies.access import get_competency_for, get_role_for, get_scale_level_for
from competencies.forms import (
    BehaviourForm,
    CompetencyForm,
    RequirementForm,
    RoleForm,
    ScaleLevelForm,
    add_service_errors,
)
from competencies.models import Competency, Role
from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest
from mentorship.selectors import audit_history

DEFAULT_IMPORTANCE = 3


# --- shared bits ----------------------------------------------------------------------------


def _model_context(request: TenantRequest, tab: str, **extra: Any) -> dict[str, Any]:
    return {
        "nav": "model",
        "tab": tab,
        "show_onet_attribution": selectors.model_uses_onet(organization=request.organization),
        **extra,
    }


def _history(request: TenantRequest, subject_type: str, subject_id: int) -> list[Any]:
    return list(
        audit_history(
            organization=request.organization, subject_type=subject_type, subject_id=subject_id
        )
    )


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


def _is_partial(request: TenantRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _redirect(request: TenantRequest, url: str) -> HttpResponse:
    """A redirect that also works for an htmx post (the browser navigates, messages follow)."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- competencies ---------------------------------------------------------------------------


@require_GET
def competency_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "").strip()[:120]
    show_archived = request.GET.get("archived") == "1"
    competencies = list(
        selectors.competency_list(
            organization=request.organization,
            search=search,
            category=category,
            show_archived=show_archived,
        )
    )
    context = _model_context(
        request,
        "competencies",
        competencies=competencies,
        categories=selectors.competency_categories(organization=request.organization),
        search=search,
        category=category,
        show_archived=show_archived,
        filtered=bool(search or category),
    )
    template = "competencies/competency_list.html"
    if _is_partial(request):
        template += "#results"
    return render(request, template, context)


@hr_admin_required
@require_http_methods(["GET", "POST"])
def competency_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = CompetencyForm(
        request.POST if request.method == "POST" else None,
        initial={"category": request.GET.get("category")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            competency = services.competency_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Created “{competency.name}”. Now describe its levels.")
            return redirect("competency_detail", org_slug=org_slug, pk=competency.pk)
    return render(
        request,
        "competencies/competency_form.html",
        _model_context(
            request,
            "competencies",
            form=form,
            categories=selectors.competency_categories(organization=request.organization),
        ),
    )


def _competency_detail_context(
    request: TenantRequest, competency: Competency, **extra: Any
) -> dict[str, Any]:
    requirements = list(selectors.competency_requirements(competency=competency))
    return _model_context(
        request,
        "competencies",
        competency=competency,
        rows=selectors.competency_behaviour_rows(competency=competency),
        requirements=requirements,
        history=_history(request, "competency", competency.pk),
        **extra,
    )


@require_GET
def competency_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    return render(
        request,
        "competencies/competency_detail.html",
        _competency_detail_context(request, competency),
    )


@hr_admin_required
@require_http_methods(["GET", "POST"])
def competency_edit(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    initial = {f: getattr(competency, f) for f in services.COMPETENCY_FIELDS}
    form = CompetencyForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.competency_update(
                competency=competency, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("competency_detail", org_slug=org_slug, pk=competency.pk)
    return render(
        request,
        "competencies/competency_form.html",
        _model_context(
            request,
            "competencies",
            form=form,
            competency=competency,
            categories=selectors.competency_categories(organization=request.organization),
        ),
    )


@hr_admin_required
@require_POST
def competency_archive(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    services.competency_archive(competency=competency, actor=request.employee)
    messages.success(
        request,
        f"Archived “{competency.name}”. It can no longer be added to roles; restore it any time.",
    )
    return redirect("competency_detail", org_slug=org_slug, pk=pk)


@hr_admin_required
@require_POST
def competency_restore(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    services.competency_restore(competency=competency, actor=request.employee)
    messages.success(request, f"Restored “{competency.name}”.")
    return redirect("competency_detail", org_slug=org_slug, pk=pk)


@hr_admin_required
@require_POST
def competency_delete(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    try:
        services.competency_delete(competency=competency, actor=request.employee)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _redirect(request, reverse("competency_detail", args=[org_slug, pk]))
    messages.success(request, f"Deleted “{competency.name}”.")
    return _redirect(request, reverse("competency_list", args=[org_slug]))


@require_GET
def behaviour_row(request: TenantRequest, org_slug: str, pk: int, level: int) -> HttpResponse:
    """One row of the behaviours table, as shown (the editor's Cancel)."""
    competency = get_competency_for(request, pk)
    step = get_scale_level_for(request, level)
    if not _is_partial(request):
        return redirect("competency_detail", org_slug=org_slug, pk=pk)
    row = selectors.behaviour_row(competency=competency, step=step)
    return render(
        request,
        "competencies/competency_detail.html#behaviour_row",
        {"competency": competency, "row": row},
    )


@hr_admin_required
@require_http_methods(["GET", "POST"])
def behaviour_edit(request: TenantRequest, org_slug: str, pk: int, level: int) -> HttpResponse:
    competency = get_competency_for(request, pk)
    step = get_scale_level_for(request, level)
    row = selectors.behaviour_row(competency=competency, step=step)
    initial = {"description": row.behaviour.description if row.behaviour else ""}
    form = BehaviourForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.behaviour_set(
                competency=competency,
                actor=request.employee,
                level=step.level,
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not _is_partial(request):
                messages.success(request, f"Saved the level {step.level} behaviour.")
                return redirect("competency_detail", org_slug=org_slug, pk=pk)
            context = {
                "competency": competency,
                "row": selectors.behaviour_row(competency=competency, step=step),
                "saved": True,
                "history": _history(request, "competency", competency.pk),
            }
            response = render(
                request, "competencies/competency_detail.html#behaviour_saved", context
            )
            return _toast(response, f"Saved the level {step.level} behaviour")

    if _is_partial(request):
        return render(
            request,
            "competencies/competency_detail.html#behaviour_form",
            {"competency": competency, "row": row, "form": form},
        )
    return render(
        request,
        "competencies/competency_detail.html",
        _competency_detail_context(request, competency, editing_level=step.level, form=form),
    )


# --- scale ----------------------------------------------------------------------------------


def _scale_context(request: TenantRequest, **extra: Any) -> dict[str, Any]:
    return _model_context(
        request,
        "scale",
        scale=selectors.scale_for(organization=request.organization),
        history=_history(request, "scale", request.organization.pk),
        **extra,
    )


@require_GET
def scale(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, "competencies/scale.html", _scale_context(request))


@hr_admin_required
@require_POST
def scale_setup(request: TenantRequest, org_slug: str) -> HttpResponse:
    services.scale_ensure_default(organization=request.organization)
    messages.success(request, "The default 0–5 scale is in place. Rename its levels as you like.")
    return redirect("scale", org_slug=org_slug)


@require_GET
def scale_level_row(request: TenantRequest, org_slug: str, level: int) -> HttpResponse:
    step = get_scale_level_for(request, level)
    if not _is_partial(request):
        return redirect("scale", org_slug=org_slug)
    return render(request, "competencies/scale.html#level_row", {"step": step})


@hr_admin_required
@require_http_methods(["GET", "POST"])
def scale_level_edit(request: TenantRequest, org_slug: str, level: int) -> HttpResponse:
    step = get_scale_level_for(request, level)
    form = ScaleLevelForm(
        request.POST if request.method == "POST" else None,
        initial={"name": step.name, "description": step.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            step = services.scale_level_update(
                organization=request.organization,
                actor=request.employee,
                level=step.level,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not _is_partial(request):
                messages.success(request, f"Saved level {step.level}.")
                return redirect("scale", org_slug=org_slug)
            context = {
                "step": step,
                "saved": True,
                "history": _history(request, "scale", request.organization.pk),
            }
            response = render(request, "competencies/scale.html#level_saved", context)
            return _toast(response, f"Saved level {step.level}")

    if _is_partial(request):
        return render(request, "competencies/scale.html#level_form", {"step": step, "form": form})
    return render(
        request,
        "competencies/scale.html",
        _scale_context(request, editing_level=step.level, form=form),
    )


# --- roles ----------------------------------------------------------------------------------


@require_GET
def role_list(request: TenantRequest, org_slug: str) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    show_archived = request.GET.get("archived") == "1"
    roles = list(
        selectors.role_list(
            organization=request.organization, search=search, show_archived=show_archived
        )
    )
    context = _model_context(
        request,
        "roles",
        roles=roles,
        search=search,
        show_archived=show_archived,
    )
    template = "competencies/role_list.html"
    if _is_partial(request):
        template += "#results"
    return render(request, template, context)


@hr_admin_required
@require_http_methods(["GET", "POST"])
def role_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = RoleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.role_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Created “{role.name}”. Now set what it requires.")
            return redirect("role_detail", org_slug=org_slug, pk=role.pk)
    return render(
        request, "competencies/role_form.html", _model_context(request, "roles", form=form)
    )


def _role_detail_context(request: TenantRequest, role: Role) -> dict[str, Any]:
    rows = selectors.role_requirement_matrix(role=role)
    if not request.employee.is_hr_admin:
        rows = [row for row in rows if row.requirement is not None]
    return _model_context(
        request,
        "roles",
        role=role,
        rows=rows,
        required_count=sum(1 for row in rows if row.requirement is not None),
        scale=selectors.scale_for(organization=request.organization),
        importance_choices=range(services.IMPORTANCE_MIN, services.IMPORTANCE_MAX + 1),
        employee_count=selectors.role_employee_count(role=role),
        history=_history(request, "role", role.pk),
    )


@require_GET
def role_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    role = get_role_for(request, pk)
    return render(request, "competencies/role_detail.html", _role_detail_context(request, role))


@hr_admin_required
@require_http_methods(["GET", "POST"])
def role_edit(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    role = get_role_for(request, pk)
    initial = {f: getattr(role, f) for f in services.ROLE_FIELDS}
    form = RoleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_update(role=role, actor=request.employee, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("role_detail", org_slug=org_slug, pk=role.pk)
    return render(
        request,
        "competencies/role_form.html",
        _model_context(request, "roles", form=form, role=role),
    )


@hr_admin_required
@require_POST
def role_archive(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    role = get_role_for(request, pk)
    services.role_archive(role=role, actor=request.employee)
    messages.success(request, f"Archived “{role.name}”. Restore it any time.")
    return redirect("role_detail", org_slug=org_slug, pk=pk)


@hr_admin_required
@require_POST
def role_restore(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    role = get_role_for(request, pk)
    services.role_restore(role=role, actor=request.employee)
    messages.success(request, f"Restored “{role.name}”.")
    return redirect("role_detail", org_slug=org_slug, pk=pk)


@hr_admin_required
@require_POST
def role_delete(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    role = get_role_for(request, pk)
    try:
        services.role_delete(role=role, actor=request.employee)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _redirect(request, reverse("role_detail", args=[org_slug, pk]))
    messages.success(request, f"Deleted “{role.name}”.")
    return _redirect(request, reverse("role_list", args=[org_slug]))


@hr_admin_required
@require_POST
def requirement_save(
    request: TenantRequest, org_slug: str, pk: int, competency_pk: int
) -> HttpResponse:
    """Save one row of the matrix: a level sets the requirement, "—" (empty) removes it."""
    role = get_role_for(request, pk)
    competency = get_competency_for(request, competency_pk)
    form = RequirementForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose a level and an importance from the lists."
    else:
        level = form.cleaned_data["required_level"]
        importance = form.cleaned_data["importance"]
        if importance is None:  # the importance list is disabled until a level is chosen
            importance = DEFAULT_IMPORTANCE
        try:
            if level is None:
                services.requirement_remove(
                    role=role, actor=request.employee, competency=competency
                )
            else:
                services.requirement_set(
                    role=role,
                    actor=request.employee,
                    competency=competency,
                    required_level=level,
                    importance=importance,
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)

    if not _is_partial(request):
        if error:
            messages.error(request, f"{competency.name}: {error}")
        else:
            messages.success(request, f"Saved {competency.name}.")
        return redirect("role_detail", org_slug=org_slug, pk=pk)

    context = {
        "role": role,
        "row": selectors.matrix_row(role=role, competency=competency),
        "scale": selectors.scale_for(organization=request.organization),
        "importance_choices": range(services.IMPORTANCE_MIN, services.IMPORTANCE_MAX + 1),
        "error": error,
        "saved": not error,
        "history": _history(request, "role", role.pk),
    }
    response = render(request, "competencies/role_detail.html#matrix_saved", context)
    if error:
        return _toast(response, f"Not saved: {error}", level="danger")
    return _toast(response, f"Saved {competency.name}")
