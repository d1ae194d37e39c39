"""Mentoring in the browser: a manager's mentor suggestions for their team (accept, dismiss), each
person's mentoring availability, HR's matching runs and match settings.

The suggestions page is one template with named partials: accepting or dismissing re-renders the
list (so every card showing the same mentor shows their new load), and a refused form comes back
in place with its errors next to the fields.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from assessments.forms import add_service_errors
from competencies.models import Competency
from competencies.selectors import scale_for
from matching import recompute, selectors, services
from matching.access import get_rw_suggestion_for
from matching.forms import (
    AcceptForm,
    AvailabilityForm,
    DismissForm,
    MatchSettingsForm,
    mark_invalid,
)
from matching.models import MatchSuggestion
from matching.pairings.rules import default_pairing_dates
from mentorship.access import get_employee_for, hr_admin_required
from mentorship.http import TenantRequest
from mentorship.models import Employee
from mentorship.selectors import employee_reports

TEAM_TEMPLATE = "matching/team_mentors.html"
ACCEPT_TEMPLATE = "matching/suggestion_accept.html"
AVAILABILITY_TEMPLATE = "matching/mentor_availability.html"
RUNS_TEMPLATE = "matching/match_runs.html"
RUNS_SHOWN = 20


def _is_partial(request: TenantRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


def _retarget(response: HttpResponse, target: str, swap: str = "outerHTML") -> HttpResponse:
    response["HX-Retarget"] = target
    response["HX-Reswap"] = swap
    return response


def _when(day: Any) -> str:
    return f"{day.day} {day:%b %Y}"


# --- Access -------------------------------------------------------------------------------------


def _reports_shown(request: TenantRequest, report: str) -> tuple[list[Employee], Employee | None]:
    """(my direct reports, the one chosen with `?report=`). HR admins may choose anyone."""
    reports = list(employee_reports(employee=request.employee))
    if not report.isdigit():
        return reports, None
    pk = int(report)
    chosen = next((r for r in reports if r.pk == pk), None)
    if chosen is None:
        person = get_employee_for(request, pk)
        if not person.is_active:
            raise Http404("No such person")
        if not request.employee.is_hr_admin:
            raise PermissionDenied("You can see mentor suggestions for your direct reports only.")
        chosen = person
    return reports, chosen


# --- Team mentor suggestions ----------------------------------------------------------------------


def _team_context(request: TenantRequest, report: str) -> dict[str, Any]:
    reports, chosen = _reports_shown(request, report)
    shown = [chosen] if chosen is not None else reports
    return {
        "nav": "mentoring",
        "reports": reports,
        "chosen": chosen,
        "report_param": chosen.pk if chosen is not None else "",
        "mentoring": selectors.team_mentoring(organization=request.organization, reports=shown),
        "interval": request.organization.recompute_interval_minutes,
    }


def _team_url(org_slug: str, report: Any, anchor: str = "") -> str:
    url = reverse("team_mentors", args=[org_slug])
    if str(report).isdigit():
        url += f"?report={report}"
    return url + (f"#{anchor}" if anchor else "")


def _suggestions_response(request: TenantRequest, report: str, message: str) -> HttpResponse:
    """The re-rendered list in place of the old one, with a toast."""
    response = render(request, f"{TEAM_TEMPLATE}#suggestions", _team_context(request, report))
    return _toast(_retarget(response, "#suggestions"), message)


@require_GET
def team_mentors(request: TenantRequest, org_slug: str) -> HttpResponse:
    context = _team_context(request, request.GET.get("report", ""))
    template = TEAM_TEMPLATE + ("#suggestions" if _is_partial(request) else "")
    return render(request, template, context)


def _render_accept(
    request: TenantRequest,
    suggestion: MatchSuggestion,
    form: AcceptForm,
    *,
    report: str,
    status: int = 200,
) -> HttpResponse:
    stale = None
    if not suggestion.is_open:
        stale = "This suggestion is no longer open: the list has changed since you opened it."
    inline = _is_partial(request)
    context = {
        "nav": "mentoring",
        "inline": inline,  # inside the suggestions list; else on a page of its own, without htmx
        "suggestion": suggestion,
        "form": mark_invalid(form),
        "report_param": report if report.isdigit() else "",
        "stale": stale,
        "back_url": _team_url(request.organization.slug, report),
    }
    template = ACCEPT_TEMPLATE + ("#accept_form" if inline else "")
    return render(request, template, context, status=status)


def _accept_ids(pk: int) -> str:
    # Several accept forms can be open on one page: their fields need distinct ids.
    return f"accept-{pk}-%s"


@require_http_methods(["GET", "POST"])
def suggestion_accept(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    suggestion = get_rw_suggestion_for(request, pk)
    if request.method == "GET":
        start, end = default_pairing_dates(
            organization=request.organization, today=timezone.localdate()
        )
        form = AcceptForm(initial={"start_date": start, "end_date": end}, auto_id=_accept_ids(pk))
        return _render_accept(request, suggestion, form, report=request.GET.get("report", ""))

    report = request.POST.get("report", "")
    form = AcceptForm(request.POST, auto_id=_accept_ids(pk))
    if form.is_valid():
        try:
            pairing = services.suggestion_accept(
                suggestion=suggestion, actor=request.employee, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = (
                f"Pairing proposed: {suggestion.mentor.name} mentors {suggestion.mentee.name} in "
                f"{suggestion.competency.name}, {_when(pairing.start_date)} – "
                f"{_when(pairing.end_date)}."
            )
            if not _is_partial(request):
                messages.success(request, message)
                anchor = f"gap-{suggestion.mentee_id}-{suggestion.competency_id}"
                return redirect(_team_url(org_slug, report, anchor))
            return _suggestions_response(request, report, message)
    return _render_accept(request, suggestion, form, report=report, status=400)


@require_POST
def suggestion_dismiss(request: TenantRequest, org_slug: str, pk: int) -> HttpResponse:
    suggestion = get_rw_suggestion_for(request, pk)
    report = request.POST.get("report", "")
    form = DismissForm(request.POST)
    form.is_valid()
    try:
        services.suggestion_dismiss(
            suggestion=suggestion,
            actor=request.employee,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
    else:
        message = (
            f"Dismissed {suggestion.mentor.name} for {suggestion.mentee.name}'s "
            f"{suggestion.competency.name}; they will not be suggested for it again unless "
            "their level changes."
        )
        if not _is_partial(request):
            messages.success(request, message)
            anchor = f"gap-{suggestion.mentee_id}-{suggestion.competency_id}"
            return redirect(_team_url(org_slug, report, anchor))
        return _suggestions_response(request, report, message)

    errors = [str(e) for errs in form.errors.values() for e in errs]
    if not _is_partial(request):
        context = _team_context(request, report)
        context["page_errors"] = errors
        return render(request, TEAM_TEMPLATE, context, status=400)
    context = {
        "s": {"pk": suggestion.pk, "mentor_name": suggestion.mentor.name},
        "dismiss_form": form,
        "report_param": report if report.isdigit() else "",
    }
    response = render(request, f"{TEAM_TEMPLATE}#dismiss_form", context, status=400)
    return _retarget(response, f"#dismiss-form-{suggestion.pk}")


# --- My mentoring availability --------------------------------------------------------------------


def _competencies(request: TenantRequest) -> list[Competency]:
    return list(
        Competency.objects.filter(organization=request.organization, archived_at__isnull=True)
        .only("pk", "name", "category", "organization_id")
        .order_by("category", "name", "pk")
    )


def _availability_context(
    request: TenantRequest,
    form: AvailabilityForm,
    competencies: list[Competency],
    availability: selectors.Availability,
    selected: set[int],
) -> dict[str, Any]:
    names = {s.level: s.name for s in scale_for(organization=request.organization)}
    groups: dict[str, list[tuple[Competency, str | None]]] = {}
    for competency in competencies:
        level = availability.strengths.get(competency.pk)
        strength = names.get(level, str(level)) if level is not None else None
        groups.setdefault(competency.category or "Uncategorised", []).append((competency, strength))
    return {
        "nav": "mentoring",
        "form": mark_invalid(form),
        "availability": availability,
        "groups": list(groups.items()),
        "selected": selected,
        "threshold_name": names.get(request.organization.mentor_threshold_level, ""),
    }


@require_http_methods(["GET", "POST"])
def mentor_availability(request: TenantRequest, org_slug: str) -> HttpResponse:
    me = request.employee
    org = request.organization
    competencies = _competencies(request)
    availability = selectors.mentor_availability(employee=me, threshold=org.mentor_threshold_level)
    template = AVAILABILITY_TEMPLATE
    if request.method == "GET":
        form = AvailabilityForm(
            initial={"available": me.mentor_available, "capacity": me.mentor_capacity},
            competencies=Competency.objects.none(),
        )
        context = _availability_context(
            request, form, competencies, availability, availability.opted_out_ids
        )
        return render(request, template, context)

    shown = {c.pk for c in competencies}
    queryset = Competency.objects.filter(organization=org, archived_at__isnull=True)
    form = AvailabilityForm(request.POST, competencies=queryset)
    if form.is_valid():
        # Opt-outs of archived competencies are not on the page; keep them as they are.
        kept = availability.opted_out_ids - shown
        wanted = {c.pk for c in form.cleaned_data["opted_out"]} | kept
        try:
            updated = services.availability_update(
                employee=me,
                actor=me,
                available=form.cleaned_data["available"],
                capacity=form.cleaned_data["capacity"],
                opted_out_competency_ids=sorted(wanted),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            me.mentor_available = updated.mentor_available
            me.mentor_capacity = updated.mentor_capacity
            message = (
                f"Saved: you can mentor up to {updated.mentor_capacity} "
                f"{'person' if updated.mentor_capacity == 1 else 'people'} at once."
                if updated.mentor_available and updated.mentor_capacity
                else "Saved: you will not be suggested as a mentor."
            )
            if not _is_partial(request):
                messages.success(request, message)
                return redirect("mentor_availability", org_slug=org_slug)
            availability = selectors.mentor_availability(
                employee=me, threshold=org.mentor_threshold_level
            )
            form = AvailabilityForm(
                initial={"available": me.mentor_available, "capacity": me.mentor_capacity},
                competencies=Competency.objects.none(),
            )
            context = _availability_context(
                request, form, competencies, availability, availability.opted_out_ids
            )
            context["saved"] = True
            response = render(request, f"{template}#availability_form", context)
            return _toast(response, message)

    selected = {int(v) for v in request.POST.getlist("opted_out") if v.isdigit()}
    context = _availability_context(request, form, competencies, availability, selected)
    if _is_partial(request):
        template += "#availability_form"
    return render(request, template, context, status=400)


@require_GET
def mentoring_summary(request: TenantRequest, org_slug: str) -> HttpResponse:
    """The home page's card, loaded there with htmx; a plain visit goes to the full page."""
    if not _is_partial(request):
        return redirect("mentor_availability", org_slug=org_slug)
    summary = selectors.mentoring_summary(employee=request.employee)
    return render(request, "matching/mentoring_summary.html", {"summary": summary})


