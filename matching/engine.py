"""The matching engine: for every skill gap, the colleagues best placed to mentor it.

A pure function over arrays for one organisation: no Django, no database, no settings. The task
layer loads `OrgArrays` and `Gaps`, calls `suggest`, then `matching.plan.plan`, and writes the
results; everything here is deterministic, so the same input always gives the same lists.

People are indexed 0..n-1 in ascending person id and competencies 0..c-1. For a gap (mentee e,
competency j, target level t) a mentor m is *eligible* when all of these hold:

- m is not e, not e's manager, and not one of e's direct reports;
- m is available as a mentor and has not opted out of mentoring j;
- m's effective level in j is at least max(threshold, t);
- m has a free slot (load < capacity);
- (e, j, m) was not dismissed (`OrgArrays.excluded`).

Each eligible mentor gets a score: the sum of six weighted factors, each normalised to [0, 1]
(`FACTORS`, in the order of `Weights`): the gap's priority over the highest priority; the mentor's
margin above the target over the scale span; manager-confirmed strength; a different department
(both known); low load (1 - load / capacity); and a new connection (the two have never been
paired, in either role).

**Spread, not stars.** Scored naively, every list names the same few experts. So a mentor appears
in at most ``ceil(spread * free slots)`` lists: lists are filled in order of gap priority (highest
first, then gap index), each with the best eligible mentors still under that cap. Lists of later,
lower-priority gaps may therefore be shorter or empty once the pool of advertised slots runs out.

Within a list, mentors are ranked by score, highest first, ties broken by the lower person id.
Two terms are the same for every candidate of a gap (the priority, and the target's share of the
margin), so candidates are compared on the ranking key
``(margin_rank + (confirmed + low_load)) + (other_department + new_connection)`` with
``margin_rank = margin weight × (level - lowest level) / span``: equal scores then compare equal,
exactly, in floating point. The reported score is
``priority + ((margin + (confirmed + low_load)) + (other_department + new_connection))``. Both
are summed in that fixed order, which is what lets the plain reference implementation in the
tests reproduce the lists bit for bit.

How it is fast. Candidates are grouped by (competency, required level) and, within a group, into
blocks of equal mentor-only key, sorted once (mentors without a department form a second stream,
as they can never earn the other-department term). Filling the lists is inherently sequential:
each list changes who is still under their cap. So each gap walks its group's blocks from the
best end, skips capped mentors (deleting them as it passes, so each is skipped once per group),
checks the pair rules, and stops as soon as no unvisited candidate can beat the k-th best found:
the pair terms are bounded, so a block's key plus the largest pair value bounds all that follow,
and on an exact tie only a lower person id can still win. The walk is a short prefix, O(k)
amortised per gap. Gaps whose group has no candidate left are dropped in bulk, vectorised.
"""

from __future__ import annotations

import itertools
import math
import time
from bisect import insort
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FACTORS: tuple[str, ...] = (
    "priority",
    "margin",
    "confirmed",
    "other_department",
    "low_load",
    "new_connection",
)

# Gaps are filled in chunks; between chunks the gaps whose candidate group is used up are dropped
# with one vectorised filter instead of being visited one by one.
_CHUNK = 4096


@dataclass(frozen=True)
class Weights:
    """Per-organisation weight of each score factor (all ≥ 0), in the order of `FACTORS`."""

    priority: float = 1.0
    margin: float = 1.0
    confirmed: float = 1.0
    other_department: float = 1.0
    low_load: float = 1.0
    new_connection: float = 1.0

    def __post_init__(self) -> None:
        for name in FACTORS:
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not (math.isfinite(number) and number >= 0):
                raise ValueError(f"weight {name!r} must be a finite number ≥ 0, got {value!r}")
            object.__setattr__(self, name, number)

    def as_array(self) -> FloatArray:
        return np.array([getattr(self, name) for name in FACTORS], dtype=np.float64)


