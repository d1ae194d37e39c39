"""Check-ins (mentor or mentee) and the mentee's reflections, private unless shared."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from matching.models import CheckIn, Pairing, Reflection
from matching.pairings.recording import audit_pairing, locked_pairing, tell
from matching.pairings.rules import (
    PARTIES,
    REFLECTION_MAX,
    CheckInInput,
    Party,
    State,
    clean_check_in,
    day_label,
    pairing_began,
    pairing_title,
    require_party,
    require_state,
)
from mentorship.models import Employee


@transaction.atomic
def check_in_add(*, pairing: Pairing, actor: Employee, data: CheckInInput) -> CheckIn:
    """Log a check-in (mentor or mentee) with specific feedback and the next date."""
    p = locked_pairing(pairing)
    require_party(p, actor, PARTIES, "Only the mentor and the mentee log check-ins.")
    require_state(p, [State.ACTIVE], "logged", "check-ins")
    fields = clean_check_in(data, earliest=pairing_began(p), latest=p.end_date)
    check_in = CheckIn.objects.create(
        organization_id=p.organization_id, pairing=p, author=actor, **fields
    )
    audit_pairing(p, actor, "check_in", f"{actor.name} logged a check-in on {day_label(data.date)}")
    tell(
        [p.mentee, p.mentor],
        actor=actor,
        pairing=p,
        kind="check_in",
        message=f"{actor.name} logged a check-in of {pairing_title(p)}.",
    )
    return check_in


@transaction.atomic
def reflection_add(
    *,
    pairing: Pairing,
    actor: Employee,
    what_i_did: str,
    why: str = "",
    what_i_would_change: str = "",
    shared_with_mentor: bool = False,
) -> Reflection:
    """The mentee's reflection: private unless they share it with the mentor."""
    p = locked_pairing(pairing)
    require_party(p, actor, {Party.MENTEE}, "Only the mentee writes reflections.")
    require_state(p, [State.ACTIVE, State.AWAITING_REVIEW], "written", "reflections")
    texts = {
        "what_i_did": (what_i_did or "").strip(),
        "why": (why or "").strip(),
        "what_i_would_change": (what_i_would_change or "").strip(),
    }
    errors = {k: f"Keep this under {REFLECTION_MAX:,} characters." for k, v in texts.items()}
    errors = {k: m for k, m in errors.items() if len(texts[k]) > REFLECTION_MAX}
    if not texts["what_i_did"]:
        errors["what_i_did"] = "Write what you did."
    if errors:
        raise ValidationError(errors)
    reflection = Reflection.objects.create(
        organization_id=p.organization_id,
        pairing=p,
        author=actor,
        shared_with_mentor=bool(shared_with_mentor),
        **texts,
    )
    if reflection.shared_with_mentor:
        tell(
            [p.mentor],
            actor=actor,
            pairing=p,
            kind="reflection_shared",
            message=f"{actor.name} shared a reflection on {pairing_title(p)}.",
        )
    return reflection


@transaction.atomic
def reflection_share(*, reflection: Reflection, actor: Employee, shared: bool) -> Reflection:
    """The mentee shows a reflection to the mentor, or hides it again."""
    found = (
        Reflection.objects.select_for_update(of=("self",))
        .select_related("pairing__mentee__user", "pairing__mentor__user", "pairing__competency")
        .filter(organization_id=reflection.organization_id, pk=reflection.pk)
        .first()
    )
    if found is None:
        raise ValidationError({"reflection": "This reflection no longer exists."})
    if actor.pk != found.author_id:
        raise PermissionDenied("Only the mentee who wrote it can share a reflection.")
    if found.shared_with_mentor != bool(shared):
        found.shared_with_mentor = bool(shared)
        found.save(update_fields=["shared_with_mentor", "updated_at"])
        if shared:
            p = found.pairing
            tell(
                [p.mentor],
                actor=actor,
                pairing=p,
                kind="reflection_shared",
                message=f"{actor.name} shared a reflection on {pairing_title(p)}.",
            )
    return found
