"""Benchmark of the matching recompute (read → engine → plan → write) on synthetic organisations.

Run with ``python -m tests.bench_recompute`` (or ``make bench``). Sizes come from BENCH_SIZES
(default "1000,10000"); each size runs in a fresh process on its own throw-away test database:
PostgreSQL when DATABASE_URL points at it, else in-memory SQLite.

An organisation of N people × 40 competencies: 20 roles that each require half of the
competencies; about 20% of (person, competency) pairs are gaps against the person's role and 15%
strengths at level 4 or 5; half of the ratings confirmed by a manager; most people have 2
mentoring slots and a few already mentor someone; departments and a manager tree (8 reports per
manager, mostly in the manager's department); a few opt-outs and past pairings. Skill profiles
are generated directly (the recompute reads profiles, not the assessments behind them), through a
staging table and one INSERT … SELECT per table, so 100k people take seconds to build.

Reported per size:
- engine s, plan s: the engine and plan phases of the best full recompute;
- full recompute: end to end (claim, read, engine, plan, write, run bookkeeping) with nothing
  stored yet, best of a few runs, with its load / engine+plan / write split and rows written;
- steady state: a recompute after 1% of the skill-profile rows changed level (best of a few,
  rows written), and a recompute with nothing changed;
- one rating: a manager submits one assessment raising a report's level to their role's
  requirement (through the assessments services); then the debounced recompute task runs: the
  task's time until the suggestions are updated (median of a few);
- peak memory: the highest RSS of the process while measuring (generation excluded).
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
os.environ.setdefault("MENTORSHIP_TESTING", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

import django

django.setup()

import numpy as np  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_scopes import scope, scopes_disabled  # noqa: E402

COMPETENCIES = 40
ROLES = 20
SEED = 20240601


# --- generation -----------------------------------------------------------------------------


def _staged_insert(
    model: Any, arrays: dict[str, np.ndarray], select: dict[str, str], params: list[Any]
) -> None:
    """INSERT INTO the model's table (select's keys) SELECT select's expressions FROM a staging
    table holding `arrays` (integer columns of equal length, named by their keys). Columns left
    out get their field's default (an empty string for text), or NULL."""
    table = model._meta.db_table
    select, params = dict(select), list(params)
    for f in model._meta.concrete_fields:
        if f.column not in select and not f.primary_key and (f.has_default() or not f.null):
            select[f.column] = "%s"
            params.append(f.get_db_prep_save(f.get_default(), connection))
    names = list(arrays)
    data = np.stack([np.asarray(arrays[name], dtype=np.int64) for name in names], axis=1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_stage")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_stage ("
            + ", ".join(f"{name} bigint NOT NULL" for name in names)
            + ")"
        )
        if connection.vendor == "postgresql":
            record = np.dtype(
                [("count", ">i2")]
                + [item for i in range(len(names)) for item in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
            )
            rows = np.empty(data.shape[0], dtype=record)
            rows["count"] = len(names)
            for i in range(len(names)):
                rows[f"l{i}"] = 8
                rows[f"v{i}"] = data[:, i]
            body = b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rows.tobytes() + b"\xff\xff"
            cursor.cursor.copy_expert(
                "COPY bench_stage FROM STDIN WITH (FORMAT binary)", io.BytesIO(body)
            )
        else:
            cursor.executemany(
                f"INSERT INTO bench_stage VALUES ({', '.join(['%s'] * len(names))})",
                data.tolist(),
            )
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(select)}) "
            f"SELECT {', '.join(select.values())} FROM bench_stage",
            params,
        )
        cursor.execute("DROP TABLE bench_stage")


def _next_id(model: Any) -> int:
    with scopes_disabled():
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


@dataclass
class Synthetic:
    org: Any
    people: int
    profiles: int
    gap_pairs: int
    strength_pairs: int
    pairings: int
    generate_s: float


