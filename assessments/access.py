"""Access helpers of the assessments layer: `get_<thing>_for(request, pk)` finds the thing inside
the request's organisation and raises Http404 whether it does not exist or belongs to another
organisation, so existence never leaks; PermissionDenied when it exists but is not the member's to
act on."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessments.models import AssessmentRequest, DevelopmentGoal
from mentorship.access import get_employee_for
from mentorship.http import TenantRequest
from mentorship.models import Employee


def get_direct_report_for(request: TenantRequest, employee_id: int) -> Employee:
    """A direct report of the signed-in member: another organisation's id is 404, a colleague who
    does not report to them is 403."""
    person = get_employee_for(request, employee_id)
    if not person.is_active:
        raise Http404("No such person")
    if person.manager_id != request.employee.pk:
        raise PermissionDenied("You can assess only your direct reports.")
    return person


def get_goal_for(request: TenantRequest, pk: int) -> DevelopmentGoal:
    goal = DevelopmentGoal.objects.filter(organization=request.organization, pk=pk).first()
    if goal is None:
        raise Http404("No such goal")
    return goal


def get_assessment_request_for(request: TenantRequest, pk: int) -> AssessmentRequest:
    found = (
        AssessmentRequest.objects.select_related("department", "role", "requested_by__user")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such assessment request")
    return found
