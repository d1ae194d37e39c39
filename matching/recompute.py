"""Recompute: load an organisation's data, run the engine and the plan, write what changed; and
the scheduling around it (single flight per organisation, debounced requests after changes).

Celery tasks in `matching.tasks` are thin wrappers around `recompute_organization`; this module
queues them by name so that the dependency stays one-way.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, FloatField, IntegerField, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django_scopes import scope

from matching.engine import BoolArray, FloatArray, Gaps, IntArray, OrgArrays, Suggestions, suggest
from matching.loader import IndexMaps, copy_columns_in, fetch_columns, load_org_arrays
from matching.models import FACTOR_NAMES, MatchRun, MatchSuggestion, RecomputeState
from matching.plan import Plan, plan
from mentorship.models import Employee, Organization

logger = logging.getLogger(__name__)

RECOMPUTE_TASK = "matching.tasks.recompute_organization"
DEFAULT_DEBOUNCE_SECONDS = 30

# A claim older than this belongs to a worker that died: the next run may take over.
LEASE = dt.timedelta(minutes=10)
# How many times one claim runs again for requests that arrived during a run.
MAX_RERUNS = 3
# Scores and factor contributions are stored rounded, and compared with this tolerance.
FLOAT_DIGITS = 6
FLOAT_TOLERANCE = 1e-6

# --- recompute ------------------------------------------------------------------------------


def recompute_organization(*, organization_id: int, trigger: str) -> MatchRun | None:
    """Recompute an organisation's suggestions, one run at a time per organisation.

    If another run holds the organisation, this only asks it to run again when it finishes and
    returns None. Otherwise it runs (again, up to MAX_RERUNS times, while requests keep arriving
    during runs) and returns the last MatchRun. Not one transaction on purpose: the claim must be
    visible to other workers while the run is in progress; the suggestions themselves are
    written in one transaction at the end, so a run killed half-way changes nothing.
    """
    if trigger not in MatchRun.Trigger.values:
        raise ValueError(f"Unknown recompute trigger {trigger!r}")
    organization = Organization.objects.get(pk=organization_id)
    claim = _claim(organization_id)
    if claim is None:
        return None
    run: MatchRun | None = None
    for attempt in range(MAX_RERUNS + 1):
        try:
            run = _run_once(organization, trigger=trigger, claim=claim)
        except BaseException:
            _release(organization_id, claim)
            raise
        claim = _release_or_continue(organization_id, claim, may_continue=attempt < MAX_RERUNS)
        if claim is None:
            break
    return run


def recompute_state_ensure(*, organization_id: int) -> None:
    """Make sure the organisation's RecomputeState row exists (single-flight and debounce)."""
    if RecomputeState.objects.filter(organization_id=organization_id).exists():
        return
    try:
        with transaction.atomic():
            RecomputeState.objects.create(organization_id=organization_id)
    except IntegrityError:  # created at the same moment by another worker
        pass


def _claim(organization_id: int) -> dt.datetime | None:
    """Take the organisation's single-flight claim, or ask its holder to run again."""
    recompute_state_ensure(organization_id=organization_id)
    now = timezone.now()
    claimed = (
        RecomputeState.objects.filter(organization_id=organization_id)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - LEASE))
        .update(running_since=now, rerun_requested=False)
    )
    if not claimed:
        RecomputeState.objects.filter(organization_id=organization_id).update(rerun_requested=True)
        return None
    # Runs left "running" lost their claim (their worker died or overran the lease).
    MatchRun.objects.filter(organization_id=organization_id, status=MatchRun.Status.RUNNING).update(
        status=MatchRun.Status.SUPERSEDED,
        finished_at=now,
        error="Interrupted before it finished; a later run took over.",
    )
    return now


def _release_or_continue(
    organization_id: int, claim: dt.datetime, *, may_continue: bool
) -> dt.datetime | None:
    """Release the claim, or keep it for one more run if a rerun was requested meanwhile."""
    state = RecomputeState.objects.filter(organization_id=organization_id, running_since=claim)
    if state.filter(rerun_requested=False).update(running_since=None):
        return None
    if not may_continue:
        # Leave rerun_requested set: the periodic check picks the organisation up.
        state.update(running_since=None)
        return None
    again = timezone.now()
    if state.update(running_since=again, rerun_requested=False):
        return again
    return None  # the lease was taken over; the new holder does the work