def _coerce(obj: object, name: str, dtype: type[np.generic], ndim: int) -> None:
    value = np.ascontiguousarray(getattr(obj, name), dtype=dtype)
    if value.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {value.shape}")
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, eq=False)
class OrgArrays:
    """One organisation's people and strengths; rows are people in ascending person id.

    Arrays are converted to the documented dtypes on construction and checked for consistency.
    """

    person_ids: IntArray  # (n,) int64, strictly ascending; ties are broken by it
    department: IntArray  # (n,) int64 department id, -1 = none
    manager: IntArray  # (n,) int64 index of the person's manager, -1 = none
    available: BoolArray  # (n,) bool: opted in as a mentor (and active)
    capacity: npt.NDArray[np.int16]  # (n,) mentoring slots
    load: npt.NDArray[np.int16]  # (n,) active + proposed pairings as mentor
    level: npt.NDArray[np.int8]  # (n, c) effective level, -1 = unknown
    confirmed: BoolArray  # (n, c) level confirmed by the manager
    opted_out: BoolArray  # (n, c) does not want to mentor this competency
    past_pairs: IntArray  # keys mentor * n + mentee of pairs that worked together before
    excluded: IntArray  # keys (mentee * c + competency) * n + mentor of dismissed suggestions

    def __post_init__(self) -> None:
        for name in ("person_ids", "department", "manager"):
            _coerce(self, name, np.int64, 1)
        _coerce(self, "available", np.bool_, 1)
        _coerce(self, "capacity", np.int16, 1)
        _coerce(self, "load", np.int16, 1)
        _coerce(self, "level", np.int8, 2)
        _coerce(self, "confirmed", np.bool_, 2)
        _coerce(self, "opted_out", np.bool_, 2)
        _coerce(self, "past_pairs", np.int64, 1)
        _coerce(self, "excluded", np.int64, 1)
        n, c = self.level.shape
        for name in ("person_ids", "department", "manager", "available", "capacity", "load"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},) like level's rows")
        for name in ("confirmed", "opted_out"):
            if getattr(self, name).shape != (n, c):
                raise ValueError(f"{name} must have shape {(n, c)} like level")
        if n and np.any(np.diff(self.person_ids) <= 0):
            raise ValueError("person_ids must be strictly ascending")
        if np.any(self.department < -1):
            raise ValueError("department must be an id ≥ 0 or -1 for none")
        if np.any((self.manager < -1) | (self.manager >= n)):
            raise ValueError("manager must be a person index or -1 for none")
        if np.any(self.manager == np.arange(n)):
            raise ValueError("nobody can be their own manager")
        if np.any(self.capacity < 0) or np.any(self.load < 0):
            raise ValueError("capacity and load must be ≥ 0")
        if np.any(self.level < -1):
            raise ValueError("level must be ≥ 0, or -1 for unknown")
        if np.any((self.past_pairs < 0) | (self.past_pairs >= n * n)):
            raise ValueError("past_pairs keys must be mentor * n + mentee")
        if np.any((self.excluded < 0) | (self.excluded >= n * c * n)):
            raise ValueError("excluded keys must be (mentee * c + competency) * n + mentor")

    @property
    def n_people(self) -> int:
        return int(self.level.shape[0])

    @property
    def n_competencies(self) -> int:
        return int(self.level.shape[1])

    @property
    def free_slots(self) -> IntArray:
        """(n,) capacity - load, never below 0."""
        free: IntArray = np.maximum(self.capacity.astype(np.int64) - self.load, 0)
        return free


