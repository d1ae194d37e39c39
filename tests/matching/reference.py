"""A plain-Python reference for `matching.engine.suggest`: the rules written as directly as possible.

No numpy in the logic, no cleverness: every gap looks at every person. The tests check that the
engine gives exactly the same lists, in the same order, on small random organisations, which the
hypothesis strategy `cases` at the end of this module draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

from matching.engine import Gaps, OrgArrays, Weights


@dataclass
class ReferenceRow:
    mentor: int
    score: float
    factors: list[float]


@dataclass
class ReferenceResult:
    lists: list[list[ReferenceRow]]  # per gap, best first
    distinct_mentors: int
    eligible_mentors_with_free_slots: int
    free_slots: int
    suggested_slots: int


class _Org:
    """The organisation's arrays as plain Python lists."""

    def __init__(self, org: OrgArrays) -> None:
        self.n = org.n_people
        self.c = org.n_competencies
        self.department: list[int] = org.department.tolist()
        self.manager: list[int] = org.manager.tolist()
        self.available: list[bool] = org.available.tolist()
        self.capacity: list[int] = org.capacity.tolist()
        self.load: list[int] = org.load.tolist()
        self.level: list[list[int]] = org.level.tolist()
        self.confirmed: list[list[bool]] = org.confirmed.tolist()
        self.opted_out: list[list[bool]] = org.opted_out.tolist()
        self.past: set[tuple[int, int]] = {divmod(key, self.n) for key in org.past_pairs.tolist()}
        self.excluded: set[int] = set(org.excluded.tolist())


def is_eligible(o: _Org, m: int, e: int, j: int, t: int, threshold: int) -> bool:
    """Every eligibility rule, one per line."""
    return (
        m != e
        and o.manager[e] != m  # not the mentee's manager
        and o.manager[m] != e  # not the mentee's direct report
        and o.available[m]
        and not o.opted_out[m][j]
        and o.level[m][j] >= max(threshold, t)
        and o.load[m] < o.capacity[m]
        and (e * o.c + j) * o.n + m not in o.excluded
    )


def factors(
    o: _Org, m: int, e: int, j: int, t: int, p: float, top: float, w: Weights, span: int
) -> list[float]:
    f_priority = p / top if top > 0 else 0.0
    f_margin = (o.level[m][j] - t) / span
    f_confirmed = 1.0 if o.confirmed[m][j] else 0.0
    dm, de = o.department[m], o.department[e]
    f_other = 1.0 if dm >= 0 and de >= 0 and dm != de else 0.0
    f_low = 1.0 - o.load[m] / o.capacity[m]
    f_new = 0.0 if (m, e) in o.past or (e, m) in o.past else 1.0
    return [
        w.priority * f_priority,
        w.margin * f_margin,
        w.confirmed * f_confirmed,
        w.other_department * f_other,
        w.low_load * f_low,
        w.new_connection * f_new,
    ]


def score(f: list[float]) -> float:
    return f[0] + ((f[1] + (f[2] + f[4])) + (f[3] + f[5]))


def ranking_key(
    o: _Org, m: int, j: int, f: list[float], w: Weights, scale: tuple[int, int]
) -> float:
    """The score less the terms every candidate of the gap shares (priority, the target's share
    of the margin), so that equal scores compare equal."""
    margin_rank = w.margin * ((o.level[m][j] - scale[0]) / (scale[1] - scale[0]))
    return (margin_rank + (f[2] + f[4])) + (f[3] + f[5])


