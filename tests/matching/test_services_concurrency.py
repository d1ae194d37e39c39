"""Two managers race for a mentor's last slot (PostgreSQL: real row locks, real concurrency)."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

import matching.pairings.services as pairing_services
from matching.models import MatchSuggestion, Pairing
from matching.recompute import recompute_organization
from matching.services import suggestion_accept
from tests.factories import EmployeeFactory
from tests.matching.conftest import person, rate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_accepts_for_a_mentors_last_slot_give_one_pairing(postgres, team, monkeypatch) -> None:
    # Pat has one slot and is suggested for Emma's Programming gap and for Ravi's (another team).
    lead = person(team.org, "Lena", team.sales)
    ravi = EmployeeFactory(organization=team.org, manager=lead, role=team.role)
    rate(ravi, {team.programming: 1, team.writing: 3, team.negotiation: 2})
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    races = [
        (MatchSuggestion.objects.get(mentee=team.emma, mentor=team.pat), team.mark),
        (MatchSuggestion.objects.get(mentee=ravi, mentor=team.pat), lead),
    ]
    start = timezone.localdate() + dt.timedelta(days=3)
    barrier = threading.Barrier(len(races))

    # Widen the race: whoever passes the capacity check lingers there for the other. Without the
    # row lock both would pass it and both would pair; with it the second waits for the first.
    real_check = pairing_services.check_mentor
    gate = threading.Barrier(len(races))

    def check_then_linger(**kwargs) -> None:
        real_check(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait(timeout=1)

    monkeypatch.setattr(pairing_services, "check_mentor", check_then_linger)
    outcomes: list[object] = []

    def accept(suggestion: MatchSuggestion, actor) -> None:
        try:
            with scopes_disabled():
                barrier.wait(timeout=10)
                outcomes.append(
                    suggestion_accept(
                        suggestion=suggestion,
                        actor=actor,
                        task="Pair on the billing service rewrite",
                        start_date=start,
                        end_date=start + dt.timedelta(weeks=6),
                    )
                )
        except ValidationError as exc:
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=race) for race in races]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    pairings = [o for o in outcomes if isinstance(o, Pairing)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(pairings) == 1 and len(refusals) == 1
    assert refusals[0].message_dict == {
        "mentor": ["Pat Test is no longer available: all 1 mentoring slot is taken."]
    }
    assert Pairing.objects.filter(mentor=team.pat).count() == 1
    assert MatchSuggestion.objects.filter(mentor=team.pat, status="accepted").count() == 1