@dataclass(frozen=True, eq=False)
class Gaps:
    """Who needs what: gap i is (mentee[i], competency[i]) to reach target[i], with a priority.

    At most one gap per (mentee, competency); priorities are finite and ≥ 0.
    """

    mentee: IntArray  # (g,) person index
    competency: IntArray  # (g,) competency index
    target: IntArray  # (g,) required level, ≥ 0
    priority: FloatArray  # (g,) e.g. gap size × importance

    def __post_init__(self) -> None:
        for name in ("mentee", "competency", "target"):
            _coerce(self, name, np.int64, 1)
        _coerce(self, "priority", np.float64, 1)
        g = self.mentee.shape[0]
        for name in ("competency", "target", "priority"):
            if getattr(self, name).shape != (g,):
                raise ValueError(f"{name} must have shape ({g},) like mentee")
        if np.any(self.target < 0):
            raise ValueError("target levels must be ≥ 0")
        if not np.all(np.isfinite(self.priority)) or np.any(self.priority < 0):
            raise ValueError("priorities must be finite and ≥ 0")

    def __len__(self) -> int:
        return int(self.mentee.shape[0])


@dataclass(frozen=True, eq=False)
class Suggestions:
    """Per gap, up to k mentors, best first, as flat arrays sorted by (gap, rank).

    Gap i's list is rows ``offsets[i]:offsets[i + 1]`` (see `for_gap`).
    """

    gap: IntArray  # (s,) index into the gaps
    mentor: IntArray  # (s,) person index
    rank: IntArray  # (s,) 0 = best
    score: FloatArray  # (s,) sum of the factor contributions
    factors: FloatArray  # (s, 6) weight × normalised factor, in FACTORS order
    offsets: IntArray  # (g + 1,)
    distinct_mentors: int  # people named in at least one list
    eligible_mentors_with_free_slots: int  # people eligible for at least one gap
    free_slots: int  # free slots of those eligible mentors
    suggested_slots: int  # free slots of the distinct mentors suggested
    seconds: float = field(default=0.0)

    def __len__(self) -> int:
        return int(self.gap.shape[0])

    def for_gap(self, i: int) -> slice:
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))


def suggest(
    org: OrgArrays,
    gaps: Gaps,
    *,
    threshold: int,
    k: int = 5,
    weights: Weights | None = None,
    spread: float = 3.0,
    scale: tuple[int, int] = (0, 5),
) -> Suggestions:
    """Up to `k` ranked mentors per gap (see the module documentation for the rules).

    threshold: the organisation's mentor threshold level (≥ 0).
    spread: a mentor is named in at most ceil(spread × free slots) lists; ``math.inf`` turns the
        cap off (plain top-k).
    scale: (lowest, highest) level of the organisation's proficiency scale; known levels and
        targets must lie on it. The margin factor is (level - target) / (highest - lowest).
    """
    started = time.perf_counter()
    w = weights if weights is not None else Weights()
    _check_call(org, gaps, threshold=threshold, k=k, spread=spread, scale=scale)
    n = org.n_people
    g = len(gaps)

    free = org.free_slots
    mentor_ok = org.available & (free > 0)
    if math.isinf(spread):
        appear_cap = np.full(n, g + 1, dtype=np.int64)
    else:
        appear_cap = np.ceil(spread * free).astype(np.int64)
    c_low = np.zeros(n, dtype=np.float64)
    load_ratio = org.load[mentor_ok].astype(np.float64) / org.capacity[mentor_ok].astype(np.float64)
    c_low[mentor_ok] = w.low_load * (1.0 - load_ratio)

    required = np.maximum(gaps.target, threshold)
    group_of, group_keys = _group_gaps(gaps.competency, required)
    lists = _candidate_lists(org, w, group_keys, mentor_ok, c_low, scale)
    past = _past_partners(org.past_pairs, n)
    excluded = _exclusions(org.excluded, n)

    chosen_gap, chosen_mentor = _fill_lists(
        org,
        gaps,
        w,
        k=k,
        group_of=group_of,
        lists=lists,
        appear_cap=appear_cap,
        past=past,
        excluded=excluded,
    )
    score, factors = _score_rows(org, gaps, w, chosen_gap, chosen_mentor, c_low, scale)
    offsets = np.zeros(g + 1, dtype=np.int64)
    np.cumsum(np.bincount(chosen_gap, minlength=g), out=offsets[1:])
    rank = np.arange(chosen_gap.shape[0], dtype=np.int64) - offsets[chosen_gap]

    suggested = np.flatnonzero(np.bincount(chosen_mentor, minlength=n))
    eligible = _eligible_mentors(org, gaps, required, mentor_ok, suggested, excluded)
    return Suggestions(
        gap=chosen_gap,
        mentor=chosen_mentor,
        rank=rank,
        score=score,
        factors=factors,
        offsets=offsets,
        distinct_mentors=int(suggested.shape[0]),
        eligible_mentors_with_free_slots=int(eligible.sum()),
        free_slots=int(free[eligible].sum()),
        suggested_slots=int(free[suggested].sum()),
        seconds=time.perf_counter() - started,
    )


