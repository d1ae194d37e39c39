"""Pairings in the browser: the pairing page (scope, progress, actions, practice plan, check-ins,
reflections, timeline), "My mentoring", cohorts, and a person's mentoring record.

Who sees a pairing: the mentee, the mentor, the mentee's manager and HR admins (read-only);
for anyone else it does not exist (404). Who may act is the services' rule: a refused action is a
403, a wrong state or bad input a 400 with the message next to the form.

One template per page with named partials: a transition re-renders the page body (state,
actions, progress and timeline all change), a plan, check-in or reflection change only its section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from assessments.forms import add_service_errors
from competencies.models import Competency
from matching.models import Cohort, Pairing, Reflection
from matching.pairings import checkins, cohorts, plan_items, rules, selectors, services
from matching.pairings.access import get_cohort_for, get_pairing_for, get_plan_item_for
from matching.pairings.forms import (
    CheckInForm,
    CohortForm,
    ExtendForm,
    LevelForm,
    PlanItemForm,
    ReasonForm,
    ReflectionForm,
    ThankForm,
    mark_invalid,
)
from mentorship.access import get_employee_for
from mentorship.http import TenantRequest

PAGE = "matching/pairing_detail.html"
MY_MENTORING = "matching/my_mentoring.html"
COHORT_PAGE = "matching/cohort_detail.html"
COHORT_FORM = "matching/cohort_form.html"
RECORD = "matching/pairing_record.html"


def _is_partial(request: TenantRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


# --- The pairing page ---------------------------------------------------------------------------


def _ids(name: str) -> str:
    return f"{name}-%s"


def _forms(page: selectors.PairingPage) -> dict[str, forms.Form]:
    """Empty forms for every action on the page (each with its own ids)."""
    today = timezone.localdate()
    pairing = page.pairing
    return {
        "decline_form": ReasonForm(auto_id=_ids("decline")),
        "cancel_form": ReasonForm(auto_id=_ids("cancel")),
        "finish_form": ReasonForm(auto_id=_ids("finish")),
        "extend_form": ExtendForm(auto_id=_ids("extend"), initial={"end_date": page.max_end_date}),
        "reassess_form": LevelForm(
            auto_id=_ids("reassess"), scale=page.scale, initial={"level": pairing.target_level}
        ),
        "confirm_form": LevelForm(
            auto_id=_ids("confirm"),
            scale=page.scale,
            initial={"level": pairing.reassessed_level},
        ),
        "thank_form": ThankForm(auto_id=_ids("thank")),
        "plan_form": PlanItemForm(auto_id=_ids("plan")),
        "check_in_form": CheckInForm(auto_id=_ids("checkin"), initial={"date": today}),
        "reflection_form": ReflectionForm(auto_id=_ids("reflection")),
    }


# Which action shows each form: a refused form whose action is not (or no longer) on the page
# has its messages shown at the top of the part that was re-rendered instead.
FORM_ACTIONS = {
    "accept_form": "accept",
    "decline_form": "decline",
    "cancel_form": "cancel",
    "finish_form": "finish",
    "extend_form": "extend",
    "reassess_form": "reassess",
    "confirm_form": "confirm",
    "thank_form": "thank",
    "check_in_form": "check_in",
    "reflection_form": "reflect",
    "plan_form": "edit_plan",
}


def _context(
    request: TenantRequest,
    pairing: Pairing,
    roles: set[str],
    bound: dict[str, forms.Form] | None = None,
    part: str = "body",
) -> dict[str, Any]:
    page = selectors.pairing_page(pairing=pairing, roles=roles)
    all_forms = _forms(page)
    page_errors: list[str] = []
    for name, form in (bound or {}).items():
        all_forms[name] = mark_invalid(form)
        if FORM_ACTIONS.get(name, "") not in page.actions:
            page_errors += [str(e) for errors in form.errors.values() for e in errors]
    return {
        "nav": "mentoring",
        "page": page,
        "p": pairing,
        "open_form": next(iter(bound or {}), ""),
        "page_errors": page_errors,
        "error_part": part,
        **all_forms,
    }


def _fresh(request: TenantRequest, pairing: Pairing) -> tuple[Pairing, set[str]]:
    return get_pairing_for(request, pairing.pk)


def _render(
    request: TenantRequest,
    pairing: Pairing,
    roles: set[str],
    *,
    part: str = "body",
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    template = f"{PAGE}#{part}" if _is_partial(request) else PAGE
    context = _context(request, pairing, roles, bound, part)
    return render(request, template, context, status=status)


def _success(
    request: TenantRequest, org_slug: str, pairing: Pairing, message: str, part: str = "body"
) -> HttpResponse:
    """After an action: the changed part with a toast (htmx), or the page with a message."""
    if not _is_partial(request):
        messages.success(request, message)
        return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)
    fresh, roles = _fresh(request, pairing)
    return _toast(_render(request, fresh, roles, part=part), message)


@require_GET
def pairing_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing, roles = get_pairing_for(request, pk)
    return _render(request, pairing, roles)


Act = Callable[[Pairing, dict[str, Any]], object]


def _act(
    request: TenantRequest,
    org_slug: str,
    pk: int,
    *,
    form: forms.Form,
    form_name: str,
    act: Act,
    message: str | Callable[[Pairing], str],
    part: str = "body",
) -> HttpResponse:
    """Run one service with the form's data: success answers the changed part (or redirects);
    a refusal re-renders it with the messages next to the form, status 400, nothing written."""
    pairing, roles = get_pairing_for(request, pk)
    if form.is_valid():
        try:
            act(pairing, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            fresh, _ = _fresh(request, pairing)
            text = message(fresh) if callable(message) else message
            return _success(request, org_slug, fresh, text, part)
    return _render(request, pairing, roles, part=part, bound={form_name: form}, status=400)


def _scale(request: TenantRequest) -> list[tuple[int, str]]:
    return sorted(selectors.level_names(organization_id=request.organization.pk).items())


@require_POST
def pairing_accept(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=forms.Form(request.POST),
        form_name="accept_form",
        act=lambda p, data: services.pairing_accept(pairing=p, actor=me),
        message=lambda p: f"Accepted: you mentor {p.mentee.name} in {p.competency.name}.",
    )


@require_POST
def pairing_decline(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ReasonForm(request.POST, auto_id=_ids("decline")),
        form_name="decline_form",
        act=lambda p, data: services.pairing_decline(pairing=p, actor=me, reason=data["reason"]),
        message="Declined. The manager has been told.",
    )


@require_POST
def pairing_cancel(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ReasonForm(request.POST, auto_id=_ids("cancel")),
        form_name="cancel_form",
        act=lambda p, data: services.pairing_cancel(pairing=p, actor=me, reason=data["reason"]),
        message="Pairing cancelled.",
    )


@require_POST
def pairing_finish(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ReasonForm(request.POST, auto_id=_ids("finish")),
        form_name="finish_form",
        act=lambda p, data: services.pairing_finish(pairing=p, actor=me, reason=data["reason"]),
        message=lambda p: (
            f"Finished. Next: {p.mentee.name} re-assesses, then "
            f"{rules.confirmer_label(p)} confirms."
        ),
    )


@require_POST
def pairing_extend(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ExtendForm(request.POST, auto_id=_ids("extend")),
        form_name="extend_form",
        act=lambda p, data: services.pairing_extend(
            pairing=p, actor=me, end_date=data["end_date"], reason=data["reason"]
        ),
        message=lambda p: f"Extended to {p.end_date.day} {p.end_date:%b %Y}.",
    )


@require_POST
def pairing_reassess(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=LevelForm(request.POST, auto_id=_ids("reassess"), scale=_scale(request)),
        form_name="reassess_form",
        act=lambda p, data: services.pairing_reassess(
            pairing=p, actor=me, level=data["level"], evidence=data["evidence"]
        ),
        message=lambda p: (
            f"Re-assessment submitted. {capfirst(rules.confirmer_label(p))} confirms it next."
        ),
    )


@require_POST
def pairing_confirm(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=LevelForm(request.POST, auto_id=_ids("confirm"), scale=_scale(request)),
        form_name="confirm_form",
        act=lambda p, data: services.pairing_confirm(
            pairing=p, actor=me, level=data["level"], evidence=data["evidence"]
        ),
        message=lambda p: f"Confirmed: {p.get_outcome_display()}.",
    )


@require_POST
def pairing_thank(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ThankForm(request.POST, auto_id=_ids("thank")),
        form_name="thank_form",
        act=lambda p, data: services.pairing_thank(pairing=p, actor=me, note=data["note"]),
        message="Thank-you note sent.",
    )


# --- Practice plan ------------------------------------------------------------------------------


@require_POST
def plan_item_add(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=PlanItemForm(request.POST, auto_id=_ids("plan")),
        form_name="plan_form",
        act=lambda p, data: plan_items.plan_item_add(pairing=p, actor=me, text=data["text"]),
        message="Added to the plan.",
        part="plan",
    )


@require_POST
def plan_item_edit(request: TenantRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
    me = request.employee
    item, _ = get_plan_item_for(request, item_pk, pairing_pk=pk)
    return _act(
        request,
        org_slug,
        pk,
        form=PlanItemForm(request.POST, auto_id=f"item-{item.pk}-%s"),
        form_name="plan_item_form",
        act=lambda p, data: plan_items.plan_item_update(item=item, actor=me, text=data["text"]),
        message="Plan item saved.",
        part="plan",
    )


@require_POST
def plan_item_remove(request: TenantRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
    me = request.employee
    item, _ = get_plan_item_for(request, item_pk, pairing_pk=pk)
    return _act(
        request,
        org_slug,
        pk,
        form=forms.Form(request.POST),
        form_name="plan_item_form",
        act=lambda p, data: plan_items.plan_item_remove(item=item, actor=me),
        message="Removed from the plan.",
        part="plan",
    )


class _DoneForm(forms.Form):
    done = forms.BooleanField(required=False)


@require_POST
def plan_item_tick(request: TenantRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
    me = request.employee
    item, _ = get_plan_item_for(request, item_pk, pairing_pk=pk)
    form = _DoneForm(request.POST)
    return _act(
        request,
        org_slug,
        pk,
        form=form,
        form_name="plan_item_form",
        act=lambda p, data: plan_items.plan_item_tick(item=item, actor=me, done=data["done"]),
        message=lambda p: "Marked done." if form.cleaned_data.get("done") else "Marked not done.",
        part="plan",
    )


@require_POST
def plan_item_confirm(request: TenantRequest, org_slug: str, pk: int, item_pk: int) -> HttpResponse:
    me = request.employee
    item, _ = get_plan_item_for(request, item_pk, pairing_pk=pk)
    return _act(
        request,
        org_slug,
        pk,
        form=forms.Form(request.POST),
        form_name="plan_item_form",
        act=lambda p, data: plan_items.plan_item_confirm(item=item, actor=me),
        message="Confirmed.",
        part="plan",
    )


# --- Check-ins and reflections ------------------------------------------------------------------


@require_POST
def check_in_add(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    form = CheckInForm(request.POST, auto_id=_ids("checkin"))
    return _act(
        request,
        org_slug,
        pk,
        form=form,
        form_name="check_in_form",
        act=lambda p, data: checkins.check_in_add(pairing=p, actor=me, data=form.to_input()),
        message="Check-in saved.",
        part="check_ins",
    )


@require_POST
def reflection_add(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    me = request.employee
    return _act(
        request,
        org_slug,
        pk,
        form=ReflectionForm(request.POST, auto_id=_ids("reflection")),
        form_name="reflection_form",
        act=lambda p, data: checkins.reflection_add(pairing=p, actor=me, **data),
        message=lambda p: "Reflection saved.",
        part="reflections",
    )


@require_POST
def reflection_share(
    request: TenantRequest, org_slug: str, pk: int, reflection_pk: int
) -> HttpResponse:
    me = request.employee
    pairing, _ = get_pairing_for(request, pk)
    reflection = Reflection.objects.filter(
        organization_id=pairing.organization_id, pairing=pairing, pk=reflection_pk
    ).first()
    # Only the mentee sees their private reflections: for anyone else it does not exist.
    if reflection is None or (
        not reflection.shared_with_mentor and reflection.author_id != request.employee.pk
    ):
        raise Http404("No such reflection")
    form = _DoneForm({"done": request.POST.get("shared", "")})
    return _act(
        request,
        org_slug,
        pk,
        form=form,
        form_name="reflection_share_form",
        act=lambda p, data: checkins.reflection_share(
            reflection=reflection, actor=me, shared=data["done"]
        ),
        message=lambda p: (
            "Shared with your mentor." if form.cleaned_data.get("done") else "Now private."
        ),
        part="reflections",
    )


# --- My mentoring -------------------------------------------------------------------------------


@require_GET
def my_mentoring(request: TenantRequest, org_slug: str) -> HttpResponse:
    me = request.employee
    mine = selectors.my_mentoring(employee=me)
    context = {
        "nav": "mentoring",
        "mine": mine,
        "mentee_groups": _groups(mine.as_mentee),
        "mentor_groups": _groups(mine.as_mentor),
        "can_group": me.is_hr_admin or me.reports.filter(is_active=True).exists(),
    }
    return render(request, MY_MENTORING, context)


def _groups(side: selectors.Side) -> list[tuple[list[Pairing], str]]:
    return [
        (side.proposed, "Proposed"),
        (side.active, "Active"),
        (side.review, "Awaiting review"),
        (side.past, "Past"),
    ]


# --- Cohorts ------------------------------------------------------------------------------------


def _cohort_form(request: TenantRequest, data: Any = None) -> CohortForm:
    me = request.employee
    start, end = rules.default_pairing_dates(
        organization=request.organization, today=timezone.localdate()
    )
    return CohortForm(
        data,
        initial={"start_date": start, "end_date": end},
        auto_id=_ids("cohort"),
        mentors=selectors.cohort_mentor_choices(actor=me),
        mentees=selectors.cohort_mentee_choices(actor=me),
        competencies=Competency.objects.filter(
            organization=request.organization, archived_at__isnull=True
        ).order_by("name"),
    )


@require_http_methods(["GET", "POST"])
def cohort_create(request: TenantRequest, org_slug: str) -> HttpResponse:
    me = request.employee
    if not (me.is_hr_admin or me.reports.filter(is_active=True).exists()):
        raise PermissionDenied("Only managers and HR admins create cohorts.")
    if request.method == "GET":
        return render(request, COHORT_FORM, {"nav": "mentoring", "form": _cohort_form(request)})
    form = _cohort_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            cohort = cohorts.cohort_create(
                organization=request.organization,
                actor=me,
                mentor=data["mentor"],
                competency=data["competency"],
                mentees=list(data["mentees"]),
                task=data["task"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                name=data["name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Cohort created: {cohort.mentor.name} is asked to mentor "
                f"{len(data['mentees'])} people in {cohort.competency.name}.",
            )
            return redirect("cohort_detail", org_slug=org_slug, pk=cohort.pk)
    context = {"nav": "mentoring", "form": mark_invalid(form)}
    return render(request, COHORT_FORM, context, status=400)


def _cohort_context(
    request: TenantRequest, cohort: Cohort, form: CheckInForm | None = None
) -> dict[str, Any]:
    return {
        "nav": "mentoring",
        "cohort_page": selectors.cohort_page(cohort=cohort),
        "cohort": cohort,
        "is_mentor": request.employee.pk == cohort.mentor_id,
        "check_in_form": mark_invalid(form)
        if form is not None
        else CheckInForm(auto_id=_ids("checkin"), initial={"date": timezone.localdate()}),
    }


@require_GET
def cohort_detail(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request, pk)
    return render(request, COHORT_PAGE, _cohort_context(request, cohort))


@require_POST
def cohort_check_in(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    cohort = get_cohort_for(request, pk)
    form = CheckInForm(request.POST, auto_id=_ids("checkin"))
    if form.is_valid():
        try:
            created = cohorts.cohort_check_in(
                cohort=cohort, actor=request.employee, data=form.to_input()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = f"Shared check-in saved on {len(created)} pairing{'s' if len(created) != 1 else ''}."
            if not _is_partial(request):
                messages.success(request, message)
                return redirect("cohort_detail", org_slug=org_slug, pk=cohort.pk)
            response = render(
                request, f"{COHORT_PAGE}#cohort_check_ins", _cohort_context(request, cohort)
            )
            return _toast(response, message)
    template = COHORT_PAGE + ("#cohort_check_ins" if _is_partial(request) else "")
    return render(request, template, _cohort_context(request, cohort, form), status=400)


# --- Recognition --------------------------------------------------------------------------------


@require_GET
def mentoring_record(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    """A person's mentoring record, for their profile page (loaded there with hx-get)."""
    person = get_employee_for(request, pk)
    me = request.employee
    if not person.is_active and not me.is_hr_admin:
        raise Http404("No such person")
    if not _is_partial(request):
        url = reverse("employee_detail", kwargs={"org_slug": org_slug, "pk": person.pk})
        return redirect(f"{url}#mentoring-record")
    record = selectors.mentoring_record(employee=person)
    # What someone learned (and whether they reached the target) is theirs, their manager's
    # and HR's to see; colleagues see the mentoring they received that reached its target.
    full = me.is_hr_admin or me.pk in (person.pk, person.manager_id)
    received = (
        record.received
        if full
        else [p for p in record.received if p.outcome == Pairing.Outcome.ACHIEVED]
    )
    context = {"record": record, "person": person, "received": received}
    return render(request, RECORD, context)
