"""The global plan: optimal, within every mentor's free slots, equal to brute force on tiny cases."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import Gaps, OrgArrays, Suggestions, suggest
from matching.plan import Plan, plan
from tests.bench_engine import synthetic
from tests.matching.reference import Case, cases

PROPERTY = settings(max_examples=100, deadline=None)


def problem(
    free: list[int], lists: list[list[tuple[int, float]]], priority: list[float]
) -> tuple[OrgArrays, Gaps, Suggestions]:
    """Mentors 0..len(free)-1 with those free slots; gap i is person len(free)+i's, with its
    suggested (mentor, score) list and priority."""
    mentors, g = len(free), len(lists)
    n = mentors + g
    org = OrgArrays(
        person_ids=np.arange(n) + 1,
        department=np.full(n, -1),
        manager=np.full(n, -1),
        available=np.ones(n, dtype=bool),
        capacity=np.array(free + [1] * g),
        load=np.zeros(n, dtype=np.int16),
        level=np.full((n, 1), 5),
        confirmed=np.zeros((n, 1), dtype=bool),
        opted_out=np.zeros((n, 1), dtype=bool),
        past_pairs=np.zeros(0, dtype=np.int64),
        excluded=np.zeros(0, dtype=np.int64),
    )
    gaps = Gaps(
        mentee=mentors + np.arange(g),
        competency=np.zeros(g, dtype=np.int64),
        target=np.full(g, 3),
        priority=np.array(priority, dtype=np.float64),
    )
    rows = [(gi, m, score) for gi, options in enumerate(lists) for m, score in options]
    sizes = [len(options) for options in lists]
    suggestions = Suggestions(
        gap=np.array([r[0] for r in rows], dtype=np.int64),
        mentor=np.array([r[1] for r in rows], dtype=np.int64),
        rank=np.array([rank for size in sizes for rank in range(size)], dtype=np.int64),
        score=np.array([r[2] for r in rows], dtype=np.float64),
        factors=np.zeros((len(rows), 6)),
        offsets=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        distinct_mentors=len({r[1] for r in rows}),
        eligible_mentors_with_free_slots=mentors,
        free_slots=sum(free),
        suggested_slots=0,
    )
    return org, gaps, suggestions


def brute_force(
    free: list[int], lists: list[list[tuple[int, float]]], priority: list[float]
) -> tuple[float, float]:
    """(most covered priority, best total score among the plans covering that much)."""
    best = (0.0, 0.0)
    for choice in itertools.product(*[[None, *options] for options in lists]):
        used = Counter(option[0] for option in choice if option is not None)
        if any(used[m] > free[m] for m in used):
            continue
        covered = sum(p for p, option in zip(priority, choice, strict=True) if option is not None)
        score = sum(option[1] for option in choice if option is not None)
        if covered > best[0] + 1e-9 or (abs(covered - best[0]) <= 1e-9 and score > best[1]):
            best = (covered, score)
    return best


def assert_feasible(org: OrgArrays, suggestions: Suggestions, result: Plan) -> None:
    free = org.free_slots
    for m, times in Counter(result.recommended[result.recommended >= 0].tolist()).items():
        assert times <= free[m], m
    for gi, m in enumerate(result.recommended.tolist()):
        row = int(result.suggestion[gi])
        if m < 0:
            assert row == -1
            continue
        assert suggestions.for_gap(gi).start <= row < suggestions.for_gap(gi).stop
        assert suggestions.mentor[row] == m


@st.composite
def tiny(draw: st.DrawFn) -> tuple[list[int], list[list[tuple[int, float]]], list[float]]:
    mentors = draw(st.integers(1, 4))
    free = draw(st.lists(st.integers(0, 2), min_size=mentors, max_size=mentors))
    g = draw(st.integers(0, 6))
    score = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.25, 3.0, 4.0])
    lists = [
        [
            (m, draw(score))
            for m in draw(st.lists(st.integers(0, mentors - 1), unique=True, max_size=mentors))
        ]
        for _ in range(g)
    ]
    priority = draw(
        st.lists(st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 10.0]), min_size=g, max_size=g)
    )
    return free, lists, priority


@PROPERTY
@given(data=tiny())
def test_the_plan_is_a_brute_force_optimum_on_tiny_cases(
    data: tuple[list[int], list[list[tuple[int, float]]], list[float]],
) -> None:
    free, lists, priority = data
    org, gaps, suggestions = problem(free, lists, priority)
    best_covered, best_score = brute_force(free, lists, priority)
    for solver in ("paths", "ortools"):
        result = plan(org, gaps, suggestions, solver=solver)
        assert_feasible(org, suggestions, result)
        assert result.covered_priority == pytest.approx(best_covered, abs=1e-9), solver
        assert result.total_score == pytest.approx(best_score, abs=1e-4), solver


@PROPERTY
@given(case=cases())
def test_the_plan_respects_capacity_and_both_solvers_agree(case: Case) -> None:
    suggestions = suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    paths = plan(case.org, case.gaps, suggestions)
    ortools = plan(case.org, case.gaps, suggestions, solver="ortools")
    assert_feasible(case.org, suggestions, paths)
    assert paths.total_cost == ortools.total_cost
    assert paths.covered_priority == pytest.approx(ortools.covered_priority)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_solvers_agree_on_a_synthetic_organisation(seed: int) -> None:
    org, gaps = synthetic(1500, c=12, seed=seed)
    suggestions = suggest(org, gaps, threshold=4, spread=1.0 + seed)
    paths = plan(org, gaps, suggestions)
    ortools = plan(org, gaps, suggestions, solver="ortools")
    assert_feasible(org, suggestions, paths)
    assert paths.total_cost == ortools.total_cost
    assert paths.covered_priority == ortools.covered_priority
    assert paths.total_score == pytest.approx(ortools.total_score)


# By example ---------------------------------------------------------------------------------


def test_the_last_slot_goes_to_the_higher_priority() -> None:
    # Mentor 0 has one slot; gap 1 prefers it but can fall back on mentor 1.
    org, gaps, suggestions = problem([1, 1], [[(0, 1.0)], [(0, 5.0), (1, 0.5)]], [2.0, 1.0])
    result = plan(org, gaps, suggestions)
    assert result.recommended.tolist() == [0, 1]
    assert (result.assigned, result.covered_priority, result.coverage) == (2, 3.0, 1.0)
    assert result.total_score == 1.5
    assert result.recommended_mask(suggestions).tolist() == [True, False, True]


def test_covering_more_priority_beats_a_better_score() -> None:
    # Giving gap 0 its best mentor would leave gap 1 without anyone.
    org, gaps, suggestions = problem([1, 1], [[(0, 5.0), (1, 4.0)], [(0, 4.5)]], [1.0, 1.0])
    assert plan(org, gaps, suggestions).recommended.tolist() == [1, 0]


def test_among_equal_coverage_the_higher_score_wins() -> None:
    org, gaps, suggestions = problem([1, 1], [[(0, 5.0), (1, 1.0)], [(0, 2.0), (1, 1.5)]], [1, 1])
    assert plan(org, gaps, suggestions).recommended.tolist() == [0, 1]


def test_a_mentor_takes_no_more_gaps_than_free_slots() -> None:
    org, gaps, suggestions = problem([2], [[(0, 1.0)]] * 4, [4.0, 3.0, 2.0, 1.0])
    result = plan(org, gaps, suggestions)
    assert result.recommended.tolist() == [0, 0, -1, -1]
    assert result.coverage == pytest.approx(7 / 10)


def test_coverage_counts_gaps_without_suggestions() -> None:
    org, gaps, suggestions = problem([1], [[(0, 1.0)], []], [1.0, 3.0])
    result = plan(org, gaps, suggestions)
    assert (result.covered_priority, result.total_priority, result.coverage) == (1.0, 4.0, 0.25)


def test_nothing_to_plan_is_fully_covered() -> None:
    org, gaps, suggestions = problem([1], [], [])
    result = plan(org, gaps, suggestions)
    assert (result.assigned, result.coverage, result.total_cost) == (0, 1.0, 0)
    assert result.recommended.shape == (0,)


def test_suggestions_for_other_gaps_are_refused() -> None:
    org, _, suggestions = problem([1], [[(0, 1.0)]], [1.0])
    _, other_gaps, _ = problem([1], [[(0, 1.0)], [(0, 1.0)]], [1.0, 1.0])
    with pytest.raises(ValueError, match="other gaps"):
        plan(org, other_gaps, suggestions)


def test_an_unknown_solver_is_refused() -> None:
    org, gaps, suggestions = problem([1], [[(0, 1.0)]], [1.0])
    with pytest.raises(ValueError, match="solver"):
        plan(org, gaps, suggestions, solver="simplex")  # type: ignore[arg-type]


def test_auto_hands_over_to_ortools_when_the_paths_budget_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    org, gaps = synthetic(400, c=6, seed=4)
    suggestions = suggest(org, gaps, threshold=4)
    quick = plan(org, gaps, suggestions)
    assert quick.solver == "paths"
    monkeypatch.setattr("matching.plan.PATHS_BUDGET", 0.0)
    handed_over = plan(org, gaps, suggestions)
    assert handed_over.solver == "ortools"
    assert handed_over.total_cost == quick.total_cost