def generate(n: int) -> Synthetic:
    """Build the synthetic organisation of `n` people in the database."""
    from assessments.models import SkillProfile
    from competencies.models import (
        DEFAULT_SCALE,
        Competency,
        ProficiencyLevel,
        Role,
        RoleRequirement,
    )
    from matching.models import MentorOptOut, Pairing
    from mentorship.models import Department, Employee, Organization, User

    started = time.perf_counter()
    rng = np.random.default_rng(SEED + n)
    c = COMPETENCIES
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with scopes_disabled(), transaction.atomic():
        org = Organization.objects.create(name=f"Bench {n}", slug=f"bench-{n}")
        ProficiencyLevel.objects.bulk_create(
            ProficiencyLevel(organization=org, level=lv, name=name, description=desc)
            for lv, name, desc in DEFAULT_SCALE
        )
        comps = Competency.objects.bulk_create(
            Competency(organization=org, name=f"Competency {j:02d}", category="Bench")
            for j in range(c)
        )
        comp_ids = np.array([x.pk for x in comps], dtype=np.int64)
        roles = Role.objects.bulk_create(
            Role(organization=org, name=f"Role {r:02d}", code=f"R{r:02d}") for r in range(ROLES)
        )
        # required[r, j]: the level role r requires in competency j, 0 if none (half of them).
        required = np.zeros((ROLES, c), dtype=np.int64)
        for r in range(ROLES):
            chosen = rng.choice(c, size=c // 2, replace=False)
            required[r, chosen] = rng.choice([2, 3, 4], size=chosen.shape[0], p=[0.3, 0.45, 0.25])
        RoleRequirement.objects.bulk_create(
            RoleRequirement(
                organization=org,
                role=roles[r],
                competency=comps[j],
                required_level=int(required[r, j]),
                importance=int(rng.integers(1, 6)),
            )
            for r in range(ROLES)
            for j in np.flatnonzero(required[r]).tolist()
        )
        departments = Department.objects.bulk_create(
            Department(organization=org, name=f"Department {d:03d}", code=f"D{d:03d}")
            for d in range(max(4, n // 200))
        )
        dept_ids = np.array([d.pk for d in departments], dtype=np.int64)

        # People: a manager tree with 8 reports per manager. Each department is one or more
        # subtrees under the top managers (the depth where there are enough of them), and one
        # person in ten works in another department than their manager's.
        idx = np.arange(n)
        manager = (idx - 1) // 8
        manager[0] = -1
        d = dept_ids.shape[0]
        depth = np.zeros(n, dtype=np.int64)
        head = idx.copy()  # the ancestor at depth `split`
        split = 1
        while 8**split < d:
            split += 1
        for i in range(1, n):
            depth[i] = depth[manager[i]] + 1
            if depth[i] > split:
                head[i] = head[manager[i]]
        department = np.where(depth >= split, head % d, rng.integers(0, d, size=n))
        moves = rng.random(n) < 0.1
        department[moves] = rng.integers(0, d, size=int(moves.sum()))
        role = rng.integers(0, ROLES, size=n)
        available = rng.random(n) < 0.8
        capacity = rng.choice([1, 2, 3], size=n, p=[0.10, 0.85, 0.05])

        user_ids = _next_id(User) + idx
        person_ids = _next_id(Employee) + idx
        _staged_insert(
            User,
            {"uid": user_ids},
            {
                "id": "uid",
                "password": "'!'",
                "is_superuser": "%s",
                "first_name": "'Person'",
                "last_name": "'N' || uid",
                "is_staff": "%s",
                "is_active": "%s",
                "date_joined": "%s",
                "email": f"'bench{n}-' || uid || '@example.test'",
            },
            [False, False, True, stamp],
        )
        _staged_insert(
            Employee,
            {
                "pid": person_ids,
                "uid": user_ids,
                "boss": np.where(manager >= 0, person_ids[np.maximum(manager, 0)], -1),
                "dept": dept_ids[department],
                "job": np.array([x.pk for x in roles], dtype=np.int64)[role],
                "avail": available,
                "cap": capacity,
            },
            {
                "id": "pid",
                "organization_id": "%s",
                "user_id": "uid",
                "manager_id": "NULLIF(boss, -1)",
                "department_id": "dept",
                "role_id": "job",
                "job_title": "'Specialist'",
                "time_zone": "'UTC'",
                "external_id": "'E' || pid",
                "is_hr_admin": "%s",
                "is_active": "%s",
                "mentor_available": "avail = 1",
                "mentor_capacity": "cap",
                "created_at": "%s",
                "updated_at": "%s",
            },
            [org.pk, False, True, stamp, stamp],
        )

        # Levels: 20% of pairs gaps against the role, 15% strengths (4 or 5), the rest in between.
        need = required[role]  # (n, c)
        gap = (need > 0) & (rng.random((n, c)) < 0.4)
        strength = ~gap & (rng.random((n, c)) < 0.10)  # with the 4s some roles require: 15%
        level = rng.integers(0, 4, size=(n, c))
        level[gap] = (rng.random(int(gap.sum())) * need[gap]).astype(np.int64)
        level[strength] = np.where(rng.random(int(strength.sum())) < 0.7, 4, 5)
        meets = (need > 0) & ~gap & ~strength
        level[meets] = np.maximum(level[meets], need[meets])
        rated = gap | strength | (need > 0) | (rng.random((n, c)) >= 0.05)
        confirmed = rng.random((n, c)) < 0.5
        confirmed[0] = False  # nobody above the top
        pi, ci = np.nonzero(rated)
        _staged_insert(
            SkillProfile,
            {
                "pid": person_ids[pi],
                "cid": comp_ids[ci],
                "lvl": level[pi, ci],
                "conf": confirmed[pi, ci],
                "gap": gap[pi, ci],
            },
            {
                "organization_id": "%s",
                "employee_id": "pid",
                "competency_id": "cid",
                "self_level": "lvl",
                "self_assessed_at": "%s",
                "manager_level": "CASE WHEN conf = 1 THEN lvl END",
                "manager_assessed_at": "CASE WHEN conf = 1 THEN %s END",
                "effective_level": "lvl",
                "manager_confirmed": "conf = 1",
                "first_gap_seen_at": "CASE WHEN gap = 1 THEN %s END",
                "updated_at": "%s",
            },
            [org.pk, stamp, stamp, stamp, stamp],
        )

        # A few opt-outs: 2% of strengths.
        oi, oc = np.nonzero(strength & (rng.random((n, c)) < 0.02))
        _staged_insert(
            MentorOptOut,
            {"pid": person_ids[oi], "cid": comp_ids[oc]},
            {
                "organization_id": "%s",
                "employee_id": "pid",
                "competency_id": "cid",
                "created_at": "%s",
            },
            [org.pk, stamp],
        )

        # Pairings on 5% of people: two in three open (a little load), the rest completed.
        gi, gc_ = np.nonzero(gap)
        chosen = rng.choice(gi.shape[0], size=min(gi.shape[0], n // 20), replace=False)
        pair_mentee, pair_comp = gi[chosen], gc_[chosen]
        pair_mentor = np.full(chosen.shape[0], -1)
        for j in range(c):
            strong = np.flatnonzero(level[:, j] >= 4)
            here = np.flatnonzero(pair_comp == j)
            if strong.shape[0] and here.shape[0]:
                pair_mentor[here] = rng.choice(strong, size=here.shape[0])
        is_open = rng.random(chosen.shape[0]) < 2 / 3
        used = np.zeros(n, dtype=np.int64)
        keep = np.zeros(chosen.shape[0], dtype=np.bool_)
        for p in range(chosen.shape[0]):
            mentor = pair_mentor[p]
            if mentor < 0 or mentor == pair_mentee[p] or manager[pair_mentee[p]] == mentor:
                continue
            if is_open[p] and used[mentor] >= capacity[mentor]:
                continue
            used[mentor] += int(is_open[p])
            keep[p] = True
        start = (now - dt.timedelta(weeks=2)).date()
        _staged_insert(
            Pairing,
            {
                "mentee": person_ids[pair_mentee[keep]],
                "mentor": person_ids[pair_mentor[keep]],
                "cid": comp_ids[pair_comp[keep]],
                "baseline": level[pair_mentee[keep], pair_comp[keep]],
                "target": need[pair_mentee[keep], pair_comp[keep]],
                "open": is_open[keep],
            },
            {
                "organization_id": "%s",
                "mentee_id": "mentee",
                "mentor_id": "mentor",
                "competency_id": "cid",
                "task": "'Pair on a real piece of work'",
                "baseline_level": "baseline",
                "target_level": "target",
                "start_date": "%s",
                "end_date": "%s",
                "state": "CASE WHEN open = 1 THEN 'active' ELSE 'completed' END",
                "created_at": "%s",
                "updated_at": "%s",
            },
            [
                org.pk,
                connection.ops.adapt_datefield_value(start),
                connection.ops.adapt_datefield_value(start + dt.timedelta(weeks=6)),
                stamp,
                stamp,
            ],
        )
        models = [User, Employee, SkillProfile, MentorOptOut, Pairing]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    _analyze()
    return Synthetic(
        org=org,
        people=n,
        profiles=int(rated.sum()),
        gap_pairs=int(gap.sum()),
        strength_pairs=int((level >= 4).sum()),
        pairings=int(keep.sum()),
        generate_s=time.perf_counter() - started,
    )


def _analyze(*tables: str) -> None:
    """Fresh planner statistics (and no dead rows left from earlier runs) on PostgreSQL."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}" if tables else "VACUUM ANALYZE")


# --- measurements ---------------------------------------------------------------------------


def _reset_peak_rss() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recompute(org: Any, trigger: str = "manual") -> tuple[float, Any]:
    from matching.recompute import recompute_organization

    with scope(organization=org):
        started = time.perf_counter()
        run = recompute_organization(organization_id=org.pk, trigger=trigger)
        elapsed = time.perf_counter() - started
    assert run is not None and run.status == "succeeded", run and run.error
    return elapsed, run


def _clear_suggestions(org: Any) -> None:
    from matching.models import MatchSuggestion

    table = MatchSuggestion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE organization_id = %s", [org.pk])
    _analyze(table)


def _change_one_percent(org: Any, round_: int) -> int:
    """Move 1% of the organisation's skill-profile rows (every 100th id, a different residue each
    round) one level up, or down from the top."""
    from assessments.models import SkillProfile

    table = SkillProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET effective_level = CASE WHEN effective_level >= 5 THEN 4 "
            "ELSE effective_level + 1 END, "
            "manager_level = CASE WHEN manager_level IS NULL THEN NULL "
            "WHEN effective_level >= 5 THEN 4 ELSE effective_level + 1 END, "
            "self_level = CASE WHEN manager_level IS NOT NULL THEN self_level "
            "WHEN effective_level >= 5 THEN 4 ELSE effective_level + 1 END "
            "WHERE organization_id = %s AND id %% 100 = %s",
            [org.pk, (37 * round_ + 11) % 100],
        )
        changed = cursor.rowcount
    _analyze(table)
    return changed


def _submit_one_rating(org: Any, round_: int) -> tuple[int, int]:
    """A manager raises one report's level to the role's requirement in one gap competency that
    has open suggestions, through the assessments services; (mentee id, competency id)."""
    from assessments.models import SkillProfile
    from assessments.services import (
        assessment_start,
        assessment_submit,
        rating_set,
        required_competencies,
    )
    from matching.models import MatchSuggestion, RecomputeState
    from mentorship.models import Employee

    with scopes_disabled():
        candidates = (
            MatchSuggestion.objects.filter(organization=org, status="open")
            .exclude(mentee__manager=None)
            .order_by("mentee_id", "competency_id")
            .values_list("mentee_id", "competency_id")
            .distinct()
        )
        mentee_id, competency_id = candidates[round_ * 7]
        subject = Employee.objects.select_related("organization", "manager").get(pk=mentee_id)
        boss = subject.manager
        current = dict(
            SkillProfile.objects.filter(organization=org, employee=subject).values_list(
                "competency_id", "effective_level"
            )
        )
        draft = assessment_start(subject=subject, assessor=boss, kind="manager")
        for req in required_competencies(employee=subject):
            level = (
                req.required_level
                if req.competency_id == competency_id
                else current.get(req.competency_id, 0)
            )
            rating_set(assessment=draft, actor=boss, competency=req.competency, level=level)
        # A recompute is already scheduled: the submit's hook queues nothing, and the task below
        # is the one that would run when the debounce delay ends.
        RecomputeState.objects.filter(organization=org).update(
            scheduled_for=timezone.now() + dt.timedelta(hours=1)
        )
        assessment_submit(assessment=draft, actor=boss)
    return mentee_id, competency_id


def _one_rating(org: Any, round_: int) -> tuple[float, int]:
    from matching.models import MatchRun, MatchSuggestion
    from matching.tasks import recompute_organization_task

    mentee_id, competency_id = _submit_one_rating(org, round_)
    started = time.perf_counter()
    run_id = recompute_organization_task(org.pk, MatchRun.Trigger.ASSESSMENT)
    elapsed = time.perf_counter() - started
    with scopes_disabled():
        run = MatchRun.objects.get(pk=run_id)
        still_open = MatchSuggestion.objects.filter(
            organization=org, mentee_id=mentee_id, competency_id=competency_id, status="open"
        ).exists()
    assert run.status == "succeeded" and not still_open, "the rating was not reflected"
    return elapsed, run.rows_written


def _phases(run: Any) -> dict[str, float]:
    return {
        "load_s": run.load_ms / 1000,
        "engine_s": run.engine_ms / 1000,
        "plan_s": run.plan_ms / 1000,
        "write_s": run.write_ms / 1000,
    }


def measure(n: int) -> dict[str, Any]:
    synthetic = generate(n)
    org = synthetic.org
    repeats = 3 if n <= 10_000 else 2
    gc.collect()
    _reset_peak_rss()

    full: list[tuple[float, Any]] = []
    for attempt in range(repeats):
        if attempt:
            _clear_suggestions(org)
        full.append(_recompute(org))
    full_s, full_run = min(full, key=lambda item: item[0])
    _analyze()

    unchanged_s = min(_recompute(org)[0] for _ in range(repeats))

    steady: list[tuple[float, Any]] = []
    for round_ in range(repeats):
        _change_one_percent(org, round_)
        steady.append(_recompute(org))
    steady_s, steady_run = min(steady, key=lambda item: item[0])

    rating = [_one_rating(org, round_) for round_ in range(max(3, repeats))]
    rating_ms = statistics.median(ms for ms, _ in rating) * 1000

    return {
        "vendor": connection.vendor,
        "size": n,
        "profiles": synthetic.profiles,
        "gap_pairs": synthetic.gap_pairs,
        "strength_pairs": synthetic.strength_pairs,
        "pairings": synthetic.pairings,
        "generate_s": synthetic.generate_s,
        "gaps": full_run.gaps,
        "suggestions": full_run.suggestions,
        "full_s": full_s,
        "full": _phases(full_run),
        "full_rows": full_run.rows_written,
        "unchanged_s": unchanged_s,
        "steady_s": steady_s,
        "steady": _phases(steady_run),
        "steady_rows": steady_run.rows_written,
        "rating_ms": rating_ms,
        "rating_rows": max(rows for _, rows in rating),
        "rss_mb": _peak_rss_mb(),
    }


# --- table ----------------------------------------------------------------------------------

COLUMNS = [
    ("size", 7),
    ("gaps", 7),
    ("suggestions", 11),
    ("engine s", 8),
    ("plan s", 7),
    ("full s", 7),
    ("load / engine+plan / write s", 28),
    ("rows", 7),
    ("1% changed s", 12),
    ("rows", 6),
    ("no change s", 11),
    ("one rating ms", 13),
    ("peak RSS MB", 11),
]


def header() -> str:
    cells = [f"{name:>{width}}" for name, width in COLUMNS]
    rule = ["-" * (width - 1) + ":" for _, width in COLUMNS]
    return "| " + " | ".join(cells) + " |\n|" + "|".join(f"-{r}-" for r in rule) + "|"


def row(r: dict[str, Any]) -> str:
    full = r["full"]
    split = (
        f"{full['load_s']:.2f} / {full['engine_s'] + full['plan_s']:.2f} / {full['write_s']:.2f}"
    )
    values = [
        f"{r['size']:,}",
        f"{r['gaps']:,}",
        f"{r['suggestions']:,}",
        f"{full['engine_s']:.3f}",
        f"{full['plan_s']:.3f}",
        f"{r['full_s']:.2f}",
        split,
        f"{r['full_rows']:,}",
        f"{r['steady_s']:.2f}",
        f"{r['steady_rows']:,}",
        f"{r['unchanged_s']:.2f}",
        f"{r['rating_ms']:.0f}",
        f"{r['rss_mb']:.0f}",
    ]
    cells = [f"{v:>{width}}" for v, (_, width) in zip(values, COLUMNS, strict=True)]
    return "| " + " | ".join(cells) + " |"


def run_one(n: int) -> dict[str, Any]:
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return measure(n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(run_one(int(argv[1]))))
        return 0
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000").split(",") if s.strip()]
    vendor = connection.vendor
    print(f"\nRecompute benchmark on {vendor} (best of 3 runs, 2 at 100k; one rating: median)\n")
    print(header(), flush=True)
    details = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-m", "tests.bench_recompute", "--one", str(n)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        details.append(result)
        print(row(result), flush=True)
    print()
    for r in details:
        print(
            f"{r['size']:>7,} people: {r['profiles']:,} skill profiles, "
            f"{r['gap_pairs'] / (r['size'] * COMPETENCIES):.0%} gap pairs, "
            f"{r['strength_pairs'] / (r['size'] * COMPETENCIES):.0%} at level 4+, "
            f"{r['pairings']:,} pairings; built in {r['generate_s']:.1f} s. "
            f"1% changed: load {r['steady']['load_s']:.2f} s, write {r['steady']['write_s']:.2f} s; "
            f"one rating wrote {r['rating_rows']} rows."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
