"""Self- and manager assessments, skill profiles, role exploration, the team matrix, HR requests.

The self and manager forms share one UI (`_assessment_form.html`): picking a level autosaves the
item through htmx, the evidence note autosaves on a pause, and submit goes through the service that
maintains the skill profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from assessments import selectors, services
from assessments.access import (
    get_assessment_request_for,
    get_direct_report_for,
    get_goal_for,
)
from assessments.forms import (
    AssessmentRequestForm,
    CompetencyGoalForm,
    RatingForm,
    RoleChoiceForm,
    add_service_errors,
)
from assessments.models import (
    Assessment,
    AssessmentRequestRecipient,
)
from competencies.models import Role
from competencies.selectors import scale_for
from mentorship.access import get_employee_for, hr_admin_required
from mentorship.http import TenantRequest
from mentorship.models import Employee

SELF, MANAGER = Assessment.Kind.SELF, Assessment.Kind.MANAGER
FORM_TEMPLATE = "assessments/_assessment_form.html"


def _is_partial(request: TenantRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


# --- Access -------------------------------------------------------------------------------------


def _can_see_profile(request: TenantRequest, person: Employee) -> bool:
    """The person, anyone above them in the org chart, and HR admins."""
    viewer = request.employee
    if person.pk == viewer.pk or viewer.is_hr_admin:
        return True
    direct, deeper = selectors.subtree_of(manager=viewer)
    return person.pk in direct or person.pk in deeper


# --- The assessment form (self and manager) -----------------------------------------------------


@dataclass
class _FormPage:
    """Where one assessment form lives: whose it is, which kind, and its URLs."""

    subject: Employee
    kind: str
    save_url: str
    submit_url: str
    page_url: str


def _self_page(request: TenantRequest) -> _FormPage:
    slug = request.organization.slug
    return _FormPage(
        subject=request.employee,
        kind=SELF,
        save_url=reverse("rating_save", args=[slug]),
        submit_url=reverse("assessment_submit", args=[slug]),
        page_url=reverse("my_skills", args=[slug]),
    )


def _report_page(request: TenantRequest, person: Employee) -> _FormPage:
    slug = request.organization.slug
    return _FormPage(
        subject=person,
        kind=MANAGER,
        save_url=reverse("report_rating_save", args=[slug, person.pk]),
        submit_url=reverse("assess_report_submit", args=[slug, person.pk]),
        page_url=reverse("assess_report", args=[slug, person.pk]),
    )


def _form_context(request: TenantRequest, page: _FormPage, **extra: Any) -> dict[str, Any]:
    form = selectors.assessment_form(
        subject=page.subject, assessor=request.employee, kind=page.kind
    )
    return {"form": form, "page": page, "is_self": page.kind == SELF, **extra}


def _page_context(request: TenantRequest, page: _FormPage, **extra: Any) -> dict[str, Any]:
    context = _form_context(request, page, **extra)
    items = context["form"].items
    submitted = [i.reference.assessment.submitted_at for i in items if i.reference]
    context["last_self_submitted"] = max((d for d in submitted if d), default=None)
    if page.kind == SELF:
        context["nav"] = "skills"
        context["open_requests"] = list(
            selectors.open_requests_for(employee=request.employee).order_by("request__due_date")
        )
        context["today"] = timezone.localdate()
    else:
        context["nav"] = "team"
    return context


def _render_page(
    request: TenantRequest, page: _FormPage, *, status: int = 200, **extra: Any
) -> HttpResponse:
    template = (
        "assessments/my_skills.html" if page.kind == SELF else "assessments/assess_report.html"
    )
    return render(request, template, _page_context(request, page, **extra), status=status)


def _rating_save(request: TenantRequest, page: _FormPage) -> HttpResponse:
    form = RatingForm(
        request.POST,
        competencies=selectors.assessable_competencies(employee=page.subject),
        scale=scale_for(organization=request.organization),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            # Starting the draft and rating are one unit: a refused rating leaves no empty draft.
            with transaction.atomic():
                draft = services.assessment_start(
                    subject=page.subject, assessor=request.employee, kind=page.kind
                )
                services.rating_set(
                    assessment=draft,
                    actor=request.employee,
                    competency=data["competency"],
                    level=data["level"],
                    evidence=data["evidence"],
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _rating_response(request, page, form)


def _rating_response(request: TenantRequest, page: _FormPage, form: RatingForm) -> HttpResponse:
    saved = form.is_valid()
    errors = [str(e) for errs in form.errors.values() for e in errs]
    competency = form.cleaned_data.get("competency")
    if not _is_partial(request):
        if saved and competency is not None:
            messages.success(request, f"Saved your rating of {competency}.")
            return redirect(f"{page.page_url}#item-{competency.pk}")
        return _render_page(
            request,
            page,
            status=400,
            error_competency_id=competency.pk if competency else None,
            item_errors=errors,
            page_errors=[] if competency else errors,
        )

    status = 200 if saved else 400
    if competency is None:
        return render(request, f"{FORM_TEMPLATE}#rating_error", {"errors": errors}, status=status)
    context = _form_context(
        request,
        page,
        saved=saved,
        error_competency_id=None if saved else competency.pk,
        item_errors=errors,
    )
    context["item"] = context["form"].item_for(competency.pk)
    if request.htmx.trigger_name == "evidence":
        return render(request, f"{FORM_TEMPLATE}#rating_status", context, status=status)
    item = render_to_string(f"{FORM_TEMPLATE}#rating_item", context, request=request)
    progress = render_to_string(
        f"{FORM_TEMPLATE}#progress", {**context, "oob": True}, request=request
    )
    return HttpResponse(item + progress, status=status)


def _submit(request: TenantRequest, page: _FormPage) -> Assessment | HttpResponse:
    """Submit the open draft, or answer the page again with the reason it was refused."""
    form = selectors.assessment_form(
        subject=page.subject, assessor=request.employee, kind=page.kind
    )
    try:
        if not form.items:
            raise ValidationError(
                {
                    "ratings": f"{page.subject.name} has no role yet: HR sets it on the person's page."
                }
            )
        if form.draft is None:
            raise ValidationError(
                {
                    "ratings": "Rate every competency of the role before submitting. Missing: "
                    + ", ".join(sorted(form.missing))
                    + "."
                }
            )
        return services.assessment_submit(assessment=form.draft, actor=request.employee)
    except ValidationError as exc:
        return _render_page(request, page, status=400, submit_errors=exc.messages)


@require_GET
def my_skills(request: TenantRequest, org_slug: str) -> HttpResponse:
    return _render_page(request, _self_page(request))


@require_POST
def rating_save(request: TenantRequest, org_slug: str) -> HttpResponse:
    return _rating_save(request, _self_page(request))


@require_POST
def assessment_submit(request: TenantRequest, org_slug: str) -> HttpResponse:
    result = _submit(request, _self_page(request))
    if isinstance(result, HttpResponse):
        return result
    messages.success(
        request,
        "Your self-assessment was submitted. Your manager can now see it; here is your "
        "updated skill profile.",
    )
    return redirect("skill_profile", org_slug=org_slug, employee_id=request.employee.pk)


@require_GET
def assess_report(request: TenantRequest, org_slug: str, employee_id: int) -> HttpResponse:
    person = get_direct_report_for(request, employee_id)
    return _render_page(request, _report_page(request, person))


@require_POST
def report_rating_save(request: TenantRequest, org_slug: str, employee_id: int) -> HttpResponse:
    person = get_direct_report_for(request, employee_id)
    return _rating_save(request, _report_page(request, person))


@require_POST
def assess_report_submit(request: TenantRequest, org_slug: str, employee_id: int) -> HttpResponse:
    person = get_direct_report_for(request, employee_id)
    result = _submit(request, _report_page(request, person))
    if isinstance(result, HttpResponse):
        return result
    messages.success(
        request,
        f"Your assessment of {person.name} was submitted; their row below shows the updated levels.",
    )
    url = reverse("my_team", args=[org_slug])
    return redirect(f"{url}?assessed={person.pk}#row-{person.pk}")


# --- Profile -----------------------------------------------------------------------------------


@require_GET
def skill_profile(request: TenantRequest, org_slug: str, employee_id: int) -> HttpResponse:
    person = get_employee_for(request, employee_id)
    if not _can_see_profile(request, person):
        raise PermissionDenied("Only the person, their managers and HR can see a skill profile.")
    person.organization = request.organization
    own = person.pk == request.employee.pk
    scale = scale_for(organization=request.organization)
    history = selectors.skill_history(employee=person)
    rows = selectors.profile_rows(employee=person)
    context = {
        "nav": "skills" if own else "team",
        "person": person,
        "own": own,
        "rows": [(row, history.get(row.competency.pk, [])) for row in rows],
        "gaps": selectors.gaps_for(employee=person),
        "goals": selectors.goals_of(employee=person),
        "history": history,
        "scale": [{"level": s.level, "name": s.name} for s in scale],
    }
    return render(request, "assessments/skill_profile.html", context)


# --- Explore a role, development goals ----------------------------------------------------------


def _explore_render(
    request: TenantRequest,
    *,
    role_form: RoleChoiceForm,
    goal_form: CompetencyGoalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    me = request.employee
    role: Role | None = None
    if role_form.is_bound and role_form.is_valid():
        role = role_form.cleaned_data["role"]
    goals = selectors.goals_of(employee=me)
    context: dict[str, Any] = {
        "nav": "skills",
        "role_form": role_form,
        "goal_form": goal_form
        or CompetencyGoalForm(
            organization=request.organization, scale=scale_for(organization=request.organization)
        ),
        "role": role,
        "goals": goals,
    }
    if role is not None:
        context["gaps"] = selectors.gaps_for(employee=me, target_role=role)
        context["requirement_count"] = len(
            selectors.role_requirements(organization=request.organization, role_id=role.pk)
        )
        context["is_goal"] = any(g.target_role_id == role.pk for g in goals)
        context["is_own_role"] = role.pk == me.role_id
    template = "assessments/explore_role.html"
    if _is_partial(request) and request.method == "GET":
        template += "#results"
    return render(request, template, context, status=status)


@require_GET
def explore_role(request: TenantRequest, org_slug: str) -> HttpResponse:
    data = request.GET if request.GET.get("role") else None
    return _explore_render(
        request, role_form=RoleChoiceForm(data, organization=request.organization)
    )


@require_POST
def goal_role_save(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = RoleChoiceForm(request.POST, organization=request.organization)
    if form.is_valid():
        role = form.cleaned_data["role"]
        try:
            services.goal_set_role(employee=request.employee, actor=request.employee, role=role)
        except ValidationError as exc:
            form.add_error("role", exc.messages)
        else:
            messages.success(
                request,
                f"Saved “{role.name}” as a development goal. Its gaps now show on your "
                "profile as aspirations.",
            )
            return redirect(f"{reverse('explore_role', args=[org_slug])}?role={role.pk}")
    return _explore_render(request, role_form=form, status=400)


@require_POST
def goal_competency_save(request: TenantRequest, org_slug: str) -> HttpResponse:
    scale = scale_for(organization=request.organization)
    form = CompetencyGoalForm(request.POST, organization=request.organization, scale=scale)
    if form.is_valid():
        competency, level = form.cleaned_data["competency"], form.cleaned_data["target_level"]
        try:
            services.goal_set_competency(
                employee=request.employee,
                actor=request.employee,
                competency=competency,
                target_level=level,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved your goal: {competency.name} at level {level}.")
            return redirect("explore_role", org_slug=org_slug)
    return _explore_render(
        request,
        role_form=RoleChoiceForm(organization=request.organization),
        goal_form=form,
        status=400,
    )


@require_POST
def goal_remove(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    goal = get_goal_for(request, pk)
    services.goal_remove(goal=goal, actor=request.employee)
    messages.success(request, f"Removed the goal “{goal.target_role or goal.competency}”.")
    next_url = request.POST.get("next", "")
    if next_url == "explore":
        return redirect("explore_role", org_slug=org_slug)
    return redirect("skill_profile", org_slug=org_slug, employee_id=request.employee.pk)


# --- My team -----------------------------------------------------------------------------------


@require_GET
def my_team(request: TenantRequest, org_slug: str) -> HttpResponse:
    me = request.employee
    category = request.GET.get("category", "").strip()[:120]
    include_subtree = request.GET.get("subtree") == "1"
    sort = "name" if request.GET.get("sort") == "name" else "priority"
    direct, deeper = selectors.subtree_of(manager=me)
    matrix = selectors.team_matrix(
        manager=me, category=category, include_subtree=include_subtree, sort=sort
    )
    latest = selectors.latest_request_by_employee(
        organization=request.organization, employee_ids=[r.employee.pk for r in matrix.rows]
    )
    assessed = request.GET.get("assessed", "")
    context = {
        "nav": "team",
        "matrix": matrix,
        "rows": [
            (
                row,
                latest.get(row.employee.pk),
                list(zip(matrix.competencies, row.cells, strict=True)),
            )
            for row in matrix.rows
        ],
        "has_reports": bool(direct),
        "has_deeper": bool(deeper),
        "category": category,
        "include_subtree": include_subtree,
        "sort": sort,
        "assessed": int(assessed) if assessed.isdigit() else None,
        "today": timezone.localdate(),
    }
    template = "assessments/my_team.html"
    if _is_partial(request):
        template += "#matrix"
    return render(request, template, context)


# --- HR: assessment requests ---------------------------------------------------------------------


@hr_admin_required
@require_http_methods(["GET", "POST"])
def assessment_requests(request: TenantRequest, org_slug: str) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = AssessmentRequestForm(data, organization=request.organization)
    if form.is_bound and form.is_valid():
        try:
            created = services.assessment_request_create(
                organization=request.organization, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            asked = AssessmentRequestRecipient.objects.filter(
                organization=request.organization, request=created
            ).count()
            messages.success(
                request,
                f"Asked {asked} {'person' if asked == 1 else 'people'} to assess themselves by "
                f"{created.due_date.day} {created.due_date:%b %Y}. They see it on their home page.",
            )
            return redirect("assessment_request_detail", org_slug=org_slug, pk=created.pk)
    context = {
        "nav": "requests",
        "form": form,
        "requests": selectors.request_list(organization=request.organization),
        "today": timezone.localdate(),
    }
    return render(
        request,
        "assessments/request_list.html",
        context,
        status=400 if form.is_bound else 200,
    )


@hr_admin_required
@require_GET
def assessment_request_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    found = get_assessment_request_for(request, pk)
    recipients = list(selectors.request_recipients(assessment_request=found))
    done = sum(1 for r in recipients if r.completed_at)
    context = {
        "nav": "requests",
        "req": found,
        "recipients": recipients,
        "done": done,
        "asked": len(recipients),
        "overdue": found.due_date < timezone.localdate() and done < len(recipients),
    }
    return render(request, "assessments/request_detail.html", context)


# --- Home page card -----------------------------------------------------------------------------


@require_GET
def my_skills_summary(request: TenantRequest, org_slug: str) -> HttpResponse:
    """The home page's card, loaded there with htmx; a plain visit goes to the full page."""
    if not _is_partial(request):
        return redirect("my_skills", org_slug=org_slug)
    me = request.employee
    rated, total = selectors.self_rating_progress(employee=me)
    context = {
        "open_requests": list(
            selectors.open_requests_for(employee=me).order_by("request__due_date")
        ),
        "rated": rated,
        "total": total,
        "percent": round(100 * rated / total) if total else 0,
        "top_gaps": selectors.gaps_for(employee=me, include_goals=False)[:3] if me.role_id else [],
        "today": timezone.localdate(),
    }
    return render(request, "assessments/my_skills_summary.html", context)
