"""What happens to pairings when someone leaves the organisation."""

from __future__ import annotations

from django.db.models import Q

from matching.models import MatchRun, Pairing
from matching.pairings.recording import locked_pairing, move_to, tell
from matching.pairings.rules import State, manager_of_mentee, pairing_title, proposer_of
from matching.recompute import schedule_recompute
from mentorship.models import Employee, Organization


def on_employees_deactivated(
    *, organization: Organization, employee_ids: list[int], actor: Employee | None
) -> None:
    """Registered with mentorship's deactivation hooks (runs inside that transaction).

    Proposed pairings of someone who left are cancelled ("left the organisation"); running ones
    (active or awaiting review) are flagged to the mentee's manager to decide, or, when there is
    no active one, to whichever of the two stays (either can cancel).
    """
    ids = list(employee_ids)
    affected = list(
        Pairing.objects.filter(organization=organization)
        .filter(Q(mentee_id__in=ids) | Q(mentor_id__in=ids))
        .filter(state__in=[State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW])
        .values_list("pk", flat=True)
    )
    cancelled = False
    for pk in affected:
        p = locked_pairing(Pairing(organization_id=organization.pk, pk=pk))
        gone = p.mentee if p.mentee_id in ids else p.mentor
        if p.state == State.PROPOSED:
            reason = f"{gone.name} left the organisation."
            move_to(
                p,
                to=State.CANCELLED,
                actor=actor,
                action="cancelled",
                reason=reason,
                summary=f"{pairing_title(p)} was cancelled: {reason}",
            )
            tell(
                [p.mentee, p.mentor, proposer_of(p)],
                actor=actor,
                pairing=p,
                kind="pairing_cancelled",
                message=f"{pairing_title(p)} was cancelled: {reason}",
            )
            cancelled = True
        else:
            # The mentee's manager decides; without an active one, whoever of the two stays.
            manager = manager_of_mentee(p)
            stays = p.mentor if gone.pk == p.mentee_id else p.mentee
            decides = manager if manager and manager.is_active and manager.pk not in ids else stays
            tell(
                [decides],
                actor=actor,
                pairing=p,
                kind="pairing_flagged",
                message=(
                    f"{gone.name} left the organisation: {pairing_title(p)} is "
                    f"{p.get_state_display().lower()}. Decide whether to cancel it or let it "
                    "finish."
                ),
                email_subject=f"{gone.name} left: a pairing needs your decision",
            )
    if cancelled:
        schedule_recompute(organization_id=organization.pk, trigger=MatchRun.Trigger.AVAILABILITY)
