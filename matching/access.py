"""Access helpers of the matching pages: one per tenant-owned thing (the pairing lifecycle has
its own in `matching.pairings.access`).

Each filters by the organisation inside the query and raises Http404 whether the row does not
exist or belongs to another organisation, so existence never leaks.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from matching import selectors
from matching.models import MatchSuggestion
from mentorship.http import TenantRequest
from mentorship.models import Employee, Organization


def _viewer(request_or_actor: TenantRequest | Employee) -> tuple[Organization, Employee]:
    if isinstance(request_or_actor, Employee):
        return request_or_actor.organization, request_or_actor
    return request_or_actor.organization, request_or_actor.employee


def may_decide(me: Employee, mentee: Employee) -> bool:
    """Suggestions are the manager's tool: the mentee's manager decides, and HR admins."""
    return me.is_hr_admin or mentee.manager_id == me.pk


def get_rw_suggestion_for(request_or_actor: TenantRequest | Employee, pk: int) -> MatchSuggestion:
    """A suggestion of this organisation (else 404) about a direct report (else 403)."""
    organization, viewer = _viewer(request_or_actor)
    suggestion = selectors.suggestion_get(organization=organization, pk=pk)
    if suggestion is None:
        raise Http404("No such suggestion")
    if not may_decide(viewer, suggestion.mentee):
        raise PermissionDenied(
            f"Only {suggestion.mentee.name}'s manager or an HR admin can decide on their mentors."
        )
    return suggestion