def _check_call(
    org: OrgArrays, gaps: Gaps, *, threshold: int, k: int, spread: float, scale: tuple[int, int]
) -> None:
    if threshold < 0:
        raise ValueError("threshold must be ≥ 0")
    if k < 1:
        raise ValueError("k must be ≥ 1")
    if not spread > 0:
        raise ValueError("spread must be > 0 (math.inf for no cap)")
    bottom, top = scale
    if not 0 <= bottom < top:
        raise ValueError("scale must be (lowest, highest) levels with 0 ≤ lowest < highest")
    known = org.level[org.level >= 0]
    if known.size and (known.min() < bottom or known.max() > top):
        raise ValueError(f"levels must lie on the scale {bottom}..{top} (or be -1 for unknown)")
    if np.any((gaps.target < bottom) | (gaps.target > top)):
        raise ValueError(f"gap targets must lie on the scale {bottom}..{top}")
    n, c = org.n_people, org.n_competencies
    if np.any((gaps.mentee < 0) | (gaps.mentee >= n)):
        raise ValueError("gap mentee must be a person index")
    if np.any((gaps.competency < 0) | (gaps.competency >= c)):
        raise ValueError("gap competency must be a competency index")
    if len(gaps) and np.bincount(gaps.mentee * c + gaps.competency).max() > 1:
        raise ValueError("at most one gap per (mentee, competency)")