def _release(organization_id: int, claim: dt.datetime) -> None:
    try:
        RecomputeState.objects.filter(organization_id=organization_id, running_since=claim).update(
            running_since=None
        )
    except Exception:  # the database is gone; the lease expires by itself
        logger.exception(
            "Could not release the recompute claim of organisation %s", organization_id
        )


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _run_once(organization: Organization, *, trigger: str, claim: dt.datetime) -> MatchRun:
    run = MatchRun.objects.create(organization=organization, trigger=trigger)
    started = time.perf_counter()
    try:
        phase = time.perf_counter()
        arrays, gaps, maps = load_org_arrays(organization)
        run.load_ms = _ms(phase)

        phase = time.perf_counter()
        suggestions = suggest(
            arrays,
            gaps,
            threshold=maps.threshold,
            k=maps.k,
            weights=maps.weights,
            spread=maps.spread,
            scale=maps.scale,
        )
        run.engine_ms = _ms(phase)

        phase = time.perf_counter()
        the_plan = plan(arrays, gaps, suggestions)
        run.plan_ms = _ms(phase)

        phase = time.perf_counter()
        rows = _suggestion_rows(arrays, gaps, maps, suggestions, the_plan)
        with transaction.atomic():
            if not _still_claimed(organization.pk, claim):
                run.status = MatchRun.Status.SUPERSEDED
                run.error = "The run overran its lease; a later run took over."
            else:
                run.rows_created, run.rows_updated, run.rows_deleted = _write(
                    organization, maps, run, rows
                )
                run.status = MatchRun.Status.SUCCEEDED
        run.write_ms = _ms(phase)
    except BaseException as exc:
        _record_failure(run, exc, started)
        raise
    _record_counts(run, gaps, suggestions, the_plan)
    run.total_ms = _ms(started)
    run.finished_at = timezone.now()
    run.save(update_fields=RUN_RESULT_FIELDS)
    return run


RUN_RESULT_FIELDS = [
    "status",
    "finished_at",
    "gaps",
    "total_priority",
    "eligible_mentors",
    "free_slots",
    "suggestions",
    "distinct_mentors",
    "recommended",
    "coverage",
    "load_ms",
    "engine_ms",
    "plan_ms",
    "write_ms",
    "total_ms",
    "rows_created",
    "rows_updated",
    "rows_deleted",
    "error",
]


def _record_counts(run: MatchRun, gaps: Gaps, suggestions: Suggestions, the_plan: Plan) -> None:
    run.gaps = len(gaps)
    run.total_priority = float(gaps.priority.sum())
    run.eligible_mentors = suggestions.eligible_mentors_with_free_slots
    run.free_slots = suggestions.free_slots
    run.suggestions = len(suggestions)
    run.distinct_mentors = suggestions.distinct_mentors
    run.recommended = int(np.count_nonzero(the_plan.recommended >= 0))
    run.coverage = float(the_plan.coverage)


def _record_failure(run: MatchRun, exc: BaseException, started: float) -> None:
    run.status = MatchRun.Status.FAILED
    run.error = f"{type(exc).__name__}: {exc}"[:2000]
    run.total_ms = _ms(started)
    run.finished_at = timezone.now()
    try:
        run.save(update_fields=RUN_RESULT_FIELDS)
    except Exception:  # the database itself failed; the error is raised to the task anyway
        logger.exception("Could not record the failure of match run %s", run.pk)


def _still_claimed(organization_id: int, claim: dt.datetime) -> bool:
    """Whether the claim is still ours (a run that overran its lease has lost it).

    A plain read, not a row lock: locking the state row for the whole write would make every
    change that schedules a recompute (an accept, an availability update) wait for the write.
    """
    return RecomputeState.objects.filter(
        organization_id=organization_id, running_since=claim
    ).exists()


@dataclass(frozen=True, eq=False)
class _Rows:
    """The engine's suggestions as columns: database ids plus the engine's key of each row."""

    key: IntArray  # (s,) (mentee index × c + competency index) × n + mentor index, unique
    mentee: IntArray  # (s,) employee ids
    competency: IntArray  # (s,) competency ids
    mentor: IntArray  # (s,) employee ids
    rank: IntArray
    score: FloatArray  # rounded to FLOAT_DIGITS
    factors: FloatArray  # (s, 6) in FACTOR_NAMES order, rounded to FLOAT_DIGITS
    target_level: IntArray
    mentor_level: IntArray
    recommended: BoolArray

    def __len__(self) -> int:
        return int(self.key.shape[0])


