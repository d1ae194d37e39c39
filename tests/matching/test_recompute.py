from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

import matching.recompute as recompute
from matching.models import MatchRun, MatchSuggestion, RecomputeState
from matching.recompute import recompute_organization
from tests.matching.conftest import rate


def _recompute(team, trigger: str = "manual") -> MatchRun:
    run = recompute_organization(organization_id=team.org.pk, trigger=trigger)
    assert run is not None
    return run


def _open(team) -> dict[tuple[int, int], MatchSuggestion]:
    return {
        (s.competency_id, s.mentor_id): s
        for s in MatchSuggestion.objects.filter(organization=team.org, status="open")
    }


def test_suggestions_honour_every_eligibility_rule(team) -> None:
    run = _recompute(team)
    suggestions = _open(team)
    # Programming: Sam and Pat; never Nora (unavailable), Olly (opted out), Mark (her manager).
    # Writing ≥ 3 needs the threshold level 4: only Sam.
    assert set(suggestions) == {
        (team.programming.pk, team.sam.pk),
        (team.programming.pk, team.pat.pk),
        (team.writing.pk, team.sam.pk),
    }
    assert all(s.mentee_id == team.emma.pk for s in suggestions.values())
    best = suggestions[(team.programming.pk, team.sam.pk)]
    assert best.rank == 0 and best.target_level == 4 and best.mentor_level == 5
    assert suggestions[(team.programming.pk, team.pat.pk)].rank == 1
    assert set(best.factors) == {
        "priority",
        "margin",
        "confirmed",
        "other_department",
        "low_load",
        "new_connection",
    }
    assert best.factors["confirmed"] == 1.0 and best.factors["other_department"] == 1.0
    assert best.score == pytest.approx(sum(best.factors.values()))
    assert best.run_id == run.pk

    assert run.status == "succeeded" and run.trigger == "manual"
    assert (run.gaps, run.total_priority, run.suggestions) == (2, 14.0, 3)
    assert run.distinct_mentors == 2 and run.eligible_mentors == 2 and run.free_slots == 3
    assert run.rows_created == 3 and run.rows_updated == run.rows_deleted == 0
    assert run.recommended == 2 and run.coverage == pytest.approx(1.0)
    assert run.finished_at is not None and run.total_ms > 0
    assert run.total_ms >= run.load_ms + run.engine_ms + run.plan_ms + run.write_ms - 1
    # Each gap has one recommended mentor and no mentor is recommended beyond their slots.
    recommended = [s for s in suggestions.values() if s.recommended]
    assert sorted(s.competency_id for s in recommended) == sorted(
        [team.programming.pk, team.writing.pk]
    )
    assert sum(s.mentor_id == team.pat.pk for s in recommended) <= 1


def test_a_second_run_with_nothing_changed_writes_nothing(team) -> None:
    _recompute(team)
    before = {s.pk: (s.updated_at, s.run_id) for s in MatchSuggestion.objects.all()}
    second = _recompute(team)
    assert second.rows_written == 0
    assert second.suggestions == 3 and second.status == "succeeded"
    assert {s.pk: (s.updated_at, s.run_id) for s in MatchSuggestion.objects.all()} == before


def test_a_changed_rating_changes_only_the_affected_rows(team) -> None:
    first = _recompute(team)
    untouched = _open(team)[(team.writing.pk, team.sam.pk)]
    # Pat drops below the threshold in Programming: his row goes, Sam's Programming row is
    # unchanged (Pat was ranked below him), Writing is not affected at all.
    rate(team.pat, {team.programming: 3})
    second = _recompute(team)
    assert (second.rows_created, second.rows_updated, second.rows_deleted) == (0, 0, 1)
    assert set(_open(team)) == {(team.programming.pk, team.sam.pk), (team.writing.pk, team.sam.pk)}
    writing = MatchSuggestion.objects.get(pk=untouched.pk)
    assert writing.run_id == first.pk and writing.updated_at == untouched.updated_at


