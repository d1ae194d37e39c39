"""Benchmark of the matching engine and the global plan on synthetic organisations.

Run with ``python -m tests.bench_engine [sizes...]`` (default 1000 10000 100000). Each size is
measured in a fresh process so that peak memory is that size's own. The organisations have 40
competencies; about 20% of (person, competency) pairs are gaps and 15% strengths at level 4 or 5;
most people have 2 mentoring slots, some already in use.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from matching.engine import Gaps, OrgArrays, suggest
from matching.plan import plan

THRESHOLD = 4
COMPETENCIES = 40


def synthetic(n: int, c: int = COMPETENCIES, seed: int = 0) -> tuple[OrgArrays, Gaps]:
    """A deterministic synthetic organisation of `n` people and its gaps."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, c))
    is_gap = u < 0.20
    is_strength = (u >= 0.20) & (u < 0.35)
    level = rng.integers(0, 4, size=(n, c))
    level[is_gap] = rng.integers(0, 3, size=int(is_gap.sum()))
    level[is_strength] = np.where(rng.random(int(is_strength.sum())) < 0.7, 4, 5)
    level[~is_gap & ~is_strength & (rng.random((n, c)) < 0.05)] = -1
    target = np.minimum(level + rng.integers(1, 3, size=(n, c)), 5)

    departments = max(4, n // 200)
    department = rng.integers(0, departments, size=n)
    department[rng.random(n) < 0.03] = -1
    manager = np.arange(n) - rng.integers(1, 9, size=n)
    manager[(manager < 0) | (rng.random(n) < 0.02)] = -1
    capacity = rng.choice([1, 2, 3], size=n, p=[0.10, 0.85, 0.05])
    load = np.minimum(rng.choice([0, 1, 2], size=n, p=[0.75, 0.20, 0.05]), capacity)

    mentee, competency = np.nonzero(is_gap)
    importance = rng.integers(1, 6, size=mentee.shape[0])
    gap_level = np.maximum(level[mentee, competency], 0)
    gaps = Gaps(
        mentee=mentee,
        competency=competency,
        target=target[mentee, competency],
        priority=((target[mentee, competency] - gap_level) * importance).astype(np.float64),
    )

    a = rng.integers(0, n, size=n // 5)
    b = rng.integers(0, n, size=n // 5)
    past_pairs = np.unique((a * n + b)[a != b])
    some = rng.random(mentee.shape[0]) < 0.01
    dismissed_mentor = rng.integers(0, n, size=int(some.sum()))
    excluded = np.unique((mentee[some] * c + competency[some]) * n + dismissed_mentor)

    org = OrgArrays(
        person_ids=np.arange(1, n + 1) * 3,
        department=department,
        manager=manager,
        available=rng.random(n) < 0.8,
        capacity=capacity,
        load=load,
        level=level.astype(np.int8),
        confirmed=rng.random((n, c)) < 0.5,
        opted_out=rng.random((n, c)) < 0.02,
        past_pairs=past_pairs,
        excluded=excluded,
    )
    return org, gaps


def measure(n: int) -> dict[str, float | int | str]:
    org, gaps = synthetic(n)
    suggest(org, gaps, threshold=THRESHOLD)  # warm-up: imports, caches
    best_engine = best_plan = float("inf")
    for _ in range(3 if n <= 10_000 else 2):
        started = time.perf_counter()
        suggestions = suggest(org, gaps, threshold=THRESHOLD)
        best_engine = min(best_engine, time.perf_counter() - started)
        started = time.perf_counter()
        result = plan(org, gaps, suggestions)
        best_plan = min(best_plan, time.perf_counter() - started)
    eligible = suggestions.eligible_mentors_with_free_slots

    tracemalloc.start()
    suggestions = suggest(org, gaps, threshold=THRESHOLD)
    engine_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    plan(org, gaps, suggestions)
    plan_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "size": n,
        "gaps": len(gaps),
        "eligible": eligible,
        "engine_s": best_engine,
        "plan_s": best_plan,
        "spread": f"{suggestions.distinct_mentors} / {eligible}",
        "slots": f"{suggestions.suggested_slots} / {suggestions.free_slots}",
        "coverage": result.coverage,
        "assigned": int((result.recommended >= 0).sum()),
        "engine_mb": engine_peak / 2**20,
        "plan_mb": plan_peak / 2**20,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


HEADER = (
    f"{'size':>7} {'gaps':>8} {'eligible':>8} {'engine s':>9} {'plan s':>7} "
    f"{'distinct / eligible':>20} {'slots suggested / free':>23} {'coverage':>8} "
    f"{'assigned':>8} {'engine MB':>9} {'plan MB':>7} {'RSS MB':>7}"
)


def row(r: dict[str, float | int | str]) -> str:
    return (
        f"{r['size']:>7} {r['gaps']:>8} {r['eligible']:>8} {r['engine_s']:>9.3f} "
        f"{r['plan_s']:>7.3f} {r['spread']:>20} {r['slots']:>23} {r['coverage']:>8.1%} "
        f"{r['assigned']:>8} {r['engine_mb']:>9.1f} {r['plan_mb']:>7.1f} {r['rss_mb']:>7.0f}"
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or [1_000, 10_000, 100_000]
    print(HEADER)
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench_engine", "--one", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(row(json.loads(out.stdout.strip().splitlines()[-1])), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