def _suggestion_rows(
    arrays: OrgArrays, gaps: Gaps, maps: IndexMaps, suggestions: Suggestions, the_plan: Plan
) -> _Rows:
    n, c = arrays.n_people, arrays.n_competencies
    gap = suggestions.gap
    mentee, competency, mentor = gaps.mentee[gap], gaps.competency[gap], suggestions.mentor
    return _Rows(
        key=(mentee * c + competency) * n + mentor,
        mentee=maps.person_ids[mentee],
        competency=maps.competency_ids[competency],
        mentor=maps.person_ids[mentor],
        rank=suggestions.rank,
        score=np.round(suggestions.score, FLOAT_DIGITS),
        factors=np.round(suggestions.factors, FLOAT_DIGITS).reshape(-1, len(FACTOR_NAMES)),
        target_level=gaps.target[gap],
        mentor_level=arrays.level[mentor, competency].astype(np.int64),
        recommended=np.asarray(the_plan.recommended)[gap] == mentor,
    )


@dataclass(frozen=True, eq=False)
class _Changes:
    create: IntArray  # row indices
    update: IntArray  # (u, 2): stored pk, row index
    reopen: IntArray  # (r, 2): pk and row index of dismissed suggestions offered again
    delete: IntArray  # stored pks
    stored: int  # how many suggestions were stored, whatever their status


_STATUS_CODES = {
    MatchSuggestion.Status.OPEN: 0,
    MatchSuggestion.Status.DISMISSED: 1,
    MatchSuggestion.Status.ACCEPTED: 2,
}


def _stored(organization: Organization) -> FloatArray:
    """The stored suggestions as one numeric array (ids fit exactly in float64): pk, mentee,
    competency, mentor, status code, rank, score, target, mentor level, recommended, factors."""
    factor_columns = {
        f"factor_{name}": Coalesce(
            Cast(KeyTextTransform(name, "factors"), FloatField()), Value(0.0)
        )
        for name in FACTOR_NAMES
    }
    status = Case(
        *(When(status=value, then=Value(code)) for value, code in _STATUS_CODES.items()),
        output_field=IntegerField(),
    )
    stored: FloatArray = fetch_columns(
        MatchSuggestion.objects.filter(organization=organization).annotate(
            status_code=status, **factor_columns
        ),
        {
            "pk": "int8",
            "mentee_id": "int8",
            "competency_id": "int8",
            "mentor_id": "int8",
            "status_code": "int2",
            "rank": "int2",
            "score": "float8",
            "target_level": "int2",
            "mentor_level": "int2",
            "recommended": "bool",
            **dict.fromkeys(factor_columns, "float8"),
        },
    )
    return stored


def _diff(organization: Organization, maps: IndexMaps, rows: _Rows) -> _Changes:
    """Compare the new rows with the stored suggestions, vectorised.

    Open suggestions are inserted, updated when anything differs (scores and factors beyond
    FLOAT_TOLERANCE) and deleted when gone. Accepted suggestions are never touched (the loader
    keeps the engine from offering them again); a dismissed one the engine offers again, because
    its mentor's level changed since, is reopened.
    """
    stored = _stored(organization)
    ids = stored[:, :5].astype(np.int64)
    pk, status = ids[:, 0], ids[:, 4]
    n, c = maps.person_ids.shape[0], maps.competency_ids.shape[0]
    e, j = maps.person_index(ids[:, 1]), maps.competency_index(ids[:, 2])
    m = maps.person_index(ids[:, 3])
    known = (e >= 0) & (j >= 0) & (m >= 0)
    row_of = np.full(pk.shape[0], -1, dtype=np.int64)
    if len(rows) and pk.shape[0]:
        order = np.argsort(rows.key)
        key = np.where(known, (e * c + j) * n + m, -1)
        at = np.minimum(np.searchsorted(rows.key[order], key), len(rows) - 1)
        found = known & (rows.key[order][at] == key)
        row_of[found] = order[at[found]]
    matched = row_of >= 0

    is_open = status == _STATUS_CODES[MatchSuggestion.Status.OPEN]
    same = np.zeros(pk.shape[0], dtype=np.bool_)
    both = matched & is_open
    r = row_of[both]
    tolerance = FLOAT_TOLERANCE
    same[both] = (
        (stored[both, 5] == rows.rank[r])
        & (np.abs(stored[both, 6] - rows.score[r]) <= tolerance)
        & (stored[both, 7] == rows.target_level[r])
        & (stored[both, 8] == rows.mentor_level[r])
        & (stored[both, 9].astype(np.bool_) == rows.recommended[r])
        & np.all(np.abs(stored[both, 10:] - rows.factors[r]) <= tolerance, axis=1)
    )
    dismissed = matched & (status == _STATUS_CODES[MatchSuggestion.Status.DISMISSED])
    taken = np.zeros(len(rows), dtype=np.bool_)
    taken[row_of[matched]] = True
    return _Changes(
        create=np.flatnonzero(~taken),
        update=np.stack([pk[both & ~same], row_of[both & ~same]], axis=1),
        reopen=np.stack([pk[dismissed], row_of[dismissed]], axis=1),
        delete=pk[is_open & ~matched],
        stored=int(pk.shape[0]),
    )


