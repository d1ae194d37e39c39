"""Access helpers of the pairing pages and API: one per tenant-owned thing.

Each takes the request (its member and organisation) or the acting member, filters by the
organisation inside the query and raises Http404 alike for a row that does not exist, belongs to
another organisation or is not the viewer's to see, so existence never leaks.
"""

from __future__ import annotations

from django.http import Http404

from matching.models import Cohort, Pairing, PlanItem
from matching.pairings import selectors
from mentorship.http import TenantRequest
from mentorship.models import Employee, Organization


def _viewer(request_or_actor: TenantRequest | Employee) -> tuple[Organization, Employee]:
    if isinstance(request_or_actor, Employee):
        return request_or_actor.organization, request_or_actor
    return request_or_actor.organization, request_or_actor.employee


def get_pairing_for(
    request_or_actor: TenantRequest | Employee, pk: int
) -> tuple[Pairing, set[str]]:
    """The pairing and the viewer's part in it; 404 when it is another organisation's, missing,
    or the viewer has no part in it (existence does not leak to colleagues)."""
    organization, viewer = _viewer(request_or_actor)
    found = selectors.pairing_for_viewer(organization=organization, viewer=viewer, pk=pk)
    if found is None:
        raise Http404("No such pairing")
    return found


def get_plan_item_for(
    request_or_actor: TenantRequest | Employee, pk: int, *, pairing_pk: int
) -> tuple[PlanItem, set[str]]:
    """One item of the plan of a pairing the viewer sees, with the viewer's part in the pairing;
    404 unless it is that pairing's."""
    pairing, roles = get_pairing_for(request_or_actor, pairing_pk)
    item = PlanItem.objects.filter(
        organization_id=pairing.organization_id, pairing=pairing, pk=pk
    ).first()
    if item is None:
        raise Http404("No such plan item")
    item.pairing = pairing
    return item, roles


def get_cohort_for(request_or_actor: TenantRequest | Employee, pk: int) -> Cohort:
    """A cohort the viewer mentors, created, is in or manages someone in (HR admins: any)."""
    organization, viewer = _viewer(request_or_actor)
    cohort = selectors.cohort_for_viewer(organization=organization, viewer=viewer, pk=pk)
    if cohort is None:
        raise Http404("No such cohort")
    return cohort
