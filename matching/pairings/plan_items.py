"""The practice plan of an active pairing: the mentor and the mentee add, change and remove
items; the mentee ticks them, the mentor confirms them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from matching.models import Pairing, PlanItem
from matching.pairings.recording import audit_pairing, locked_pairing
from matching.pairings.rules import (
    PARTIES,
    PARTIES_ONLY,
    PLAN_TEXT_MAX,
    Party,
    State,
    require_party,
    require_state,
)
from mentorship.models import Employee


def _plan_pairing(
    item_or_pairing: Pairing, actor: Employee, allowed: set[str], msg: str
) -> Pairing:
    p = locked_pairing(item_or_pairing)
    require_party(p, actor, allowed, msg)
    require_state(p, [State.ACTIVE], "changed", "its plan")
    return p


def _plan_text(text: str) -> str:
    clean = (text or "").strip()
    if not clean:
        raise ValidationError({"text": "Describe what to practise."})
    if len(clean) > PLAN_TEXT_MAX:
        raise ValidationError({"text": f"Keep it under {PLAN_TEXT_MAX} characters."})
    return clean


def _item(p: Pairing, item: PlanItem) -> PlanItem:
    found = PlanItem.objects.filter(
        organization_id=p.organization_id, pairing=p, pk=item.pk
    ).first()
    if found is None:
        raise ValidationError({"item": "This plan item no longer exists."})
    return found


@transaction.atomic
def plan_item_add(*, pairing: Pairing, actor: Employee, text: str) -> PlanItem:
    p = _plan_pairing(pairing, actor, PARTIES, PARTIES_ONLY)
    clean = _plan_text(text)
    last = PlanItem.objects.filter(organization_id=p.organization_id, pairing=p).aggregate(
        m=Max("position")
    )["m"]
    item = PlanItem.objects.create(
        organization_id=p.organization_id,
        pairing=p,
        text=clean,
        source=PlanItem.Source.CUSTOM,
        position=(last + 1) if last is not None else 0,
        created_by=actor,
    )
    audit_pairing(p, actor, "plan_item_added", f"{actor.name} added “{clean}” to the plan")
    return item


@transaction.atomic
def plan_item_update(*, item: PlanItem, actor: Employee, text: str) -> PlanItem:
    p = _plan_pairing(item.pairing, actor, PARTIES, PARTIES_ONLY)
    found = _item(p, item)
    clean = _plan_text(text)
    if clean != found.text:
        before, found.text = found.text, clean
        found.save(update_fields=["text"])
        audit_pairing(
            p, actor, "plan_item_changed", f"{actor.name} changed “{before}” to “{clean}”"
        )
    return found


@transaction.atomic
def plan_item_remove(*, item: PlanItem, actor: Employee) -> None:
    p = _plan_pairing(item.pairing, actor, PARTIES, PARTIES_ONLY)
    found = _item(p, item)
    found.delete()
    audit_pairing(p, actor, "plan_item_removed", f"{actor.name} removed “{found.text}”")


@transaction.atomic
def plan_item_tick(*, item: PlanItem, actor: Employee, done: bool) -> PlanItem:
    """The mentee marks an item done (or not done: that also withdraws the confirmation)."""
    p = _plan_pairing(
        item.pairing, actor, {Party.MENTEE}, "Only the mentee ticks items of the plan."
    )
    found = _item(p, item)
    if done and found.done_at is None:
        found.done_at = timezone.now()
    elif not done:
        found.done_at = found.confirmed_at = None
    found.save(update_fields=["done_at", "confirmed_at"])
    return found


@transaction.atomic
def plan_item_confirm(*, item: PlanItem, actor: Employee, confirmed: bool = True) -> PlanItem:
    """The mentor confirms an item the mentee ticked."""
    p = _plan_pairing(
        item.pairing, actor, {Party.MENTOR}, "Only the mentor confirms items of the plan."
    )
    found = _item(p, item)
    if confirmed and found.done_at is None:
        raise ValidationError(
            {"item": f"{p.mentee.name} has not ticked this item yet; confirm it once they have."}
        )
    found.confirmed_at = timezone.now() if confirmed else None
    found.save(update_fields=["confirmed_at"])
    return found