def _write(
    organization: Organization, maps: IndexMaps, run: MatchRun, rows: _Rows
) -> tuple[int, int, int]:
    """Write only what changed; (created, updated, deleted). Runs inside the write transaction."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _write_postgresql(organization, maps, run, rows, now)
    changes = _diff(organization, maps, rows)
    deleted = 0
    gone = changes.delete.tolist()
    for start in range(0, len(gone), 5000):
        # One DELETE per batch: no pairing refers to an open suggestion.
        deleted += MatchSuggestion.objects.filter(
            organization=organization,
            pk__in=gone[start : start + 5000],
            status=MatchSuggestion.Status.OPEN,
        ).delete()[0]
    _write_orm(organization, run, rows, changes, now)
    return len(changes.create), len(changes.update) + len(changes.reopen), deleted


UPDATE_FIELDS = ["rank", "score", "factors", "target_level", "mentor_level", "recommended", "run"]
REOPEN_FIELDS = ["status", "dismissed_reason", "decided_by", "decided_at"]


def _write_orm(
    organization: Organization, run: MatchRun, rows: _Rows, changes: _Changes, now: dt.datetime
) -> None:
    def instance(i: int, pk: int | None = None) -> MatchSuggestion:
        return MatchSuggestion(
            pk=pk,
            organization=organization,
            mentee_id=int(rows.mentee[i]),
            competency_id=int(rows.competency[i]),
            mentor_id=int(rows.mentor[i]),
            rank=int(rows.rank[i]),
            score=float(rows.score[i]),
            factors=dict(zip(FACTOR_NAMES, rows.factors[i].tolist(), strict=True)),
            target_level=int(rows.target_level[i]),
            mentor_level=int(rows.mentor_level[i]),
            recommended=bool(rows.recommended[i]),
            status=MatchSuggestion.Status.OPEN,
            dismissed_reason="",
            decided_by=None,
            decided_at=None,
            run=run,
            created_at=now,
            updated_at=now,
        )

    if changes.update.shape[0]:
        MatchSuggestion.objects.bulk_update(
            [instance(i, pk) for pk, i in changes.update.tolist()],
            [*UPDATE_FIELDS, "updated_at"],
            batch_size=1000,
        )
    if changes.reopen.shape[0]:
        MatchSuggestion.objects.bulk_update(
            [instance(i, pk) for pk, i in changes.reopen.tolist()],
            [*UPDATE_FIELDS, *REOPEN_FIELDS, "updated_at"],
            batch_size=1000,
        )
    if changes.create.shape[0]:
        MatchSuggestion.objects.bulk_create(
            [instance(i) for i in changes.create.tolist()], batch_size=2000
        )


# The changed rows on their way in: temporary tables the statements below join to the stored
# suggestions by primary key. Dropped at commit, and before use in case an earlier run of the same
# transaction (tests) left them.
_NEW_TABLE = "matching_suggestion_new"
_GONE_TABLE = "matching_suggestion_gone"
# What each row of the new table asks for.
_UPDATE, _REOPEN, _CREATE = 0, 1, 2
_NEW_COLUMNS: dict[str, tuple[str, str]] = {
    "kind": ("int2", "smallint"),
    "pk": ("int8", "bigint"),
    "mentee_id": ("int8", "bigint"),
    "competency_id": ("int8", "bigint"),
    "mentor_id": ("int8", "bigint"),
    "rank": ("int2", "smallint"),
    "score": ("float8", "double precision"),
    "target_level": ("int2", "smallint"),
    "mentor_level": ("int2", "smallint"),
    "recommended": ("bool", "boolean"),
    **{f"f_{name}": ("float8", "double precision") for name in FACTOR_NAMES},
}
# Below this share of the stored rows changed, the writes look rows up by primary key; above it
# they hash-join the whole organisation's rows, which is cheaper than that many lookups.
_LOOKUP_SHARE = 0.1


def _write_postgresql(
    organization: Organization, maps: IndexMaps, run: MatchRun, rows: _Rows, now: dt.datetime
) -> tuple[int, int, int]:
    """The same writes as the ORM path, decided by the same vectorised `_diff`, but only the
    changed rows travel: they go into temporary tables by binary COPY, then one DELETE, one
    UPDATE and one INSERT apply them by primary key. Each statement checks the status the diff
    saw again, so a suggestion accepted or dismissed meanwhile is left alone. A small change
    (one rating) writes a few thousand rows instead of comparing every stored one in SQL.

    The join is chosen here, not by the planner: right after a run rewrote the suggestions their
    statistics are stale (one row where there are half a million), and a plan built on them can
    loop over the whole table once per changed row."""
    changes = _diff(organization, maps, rows)
    table = MatchSuggestion._meta.db_table
    org = organization.pk
    status = MatchSuggestion.Status
    pk = np.concatenate(
        [
            changes.update[:, 0],
            changes.reopen[:, 0],
            np.zeros(changes.create.shape[0], dtype=np.int64),
        ]
    )
    at = np.concatenate([changes.update[:, 1], changes.reopen[:, 1], changes.create])
    kind = np.repeat(
        np.array([_UPDATE, _REOPEN, _CREATE], dtype=np.int64),
        [changes.update.shape[0], changes.reopen.shape[0], changes.create.shape[0]],
    )
    if not (pk.shape[0] or changes.delete.shape[0]):
        return 0, 0, 0
    factors = (
        "jsonb_build_object(" + ", ".join(f"'{name}', n.f_{name}" for name in FACTOR_NAMES) + ")"
    )
    lookup = pk.shape[0] + changes.delete.shape[0] <= _LOOKUP_SHARE * max(changes.stored, 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        if lookup:
            cursor.execute("SET LOCAL enable_seqscan = off")
        else:
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
        deleted = 0
        if changes.delete.shape[0]:
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_GONE_TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_GONE_TABLE} (pk bigint NOT NULL) ON COMMIT DROP"
            )
            copy_columns_in(cursor.cursor, _GONE_TABLE, {"pk": ("int8", changes.delete)})
            # Open suggestions the engine no longer makes. No pairing refers to an open one.
            cursor.execute(
                f"DELETE FROM {table} AS s USING {_GONE_TABLE} AS g WHERE s.id = g.pk "
                "AND s.organization_id = %s AND s.status = %s",
                [org, status.OPEN.value],
            )
            deleted = cursor.rowcount
        updated = created = 0
        if pk.shape[0]:
            new = _NEW_TABLE
            cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{new}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {new} ("
                + ", ".join(f"{name} {sql} NOT NULL" for name, (_, sql) in _NEW_COLUMNS.items())
                + ") ON COMMIT DROP"
            )
            values = [
                kind,
                pk,
                rows.mentee[at],
                rows.competency[at],
                rows.mentor[at],
                rows.rank[at],
                rows.score[at],
                rows.target_level[at],
                rows.mentor_level[at],
                rows.recommended[at],
                *(rows.factors[at, i] for i in range(len(FACTOR_NAMES))),
            ]
            copy_columns_in(
                cursor.cursor,
                new,
                {
                    name: (kind_, column)
                    for (name, (kind_, _)), column in zip(_NEW_COLUMNS.items(), values, strict=True)
                },
            )
        if changes.update.shape[0] or changes.reopen.shape[0]:
            # Open suggestions that changed, and dismissed ones offered again (their mentor's
            # level changed since): reopened. Accepted ones are never touched.
            cursor.execute(
                f"UPDATE {table} AS s SET rank = n.rank, score = n.score, factors = {factors}, "
                "target_level = n.target_level, mentor_level = n.mentor_level, "
                "recommended = n.recommended, run_id = %s, updated_at = %s, status = %s, "
                "dismissed_reason = CASE WHEN s.status = %s THEN '' ELSE s.dismissed_reason END, "
                "decided_by_id = CASE WHEN s.status = %s THEN NULL ELSE s.decided_by_id END, "
                "decided_at = CASE WHEN s.status = %s THEN NULL ELSE s.decided_at END "
                f"FROM {_NEW_TABLE} AS n WHERE n.kind IN (%s, %s) AND s.id = n.pk "
                "AND s.organization_id = %s "
                "AND ((n.kind = %s AND s.status = %s) OR (n.kind = %s AND s.status = %s))",
                [
                    run.pk,
                    now,
                    status.OPEN.value,
                    *[status.DISMISSED.value] * 3,
                    _UPDATE,
                    _REOPEN,
                    org,
                    _UPDATE,
                    status.OPEN.value,
                    _REOPEN,
                    status.DISMISSED.value,
                ],
            )
            updated = cursor.rowcount
        if changes.create.shape[0]:
            # New suggestions: no stored row for the triple, whatever its status.
            cursor.execute(
                f"INSERT INTO {table} (organization_id, mentee_id, competency_id, mentor_id, "
                "rank, score, factors, target_level, mentor_level, recommended, status, "
                "dismissed_reason, run_id, created_at, updated_at) "
                "SELECT %s, n.mentee_id, n.competency_id, n.mentor_id, n.rank, n.score, "
                f"{factors}, n.target_level, n.mentor_level, n.recommended, %s, '', %s, %s, %s "
                f"FROM {_NEW_TABLE} AS n WHERE n.kind = %s AND NOT EXISTS (SELECT 1 FROM "
                f"{table} AS s WHERE s.organization_id = %s AND s.mentee_id = n.mentee_id "
                "AND s.competency_id = n.competency_id AND s.mentor_id = n.mentor_id)",
                [org, status.OPEN.value, run.pk, now, now, _CREATE, org],
            )
            created = cursor.rowcount
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_nestloop = on")
    return created, updated, deleted


def _queue_recompute_task(organization_id: int, trigger: str, *, countdown: int = 0) -> None:
    # By name, so that this module does not import the task module that imports it.
    current_app.tasks[RECOMPUTE_TASK].apply_async(
        args=(organization_id, trigger), countdown=countdown
    )


def debounce_seconds() -> int:
    return int(getattr(settings, "MATCHING_DEBOUNCE_SECONDS", DEFAULT_DEBOUNCE_SECONDS))


def schedule_recompute(*, organization_id: int, trigger: str) -> bool:
    """Recompute the organisation soon, once per burst of changes (debounced).

    If a recompute is already scheduled, nothing happens; otherwise one is queued to start after
    the debounce delay, once the current transaction commits. So a burst of changes yields one
    recompute, within twice the delay of the first change. True if a task was queued.
    """
    delay = debounce_seconds()
    now = timezone.now()
    with scope(organization=organization_id):
        recompute_state_ensure(organization_id=organization_id)
        queued = (
            RecomputeState.objects.filter(organization_id=organization_id)
            .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lte=now))
            .update(scheduled_for=now + dt.timedelta(seconds=delay))
        )
    if queued:
        transaction.on_commit(
            partial(_queue_recompute_task, organization_id, trigger, countdown=delay)
        )
    return bool(queued)


def recompute_request(*, organization: Organization, actor: Employee) -> None:
    """ "Recompute now": an HR admin queues a recompute of their organisation right away."""
    if actor.organization_id != organization.pk or not actor.is_hr_admin:
        raise PermissionDenied("Only HR admins can recompute the suggestions.")
    transaction.on_commit(partial(_queue_recompute_task, organization.pk, MatchRun.Trigger.MANUAL))


def on_assessment_submitted(*, organization_id: int, employee_id: int) -> None:
    schedule_recompute(organization_id=organization_id, trigger=MatchRun.Trigger.ASSESSMENT)


def on_competency_model_changed(*, organization_id: int, change: str) -> None:
    schedule_recompute(organization_id=organization_id, trigger=MatchRun.Trigger.REQUIREMENT)