def reference_suggest(
    org: OrgArrays,
    gaps: Gaps,
    *,
    threshold: int,
    k: int = 5,
    weights: Weights | None = None,
    spread: float = 3.0,
    scale: tuple[int, int] = (0, 5),
) -> ReferenceResult:
    w = weights or Weights()
    o = _Org(org)
    mentee: list[int] = gaps.mentee.tolist()
    competency: list[int] = gaps.competency.tolist()
    target: list[int] = gaps.target.tolist()
    priority: list[float] = gaps.priority.tolist()
    g = len(mentee)
    top = max(priority) if priority else 0.0
    cap = [
        math.inf if math.isinf(spread) else math.ceil(spread * (o.capacity[m] - o.load[m]))
        for m in range(o.n)
    ]
    appearances = [0] * o.n
    lists: list[list[ReferenceRow]] = [[] for _ in range(g)]
    for gi in sorted(range(g), key=lambda i: (-priority[i], i)):
        e, j, t = mentee[gi], competency[gi], target[gi]
        candidates = []
        for m in range(o.n):
            if is_eligible(o, m, e, j, t, threshold) and appearances[m] < cap[m]:
                f = factors(o, m, e, j, t, priority[gi], top, w, scale[1] - scale[0])
                candidates.append((-ranking_key(o, m, j, f, w, scale), m, f))
        candidates.sort(key=lambda row: (row[0], row[1]))
        for _, m, f in candidates[:k]:
            appearances[m] += 1
            lists[gi].append(ReferenceRow(mentor=m, score=score(f), factors=f))

    suggested = {row.mentor for rows in lists for row in rows}
    eligible = {
        m
        for m in range(o.n)
        if any(
            is_eligible(o, m, mentee[gi], competency[gi], target[gi], threshold) for gi in range(g)
        )
    }
    return ReferenceResult(
        lists=lists,
        distinct_mentors=len(suggested),
        eligible_mentors_with_free_slots=len(eligible),
        free_slots=sum(o.capacity[m] - o.load[m] for m in eligible),
        suggested_slots=sum(o.capacity[m] - o.load[m] for m in suggested),
    )


# Random small organisations for the property tests ------------------------------------------


@dataclass
class Case:
    org: OrgArrays
    gaps: Gaps
    threshold: int
    k: int
    spread: float
    weights: Weights

    def suggest_kwargs(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "k": self.k,
            "spread": self.spread,
            "weights": self.weights,
        }


@st.composite
def cases(draw: st.DrawFn, max_people: int = 9, max_competencies: int = 3) -> Case:
    """A small organisation with every rule in play: managers, departments, opt-outs, full
    mentors, past pairs, dismissals, ties (repeated levels and weights of 0)."""
    n = draw(st.integers(1, max_people))
    c = draw(st.integers(1, max_competencies))

    def each(strategy: st.SearchStrategy[Any], size: int) -> list[Any]:
        return draw(st.lists(strategy, min_size=size, max_size=size))

    manager = [draw(st.sampled_from([-1, *[j for j in range(n) if j != i]])) for i in range(n)]
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    past = draw(st.lists(pairs, max_size=4)) if n > 1 else []
    triples = st.tuples(st.integers(0, n - 1), st.integers(0, c - 1), st.integers(0, n - 1))
    dismissed = draw(st.lists(triples, max_size=4))
    org = OrgArrays(
        person_ids=np.cumsum(each(st.integers(1, 3), n)),
        department=np.array(each(st.integers(-1, 2), n), dtype=np.int64),
        manager=np.array(manager, dtype=np.int64),
        available=np.array(each(st.sampled_from([True, True, True, False]), n), dtype=bool),
        capacity=np.array(each(st.integers(0, 3), n), dtype=np.int16),
        load=np.array(each(st.integers(0, 2), n), dtype=np.int16),
        level=np.array(each(st.sampled_from([-1, 0, 2, 3, 4, 4, 5, 5]), n * c)).reshape(n, c),
        confirmed=np.array(each(st.booleans(), n * c)).reshape(n, c),
        opted_out=np.array(each(st.sampled_from([False, False, False, True]), n * c)).reshape(n, c),
        past_pairs=np.unique(np.array([a * n + b for a, b in past], dtype=np.int64)),
        excluded=np.unique(
            np.array([(e * c + j) * n + m for e, j, m in dismissed], dtype=np.int64)
        ),
    )
    cells = [(e, j) for e in range(n) for j in range(c)]
    chosen = [cell for cell, keep in zip(cells, each(st.booleans(), n * c), strict=True) if keep]
    gaps = Gaps(
        mentee=np.array([e for e, _ in chosen], dtype=np.int64),
        competency=np.array([j for _, j in chosen], dtype=np.int64),
        target=np.array(each(st.integers(0, 5), len(chosen)), dtype=np.int64),
        priority=np.array(
            each(st.sampled_from([0.0, 1.0, 2.0, 2.5, 3.0, 10.0]), len(chosen)), dtype=np.float64
        ),
    )
    weight = st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.0, 1 / 3])
    return Case(
        org=org,
        gaps=gaps,
        threshold=draw(st.integers(0, 5)),
        k=draw(st.integers(1, 4)),
        spread=draw(st.sampled_from([0.4, 1.0, 1.5, 3.0, math.inf])),
        weights=Weights(*each(weight, 6)),
    )
