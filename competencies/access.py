"""Access helpers of the competency model: `get_<thing>_for(request_or_actor, pk)` finds the thing
inside the request's (or the acting member's) organisation and raises Http404 whether it does not
exist or belongs to another organisation, so existence never leaks."""

from __future__ import annotations

from django.http import Http404

from competencies import selectors
from competencies.models import Competency, ProficiencyLevel, Role
from mentorship.http import TenantRequest
from mentorship.models import Employee


def get_competency_for(request_or_actor: TenantRequest | Employee, pk: int | str) -> Competency:
    competency = (
        Competency.objects.select_related("organization")
        .filter(organization=request_or_actor.organization, pk=int(pk))
        .first()
    )
    if competency is None:
        raise Http404("No such competency")
    return competency


def get_role_for(request: TenantRequest, pk: int) -> Role:
    role = (
        Role.objects.select_related("organization")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if role is None:
        raise Http404("No such role")
    return role


def get_scale_level_for(request: TenantRequest, level: int) -> ProficiencyLevel:
    step = selectors.scale_level_for(organization=request.organization, level=level)
    if step is None:
        raise Http404("No such level")
    return step