# --- HR: matching runs and settings ---------------------------------------------------------------


def _settings_form(request: TenantRequest, data: Any = None) -> MatchSettingsForm:
    org = request.organization
    current = selectors.match_settings_for(organization=org)
    initial: dict[str, Any] = {
        **{f"weight_{name}": value for name, value in current.weight_values.items()},
        "k": current.k,
        "spread": current.spread,
        "mentor_threshold_level": org.mentor_threshold_level,
        "recompute_interval_minutes": org.recompute_interval_minutes,
    }
    return MatchSettingsForm(data, initial=initial, scale=scale_for(organization=org))


def _duration(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def _runs_context(request: TenantRequest, form: MatchSettingsForm) -> dict[str, Any]:
    runs = selectors.latest_runs(organization=request.organization, limit=RUNS_SHOWN)
    chart = [
        {
            "label": timezone.localtime(run.started_at).strftime("%d %b %H:%M"),
            "coverage": round(run.coverage * 100, 1),
            "seconds": round(run.total_ms / 1000, 3),
        }
        for run in reversed(runs)
        if run.status == run.Status.SUCCEEDED
    ]
    return {
        "nav": "mentoring",
        "runs": [(run, _duration(run.total_ms), round(run.coverage * 100)) for run in runs],
        "chart": chart,
        "chart_json": json.dumps(chart),
        "settings_form": mark_invalid(form),
    }


@hr_admin_required
@require_GET
def match_runs(request: TenantRequest, org_slug: str) -> HttpResponse:
    return render(request, RUNS_TEMPLATE, _runs_context(request, _settings_form(request)))


@hr_admin_required
@require_POST
def match_recompute(request: TenantRequest, org_slug: str) -> HttpResponse:
    recompute.recompute_request(organization=request.organization, actor=request.employee)
    message = "Recompute queued: the new run appears below when the worker has finished it."
    if _is_partial(request):
        return _toast(HttpResponse(status=204), "Recompute queued")
    messages.success(request, message)
    return redirect("match_runs", org_slug=org_slug)


@hr_admin_required
@require_POST
def match_settings(request: TenantRequest, org_slug: str) -> HttpResponse:
    form = _settings_form(request, request.POST)
    if form.is_valid():
        try:
            services.match_settings_update(
                organization=request.organization,
                actor=request.employee,
                **form.service_arguments(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            message = "Match settings saved; suggestions are recomputed with them shortly."
            if not _is_partial(request):
                messages.success(request, message)
                return redirect(reverse("match_runs", args=[org_slug]) + "#settings")
            context = {"settings_form": mark_invalid(_settings_form(request)), "saved": True}
            return _toast(render(request, f"{RUNS_TEMPLATE}#settings", context), message)
    template = RUNS_TEMPLATE + ("#settings" if _is_partial(request) else "")
    return render(request, template, _runs_context(request, form), status=400)