def test_a_new_strength_adds_rows_and_updates_the_ones_it_outranks(team) -> None:
    _recompute(team)
    # Olly opts back in: confirmed-level Programming 5 from Sales, so he ranks next to Sam.
    team.olly.mentor_opt_outs.all().delete()
    run = _recompute(team)
    assert run.rows_created == 1 and run.rows_deleted == 0
    assert (team.programming.pk, team.olly.pk) in _open(team)
    assert _open(team)[(team.programming.pk, team.pat.pk)].rank == 2
    assert run.rows_updated >= 1  # Pat moved down a rank


def test_accepted_and_dismissed_suggestions_survive_recomputes(team) -> None:
    _recompute(team)
    rows = _open(team)
    accepted = rows[(team.programming.pk, team.sam.pk)]
    dismissed = rows[(team.writing.pk, team.sam.pk)]
    MatchSuggestion.objects.filter(pk=accepted.pk).update(status="accepted")
    MatchSuggestion.objects.filter(pk=dismissed.pk).update(status="dismissed")
    run = _recompute(team)
    assert MatchSuggestion.objects.get(pk=accepted.pk).status == "accepted"
    assert MatchSuggestion.objects.get(pk=dismissed.pk).status == "dismissed"
    # Neither is offered again: Pat is left for Programming, nobody for Writing.
    assert set(_open(team)) == {(team.programming.pk, team.pat.pk)}
    assert run.rows_deleted == 0


def test_a_dismissed_mentor_whose_level_changed_is_offered_again(team) -> None:
    _recompute(team)
    row = _open(team)[(team.programming.pk, team.pat.pk)]
    MatchSuggestion.objects.filter(pk=row.pk).update(
        status="dismissed", dismissed_reason="Busy", decided_by=team.mark, mentor_level=4
    )
    assert _recompute(team).rows_written == 0
    assert (team.programming.pk, team.pat.pk) not in _open(team)

    rate(team.pat, {team.programming: 5})
    run = _recompute(team)
    reopened = MatchSuggestion.objects.get(pk=row.pk)
    assert reopened.status == "open" and reopened.mentor_level == 5
    assert reopened.dismissed_reason == "" and reopened.decided_by is None
    assert run.rows_updated >= 1


def test_a_request_during_a_run_is_answered_by_a_second_run(team) -> None:
    RecomputeState.objects.create(organization=team.org, running_since=timezone.now())
    assert recompute_organization(organization_id=team.org.pk, trigger="assessment") is None
    state = RecomputeState.objects.get(organization=team.org)
    assert state.rerun_requested
    assert not MatchRun.objects.exists()


def test_the_holder_runs_again_for_requests_that_arrived_meanwhile(team, monkeypatch) -> None:
    real_load = recompute.load_org_arrays
    nested: list[object] = []

    def load_and_get_interrupted(organization):
        if not nested:  # a change arrives while the first run is loading
            nested.append(
                recompute_organization(organization_id=organization.pk, trigger="assessment")
            )
        return real_load(organization)

    monkeypatch.setattr(recompute, "load_org_arrays", load_and_get_interrupted)
    last = recompute_organization(organization_id=team.org.pk, trigger="schedule")
    assert nested == [None]
    runs = list(MatchRun.objects.order_by("started_at", "pk"))
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert last == runs[1]
    state = RecomputeState.objects.get(organization=team.org)
    assert state.running_since is None and not state.rerun_requested


def test_reruns_are_bounded_and_the_rest_is_left_to_the_schedule(team, monkeypatch) -> None:
    real_load = recompute.load_org_arrays

    def always_interrupted(organization):
        assert recompute_organization(organization_id=organization.pk, trigger="assessment") is None
        return real_load(organization)

    monkeypatch.setattr(recompute, "load_org_arrays", always_interrupted)
    recompute_organization(organization_id=team.org.pk, trigger="schedule")
    assert MatchRun.objects.count() == recompute.MAX_RERUNS + 1
    state = RecomputeState.objects.get(organization=team.org)
    assert state.running_since is None and state.rerun_requested


def test_a_stale_lease_is_reclaimed(team) -> None:
    stale = timezone.now() - recompute.LEASE - dt.timedelta(seconds=1)
    RecomputeState.objects.create(organization=team.org, running_since=stale)
    dead = MatchRun.objects.create(organization=team.org, trigger="schedule", started_at=stale)
    run = _recompute(team)
    assert run.status == "succeeded" and run.rows_created == 3
    dead.refresh_from_db()
    assert dead.status == "superseded" and dead.finished_at is not None
    assert RecomputeState.objects.get(organization=team.org).running_since is None