def _group_gaps(competency: IntArray, required: IntArray) -> tuple[IntArray, IntArray]:
    """Group gaps by (competency, required level): the candidates of a group are the same."""
    span = int(required.max()) + 1 if required.shape[0] else 1
    key = competency * span + required
    present = np.bincount(key)
    keys = np.flatnonzero(present)
    number = np.cumsum(present > 0) - 1
    group_of: IntArray = number[key]
    pairs = np.stack([keys // span, keys % span], axis=1)
    return group_of, pairs.astype(np.int64)


@dataclass
class _Stream:
    """Candidates of one group whose department is known (or not), in blocks of equal base.

    The base is the mentor-only part of the ranking key. Blocks are in ascending base and each
    block's mentors in descending index, so the best candidate is always last: walking from the
    end visits candidates best first, and dropping the capped ones it passes is cheap.
    """

    known: bool
    base: list[float]
    mentors: list[list[int]]


def _candidate_lists(
    org: OrgArrays,
    w: Weights,
    group_keys: IntArray,
    mentor_ok: BoolArray,
    c_low: FloatArray,
    scale: tuple[int, int],
) -> list[list[_Stream]]:
    """Per (competency, required level), the qualified mentors as one or two streams.

    The base is ``margin_rank + (confirmed + low_load)``, ``margin_rank`` being the weighted level
    over the scale span before the target is subtracted: a candidate's score differs from it only
    by terms every candidate of the gap shares (priority, the target's share of the margin) and by
    the pair terms added during the walk. Mentors without a department can never earn the
    other-department term, so they form their own stream with a lower bound; kept in the same
    blocks, they would pile up at the front of every block, never chosen but always visited.
    """
    groups: list[list[_Stream]] = []
    ok_by_competency: dict[int, BoolArray] = {}
    dept_known = org.department >= 0
    for j, r in group_keys.tolist():
        ok = ok_by_competency.get(j)
        if ok is None:
            ok = mentor_ok & ~org.opted_out[:, j]
            ok_by_competency[j] = ok
        column = org.level[:, j]
        qualified = ok & (column >= r)
        streams = []
        for known in (True, False):
            idx = np.flatnonzero(qualified & (dept_known == known))
            if not idx.shape[0]:
                continue
            base = _margin_rank(w, column[idx], scale) + (
                w.confirmed * org.confirmed[idx, j].astype(np.float64) + c_low[idx]
            )
            order = np.lexsort((-idx, base))
            base = base[order]
            cuts = [0, *(np.flatnonzero(np.diff(base) != 0) + 1).tolist(), int(base.shape[0])]
            mentors = idx[order].tolist()
            streams.append(
                _Stream(
                    known=known,
                    base=base[cuts[:-1]].tolist(),
                    mentors=[mentors[x:y] for x, y in itertools.pairwise(cuts)],
                )
            )
        groups.append(streams)
    return groups


def _margin_rank(
    w: Weights, level: npt.NDArray[np.integer[Any]], scale: tuple[int, int]
) -> FloatArray:
    """The margin's contribution before the target is subtracted: weight × (level - bottom) / span."""
    bottom, top = scale
    ranked: FloatArray = w.margin * ((level.astype(np.float64) - bottom) / (top - bottom))
    return ranked


def _past_partners(keys: IntArray, n: int) -> dict[int, set[int]]:
    """Person -> people they were paired with before, in either role."""
    partners: dict[int, set[int]] = {}
    for a, b in zip((keys // n).tolist(), (keys % n).tolist(), strict=True):
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    return partners


def _exclusions(keys: IntArray, n: int) -> dict[int, set[int]]:
    """(mentee * c + competency) -> mentors dismissed for that gap."""
    excluded: dict[int, set[int]] = {}
    for gap_key, mentor in zip((keys // n).tolist(), (keys % n).tolist(), strict=True):
        excluded.setdefault(gap_key, set()).add(mentor)
    return excluded


def _fill_lists(
    org: OrgArrays,
    gaps: Gaps,
    w: Weights,
    *,
    k: int,
    group_of: IntArray,
    lists: list[list[_Stream]],
    appear_cap: IntArray,
    past: dict[int, set[int]],
    excluded: dict[int, set[int]],
) -> tuple[IntArray, IntArray]:
    """The sequential pass: gaps by priority, each taking its best mentors still under their cap.

    A candidate's ranking key is its block's base plus its pair value, and no pair value exceeds
    the largest one possible for that mentee and stream, so ``base + largest`` bounds every
    candidate of a block and of the stream's later blocks (rounding is monotone). The walk takes
    blocks in order of that bound across the streams and stops at the first bound below the k-th
    best key; when the bound *equals* it, only a lower index than the k-th best's can still win
    the tie, and a block lists its mentors by ascending index.

    Returns (gap, mentor) rows sorted by gap, each gap's rows best first.
    """
    n, c = org.n_people, org.n_competencies
    g = len(gaps)
    manager = org.manager.tolist()
    department = org.department.tolist()
    cap_left = appear_cap.tolist()
    capped = [False] * n
    # Pair part of the key, indexed [other department][new connection]: the same products and
    # sum as the vectorised scoring and the reference, so keys compare exactly.
    od, nc = w.other_department, w.new_connection
    pair_value = [[od * 0.0 + nc * 0.0, od * 0.0 + nc * 1.0], [od * 1.0 + nc * 0.0, od + nc]]
    largest = [[pair_value[0][1], pair_value[0][1]], [pair_value[0][1], pair_value[1][1]]]

    alive = np.array([bool(streams) for streams in lists], dtype=np.bool_)
    order = np.lexsort((np.arange(g), -gaps.priority))
    out_gap: list[int] = []
    out_mentor: list[int] = []
    for start in range(0, g, _CHUNK):
        chunk = order[start : start + _CHUNK]
        chunk = chunk[alive[group_of[chunk]]]
        rows = zip(
            chunk.tolist(),
            group_of[chunk].tolist(),
            gaps.mentee[chunk].tolist(),
            gaps.competency[chunk].tolist(),
            strict=True,
        )
        for gi, gr, e, j in rows:
            streams = lists[gr]
            if not streams:
                continue
            boss = manager[e]
            dept = department[e]
            known = dept >= 0
            reach = largest[known]
            no_go = excluded.get(e * c + j)
            partners = past.get(e)
            found: list[tuple[float, int]] = []  # (-key, mentor), best first once full
            worst_key = -math.inf  # the k-th best key, once k are found
            worst_m = -1
            # Walk positions; a gap has one or two streams (mentors with / without a department).
            first = streams[0]
            second = streams[1] if len(streams) > 1 else None
            at = [len(first.base) - 1, len(second.base) - 1 if second is not None else -1]
            reach_first = reach[first.known]
            reach_second = reach[second.known] if second is not None else 0.0
            emptied = False
            while True:
                # The block with the highest bound across the streams.
                b = at[0]
                bound = first.base[b] + reach_first if b >= 0 else -math.inf
                s = 0
                if second is not None:
                    b = at[1]
                    if b >= 0:
                        sb = second.base[b] + reach_second
                        if sb > bound:
                            bound, s = sb, 1
                if bound < worst_key or bound == -math.inf:
                    break
                stream = streams[s]
                b = at[s]
                at[s] = b - 1
                base = stream.base[b]
                both_known = known and stream.known
                tie = bound == worst_key
                block = stream.mentors[b]
                i = len(block) - 1
                dead = 0
                done = False
                while i >= 0:
                    m = block[i]
                    if tie and m > worst_m:
                        break
                    i -= 1
                    if capped[m]:
                        dead += 1
                        continue
                    if m in (e, boss) or manager[m] == e or (no_go and m in no_go):
                        continue
                    key = (
                        base
                        + pair_value[both_known and department[m] != dept][
                            partners is None or m not in partners
                        ]
                    )
                    item = (-key, m)
                    if len(found) < k:
                        found.append(item)
                        if len(found) < k:
                            continue
                        found.sort()
                    elif item < found[-1]:
                        insort(found, item)
                        found.pop()
                    else:
                        continue
                    worst_key, worst_m = -found[-1][0], found[-1][1]
                    if bound < worst_key:
                        done = True
                        break
                    tie = bound == worst_key
                if dead:
                    block[i + 1 :] = [m for m in block[i + 1 :] if not capped[m]]
                    if not block:
                        # Blocks above b were visited already; at[s] = b - 1 stays valid.
                        del stream.mentors[b], stream.base[b]
                        emptied = emptied or not stream.base
                if done:
                    break
            if emptied:
                streams[:] = [stream for stream in streams if stream.base]
                if not streams:
                    alive[gr] = False
            if not found:
                continue
            if len(found) < k:
                found.sort()
            out_gap.extend([gi] * len(found))
            for _, m in found:
                out_mentor.append(m)
                cap_left[m] -= 1
                if cap_left[m] <= 0:
                    capped[m] = True

    gap_arr = np.array(out_gap, dtype=np.int64)
    mentor_arr = np.array(out_mentor, dtype=np.int64)
    by_gap = np.argsort(gap_arr, kind="stable")
    return gap_arr[by_gap], mentor_arr[by_gap]


def _score_rows(
    org: OrgArrays,
    gaps: Gaps,
    w: Weights,
    gap: IntArray,
    mentor: IntArray,
    c_low: FloatArray,
    scale: tuple[int, int],
) -> tuple[FloatArray, FloatArray]:
    """Scores and weighted factor contributions of the chosen rows (see the module doc)."""
    n = org.n_people
    top = float(gaps.priority.max()) if len(gaps) else 0.0
    j = gaps.competency[gap]
    mentee = gaps.mentee[gap]
    f_priority = gaps.priority[gap] / top if top > 0 else np.zeros(gap.shape[0])
    f_margin = (org.level[mentor, j].astype(np.float64) - gaps.target[gap]) / (scale[1] - scale[0])
    f_confirmed = org.confirmed[mentor, j].astype(np.float64)
    d_mentor, d_mentee = org.department[mentor], org.department[mentee]
    f_other = ((d_mentor >= 0) & (d_mentee >= 0) & (d_mentor != d_mentee)).astype(np.float64)
    paired = _contains(org.past_pairs, mentor * n + mentee) | _contains(
        org.past_pairs, mentee * n + mentor
    )
    f_new = (~paired).astype(np.float64)
    factors = np.stack(
        [
            w.priority * f_priority,
            w.margin * f_margin,
            w.confirmed * f_confirmed,
            w.other_department * f_other,
            c_low[mentor],
            w.new_connection * f_new,
        ],
        axis=1,
    )
    key = (factors[:, 1] + (factors[:, 2] + factors[:, 4])) + (factors[:, 3] + factors[:, 5])
    score: FloatArray = factors[:, 0] + key
    return score, factors


def _eligible_mentors(
    org: OrgArrays,
    gaps: Gaps,
    required: IntArray,
    mentor_ok: BoolArray,
    suggested: IntArray,
    excluded: dict[int, set[int]],
) -> BoolArray:
    """(n,) mentors eligible for at least one gap, ignoring the spread cap.

    Per (mentor, competency) it counts the gaps the mentor's level reaches; only when that count
    could be used up by the mentor's own blocked mentees (self, manager, reports, dismissals) are
    those mentees checked one by one.
    """
    n, c = org.n_people, org.n_competencies
    eligible = np.zeros(n, dtype=np.bool_)
    eligible[suggested] = True
    reports = np.bincount(org.manager[org.manager >= 0], minlength=n)
    # How many dismissals each (mentor, competency) has, as sorted keys mentor * c + competency.
    dismissed_keys, dismissed_count = np.unique(
        (org.excluded % n) * c + (org.excluded // n) % c, return_counts=True
    )
    for j in range(c):
        in_j = np.flatnonzero(gaps.competency == j)
        if not in_j.shape[0]:
            continue
        by_level = in_j[np.argsort(required[in_j], kind="stable")]
        reach = required[by_level]
        level = org.level[:, j].astype(np.int64)
        todo = np.flatnonzero(mentor_ok & ~eligible & ~org.opted_out[:, j] & (level >= reach[0]))
        if not todo.shape[0]:
            continue
        count = np.searchsorted(reach, level[todo], side="right")
        dismissals = _lookup_counts(dismissed_keys, dismissed_count, todo * c + j)
        sure = count > 2 + reports[todo] + dismissals
        eligible[todo[sure]] = True
        for m, reachable in zip(todo[~sure].tolist(), count[~sure].tolist(), strict=True):
            if eligible[m]:
                continue
            for e in gaps.mentee[by_level[:reachable]].tolist():
                if e == m or e == org.manager[m] or org.manager[e] == m:
                    continue
                if m in excluded.get(e * c + j, ()):
                    continue
                eligible[m] = True
                break
    return eligible


def _contains(keys: IntArray, wanted: IntArray) -> BoolArray:
    """(len(wanted),) whether each wanted key is among `keys` (any order)."""
    if not keys.shape[0]:
        return np.zeros(wanted.shape[0], dtype=np.bool_)
    ordered = np.sort(keys)
    at = np.minimum(np.searchsorted(ordered, wanted), ordered.shape[0] - 1)
    found: BoolArray = ordered[at] == wanted
    return found


def _lookup_counts(keys: IntArray, counts: IntArray, wanted: IntArray) -> IntArray:
    """counts[i] where keys[i] == wanted, else 0; keys sorted and unique."""
    if not keys.shape[0]:
        return np.zeros(wanted.shape[0], dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), keys.shape[0] - 1)
    found: IntArray = np.where(keys[at] == wanted, counts[at], 0)
    return found
