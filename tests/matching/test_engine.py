"""The matching engine: eligibility rules, scoring, spread, and equivalence with the reference."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings

from matching.engine import FACTORS, Gaps, OrgArrays, Suggestions, Weights, suggest
from tests.bench_engine import synthetic
from tests.matching.reference import Case, cases, reference_suggest

PROPERTY = settings(max_examples=100, deadline=None)


def org_of(n: int, c: int = 1, **overrides: object) -> OrgArrays:
    """Everyone available with 2 free slots, no department or manager, level 0 everywhere."""
    fields: dict[str, object] = {
        "person_ids": np.arange(1, n + 1) * 10,
        "department": np.full(n, -1),
        "manager": np.full(n, -1),
        "available": np.ones(n, dtype=bool),
        "capacity": np.full(n, 2),
        "load": np.zeros(n),
        "level": np.zeros((n, c)),
        "confirmed": np.zeros((n, c), dtype=bool),
        "opted_out": np.zeros((n, c), dtype=bool),
        "past_pairs": np.zeros(0),
        "excluded": np.zeros(0),
    }
    fields.update(overrides)
    return OrgArrays(**fields)  # type: ignore[arg-type]


def gaps_of(*rows: tuple[int, int, int, float]) -> Gaps:
    """Gaps from (mentee, competency, target, priority) rows."""
    return Gaps(
        mentee=np.array([r[0] for r in rows], dtype=np.int64),
        competency=np.array([r[1] for r in rows], dtype=np.int64),
        target=np.array([r[2] for r in rows], dtype=np.int64),
        priority=np.array([r[3] for r in rows], dtype=np.float64),
    )


def lists(s: Suggestions, g: int) -> list[list[int]]:
    return [s.mentor[s.for_gap(i)].tolist() for i in range(g)]


# Every rule, checked on every suggestion of random organisations --------------------------


def _rows(case: Case, s: Suggestions) -> list[tuple[int, int, int, int, int]]:
    """(mentor, mentee, competency, target, row) of every suggestion."""
    g = case.gaps
    return [
        (m, int(g.mentee[gi]), int(g.competency[gi]), int(g.target[gi]), row)
        for row, (gi, m) in enumerate(zip(s.gap.tolist(), s.mentor.tolist(), strict=True))
    ]


RULES: dict[str, Callable[[OrgArrays, Case, int, int, int, int], bool]] = {
    "not the mentee": lambda o, case, m, e, j, t: m != e,
    "not the mentee's manager": lambda o, case, m, e, j, t: o.manager[e] != m,
    "not the mentee's direct report": lambda o, case, m, e, j, t: o.manager[m] != e,
    "available as mentor": lambda o, case, m, e, j, t: bool(o.available[m]),
    "not opted out of the competency": lambda o, case, m, e, j, t: not o.opted_out[m, j],
    "level at least threshold and target": (
        lambda o, case, m, e, j, t: o.level[m, j] >= max(case.threshold, t)
    ),
    "a free slot": lambda o, case, m, e, j, t: o.load[m] < o.capacity[m],
    "not dismissed for this gap": (
        lambda o, case, m, e, j, t: (
            (e * o.n_competencies + j) * o.n_people + m not in set(o.excluded.tolist())
        )
    ),
}


@pytest.mark.parametrize("rule", RULES)
@PROPERTY
@given(case=cases())
def test_every_suggestion_respects_the_rule(rule: str, case: Case) -> None:
    s = suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    check = RULES[rule]
    for m, e, j, t, _ in _rows(case, s):
        assert check(case.org, case, m, e, j, t), (rule, m, e, j)


@PROPERTY
@given(case=cases())
def test_a_mentor_appears_in_at_most_spread_times_free_slots_lists(case: Case) -> None:
    s = suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    free = case.org.free_slots
    for m, times in Counter(s.mentor.tolist()).items():
        assert math.isinf(case.spread) or times <= math.ceil(case.spread * free[m])


@PROPERTY
@given(case=cases())
def test_lists_are_ranked_best_first_without_repeats(case: Case) -> None:
    s = suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    for gi in range(len(case.gaps)):
        rows = s.for_gap(gi)
        mentors = s.mentor[rows].tolist()
        assert len(mentors) == len(set(mentors)) <= case.k
        assert s.rank[rows].tolist() == list(range(len(mentors)))
        assert np.all(np.diff(s.score[rows]) <= 1e-9)
    assert np.all(np.diff(s.gap) >= 0)
    np.testing.assert_allclose(s.score, s.factors.sum(axis=1), atol=1e-9)


@PROPERTY
@given(case=cases())
def test_the_engine_matches_the_plain_reference(case: Case) -> None:
    s = suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    ref = reference_suggest(case.org, case.gaps, **case.suggest_kwargs())  # type: ignore[arg-type]
    for gi, expected in enumerate(ref.lists):
        rows = s.for_gap(gi)
        assert s.mentor[rows].tolist() == [r.mentor for r in expected], gi
        assert s.score[rows].tolist() == pytest.approx([r.score for r in expected], abs=1e-12)
        expected_factors = np.array([r.factors for r in expected]).reshape(-1, 6)
        np.testing.assert_allclose(s.factors[rows], expected_factors, atol=1e-12)
    assert s.distinct_mentors == ref.distinct_mentors
    assert s.eligible_mentors_with_free_slots == ref.eligible_mentors_with_free_slots
    assert s.free_slots == ref.free_slots
    assert s.suggested_slots == ref.suggested_slots


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("spread", [3.0, 0.5, math.inf])
def test_the_engine_matches_the_reference_on_a_synthetic_organisation(
    seed: int, spread: float
) -> None:
    org, gaps = synthetic(160, c=8, seed=seed)
    s = suggest(org, gaps, threshold=4, spread=spread)
    ref = reference_suggest(org, gaps, threshold=4, spread=spread)
    assert lists(s, len(gaps)) == [[r.mentor for r in rows] for rows in ref.lists]
    assert s.score.tolist() == pytest.approx([r.score for rows in ref.lists for r in rows])
    assert (s.distinct_mentors, s.eligible_mentors_with_free_slots) == (
        ref.distinct_mentors,
        ref.eligible_mentors_with_free_slots,
    )


# Scoring and ranking, by example ------------------------------------------------------------


def test_each_factor_is_weighted_and_normalised() -> None:
    org = org_of(
        3,
        department=np.array([0, 1, 1]),
        capacity=np.array([2, 4, 2]),
        load=np.array([0, 1, 0]),
        level=np.array([[1], [5], [4]]),
        confirmed=np.array([[False], [True], [False]]),
        past_pairs=np.array([2 * 3 + 0]),  # 2 mentored 0 before
    )
    weights = Weights(
        priority=2, margin=3, confirmed=5, other_department=7, low_load=11, new_connection=13
    )
    s = suggest(org, gaps_of((0, 0, 3, 4.0), (2, 0, 3, 8.0)), threshold=4, weights=weights)

    assert lists(s, 2) == [[1, 2], [1]]
    by_row = {(int(g), int(m)): row for row, (g, m) in enumerate(zip(s.gap, s.mentor, strict=True))}
    first = s.factors[by_row[(0, 1)]]
    assert dict(zip(FACTORS, first.tolist(), strict=True)) == pytest.approx(
        {
            "priority": 2 * 4 / 8,
            "margin": 3 * (5 - 3) / 5,
            "confirmed": 5.0,
            "other_department": 7.0,
            "low_load": 11 * (1 - 1 / 4),
            "new_connection": 13.0,
        }
    )
    assert s.score[by_row[(0, 1)]] == pytest.approx(first.sum())
    # Mentor 2 with mentee 0: self-rated, another department, a past pair, so no new connection.
    assert s.factors[by_row[(0, 2)]].tolist() == pytest.approx([1.0, 0.6, 0.0, 7.0, 11.0, 0.0])
    # Same department as the mentee: no cross-department credit.
    assert s.factors[by_row[(1, 1)]][3] == 0.0


def test_ties_go_to_the_lower_person_id() -> None:
    org = org_of(4, level=np.array([[0], [4], [4], [4]]))
    s = suggest(org, gaps_of((0, 0, 2, 1.0)), threshold=3, k=2)
    assert lists(s, 1) == [[1, 2]]
    assert s.score[0] == s.score[1]


def test_the_same_input_gives_the_same_output() -> None:
    org, gaps = synthetic(300, c=6, seed=3)
    a = suggest(org, gaps, threshold=4)
    b = suggest(org, gaps, threshold=4)
    for name in ("gap", "mentor", "rank", "score", "factors", "offsets"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_a_dismissed_mentor_is_not_suggested_again_for_that_gap_only() -> None:
    org = org_of(3, c=2, level=np.array([[0, 0], [0, 0], [5, 5]]))
    dismissed = org_of(
        3, c=2, level=np.array([[0, 0], [0, 0], [5, 5]]), excluded=np.array([(0 * 2 + 1) * 3 + 2])
    )
    gaps = gaps_of((0, 0, 3, 1.0), (0, 1, 3, 1.0), (1, 1, 3, 1.0))
    assert lists(suggest(org, gaps, threshold=4), 3) == [[2], [2], [2]]
    assert lists(suggest(dismissed, gaps, threshold=4), 3) == [[2], [], [2]]


# Spread, not stars ---------------------------------------------------------------------------


def test_a_star_is_advertised_only_as_often_as_they_have_room() -> None:
    # Person 1 is the expert everybody would pick; 2 and 3 are good; 4 is competent.
    level = np.array([[0], [5], [4], [4], [4], [0], [0], [0], [0]])
    org = org_of(
        9,
        level=level,
        capacity=np.array([2, 1, 2, 2, 2, 2, 2, 2, 2]),
        confirmed=np.array([[False], [True], [True], [False], [False], *[[False]] * 4]),
    )
    mentees = [0, 5, 6, 7, 8]
    gaps = gaps_of(*[(e, 0, 2, float(10 - i)) for i, e in enumerate(mentees)])

    plain = suggest(org, gaps, threshold=4, k=2, spread=math.inf)
    assert lists(plain, 5) == [[1, 2]] * 5

    spread = suggest(org, gaps, threshold=4, k=2, spread=2.0)
    # Person 1 has one free slot: named in ceil(2 × 1) = 2 lists, the two highest priorities.
    assert lists(spread, 5) == [[1, 2], [1, 2], [2, 3], [2, 3], [3, 4]]
    assert spread.distinct_mentors == 4 > plain.distinct_mentors == 2
    assert spread.eligible_mentors_with_free_slots == 4
    assert (spread.free_slots, spread.suggested_slots) == (7, 7)


def test_lists_run_short_once_every_advertised_slot_is_taken() -> None:
    org = org_of(3, level=np.array([[0], [0], [5]]), capacity=np.array([2, 2, 1]))
    s = suggest(org, gaps_of((0, 0, 3, 2.0), (1, 0, 3, 1.0)), threshold=4, spread=1.0)
    assert lists(s, 2) == [[2], []]


def test_a_full_or_unavailable_person_is_never_eligible() -> None:
    org = org_of(
        4,
        level=np.array([[0], [5], [5], [5]]),
        capacity=np.array([2, 2, 1, 2]),
        load=np.array([0, 0, 1, 0]),
        available=np.array([True, True, True, False]),
    )
    s = suggest(org, gaps_of((0, 0, 3, 1.0)), threshold=4)
    assert lists(s, 1) == [[1]]
    assert s.eligible_mentors_with_free_slots == 1


def test_no_gaps_gives_no_suggestions() -> None:
    s = suggest(org_of(3), gaps_of(), threshold=4)
    assert len(s) == 0
    assert s.offsets.tolist() == [0]
    assert s.distinct_mentors == s.eligible_mentors_with_free_slots == 0


# Bad input is refused with a clear message ------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: org_of(3, person_ids=np.array([1, 3, 2])), "strictly ascending"),
        (lambda: org_of(3, manager=np.array([-1, 1, 0])), "own manager"),
        (lambda: org_of(3, level=np.zeros((2, 1))), "shape"),
        (lambda: org_of(3, capacity=np.array([1, -1, 1])), "≥ 0"),
        (lambda: org_of(3, past_pairs=np.array([9])), "past_pairs"),
        (lambda: Weights(margin=-1.0), "finite number ≥ 0"),
        (lambda: Weights(margin=math.nan), "finite number ≥ 0"),
        (lambda: gaps_of((0, 0, 3, -1.0)), "priorities"),
    ],
)
def test_malformed_arrays_are_refused(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize(
    ("gaps", "kwargs", "message"),
    [
        (gaps_of((0, 0, 3, 1.0), (0, 0, 4, 1.0)), {}, "one gap per"),
        (gaps_of((5, 0, 3, 1.0)), {}, "mentee"),
        (gaps_of((0, 2, 3, 1.0)), {}, "competency"),
        (gaps_of((0, 0, 6, 1.0)), {}, "targets must lie on the scale"),
        (gaps_of((0, 0, 3, 1.0)), {"k": 0}, "k must be"),
        (gaps_of((0, 0, 3, 1.0)), {"spread": 0.0}, "spread"),
        (gaps_of((0, 0, 3, 1.0)), {"threshold": -1}, "threshold"),
        (gaps_of((0, 0, 3, 1.0)), {"scale": (1, 5)}, "levels must lie on the scale"),
    ],
)
def test_bad_calls_are_refused(gaps: Gaps, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suggest(org_of(3), gaps, **{"threshold": 4, **kwargs})  # type: ignore[arg-type]