def test_a_failure_is_recorded_and_leaves_the_previous_suggestions(team, monkeypatch) -> None:
    _recompute(team)
    before = {s.pk: (s.rank, s.score) for s in MatchSuggestion.objects.all()}
    rate(team.pat, {team.programming: 3})  # would delete a row

    def broken_write(*args, **kwargs):
        MatchSuggestion.objects.all().delete()  # half-way through the write...
        raise RuntimeError("disk full")  # ...it fails: the transaction rolls back

    monkeypatch.setattr(recompute, "_write", broken_write)
    with pytest.raises(RuntimeError):
        recompute_organization(organization_id=team.org.pk, trigger="manual")
    failed = MatchRun.objects.order_by("-pk").first()
    assert failed.status == "failed" and "disk full" in failed.error
    assert failed.finished_at is not None
    assert {s.pk: (s.rank, s.score) for s in MatchSuggestion.objects.all()} == before
    assert RecomputeState.objects.get(organization=team.org).running_since is None


def test_a_run_that_lost_its_claim_writes_nothing(team, monkeypatch) -> None:
    real_plan = recompute.plan

    def plan_while_the_lease_is_taken_over(*args):
        RecomputeState.objects.filter(organization=team.org).update(running_since=timezone.now())
        return real_plan(*args)

    monkeypatch.setattr(recompute, "plan", plan_while_the_lease_is_taken_over)
    run = _recompute(team)
    assert run.status == "superseded" and run.rows_written == 0
    assert not MatchSuggestion.objects.exists()


def test_a_gap_with_a_proposed_pairing_loses_its_open_suggestions(team) -> None:
    from matching.models import Pairing

    _recompute(team)
    Pairing.objects.create(
        organization=team.org,
        mentee=team.emma,
        mentor=team.pat,
        competency=team.programming,
        task="Pair on the billing service rewrite",
        baseline_level=2,
        target_level=4,
        start_date=dt.date(2030, 1, 7),
        end_date=dt.date(2030, 2, 18),
    )
    run = _recompute(team)
    assert run.rows_deleted == 2
    assert set(_open(team)) == {(team.writing.pk, team.sam.pk)}


def test_an_unknown_trigger_is_refused(team) -> None:
    with pytest.raises(ValueError, match="trigger"):
        recompute_organization(organization_id=team.org.pk, trigger="whenever")


def _decide_after_the_diff(monkeypatch, pk: int, status: str) -> None:
    """Someone decides on suggestion `pk` after the run compared the rows, before it writes."""
    real_diff = recompute._diff

    def diff_then_decide(*args, **kwargs):
        changes = real_diff(*args, **kwargs)
        MatchSuggestion.objects.filter(pk=pk).update(status=status)
        return changes

    monkeypatch.setattr(recompute, "_diff", diff_then_decide)


@pytest.mark.postgres
def test_a_suggestion_accepted_during_the_run_is_not_deleted(postgres, team, monkeypatch) -> None:
    _recompute(team)
    pat = _open(team)[(team.programming.pk, team.pat.pk)]
    rate(team.pat, {team.programming: 3})  # the run would delete Pat's row
    _decide_after_the_diff(monkeypatch, pat.pk, "accepted")
    run = _recompute(team)
    assert run.rows_deleted == 0
    assert MatchSuggestion.objects.get(pk=pat.pk).status == "accepted"


@pytest.mark.postgres
def test_a_suggestion_dismissed_during_the_run_is_not_updated(postgres, team, monkeypatch) -> None:
    _recompute(team)
    pat = _open(team)[(team.programming.pk, team.pat.pk)]
    team.olly.mentor_opt_outs.all().delete()  # the run would move Pat down to rank 2
    _decide_after_the_diff(monkeypatch, pat.pk, "dismissed")
    run = _recompute(team)
    assert run.rows_created == 1
    stored = MatchSuggestion.objects.get(pk=pat.pk)
    assert (stored.status, stored.rank, stored.run_id) == ("dismissed", pat.rank, pat.run_id)
