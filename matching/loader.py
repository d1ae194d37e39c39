"""Database → engine arrays for one organisation, in a constant number of queries.

Everything is read as columns straight into numpy arrays (`fetch_columns`: binary COPY on
PostgreSQL, `values_list` elsewhere); no model instances are built for people, profiles,
requirements or pairings, so the cost grows with the bytes read, not with Python objects per row.

Only the current role's gaps are matched. Development goals and explored target roles are
aspirations the person chose to look at; suggesting mentors for them (and spending mentors' slots
on them) would crowd out the gaps of the job people actually do, so they are left out for now.
Gaps that already have an open (proposed or active) pairing are left out too: they are being
worked on, and their mentor appearances are better spent on gaps nobody has picked up.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    F,
    Field,
    FloatField,
    IntegerField,
    Max,
    Min,
    QuerySet,
    SmallIntegerField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from assessments.models import SkillProfile
from competencies.models import Competency, ProficiencyLevel, RoleRequirement
from matching.engine import Gaps, OrgArrays, Weights
from matching.models import MatchSettings, MatchSuggestion, MentorOptOut, Pairing
from mentorship.models import Employee, Organization

IntArray = npt.NDArray[np.int64]

# The number of queries `load_org_arrays` makes, whatever the organisation's size.
LOAD_QUERIES = 9


@dataclass(frozen=True, eq=False)
class IndexMaps:
    """How engine indices map back to database ids, and the organisation's engine parameters."""

    person_ids: IntArray  # (n,) employee id of person index i, ascending
    competency_ids: IntArray  # (c,) competency id of competency index j, ascending
    threshold: int
    scale: tuple[int, int]  # lowest and highest level of the organisation's scale
    weights: Weights
    k: int
    spread: float

    def person_index(self, employee_ids: Iterable[int] | IntArray) -> IntArray:
        """Indices of the given employee ids, -1 for ids not loaded (inactive, unknown)."""
        return _lookup(self.person_ids, employee_ids)

    def competency_index(self, competency_ids: Iterable[int] | IntArray) -> IntArray:
        """Indices of the given competency ids, -1 for archived or unknown ones."""
        return _lookup(self.competency_ids, competency_ids)


def _lookup(sorted_ids: IntArray, ids: Iterable[int] | IntArray) -> IntArray:
    wanted = np.asarray(list(ids) if not isinstance(ids, np.ndarray) else ids, dtype=np.int64)
    if not sorted_ids.shape[0]:
        return np.full(wanted.shape, -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(sorted_ids, wanted), sorted_ids.shape[0] - 1)
    found: IntArray = np.where(sorted_ids[at] == wanted, at, -1).astype(np.int64)
    return found


_FIELDS: dict[str, Field[Any, Any]] = {
    "int8": BigIntegerField(),
    "int2": SmallIntegerField(),
    "bool": BooleanField(),
    "float8": FloatField(),
}
_BINARY = {"int8": ">i8", "int2": ">i2", "bool": "?", "float8": ">f8"}


def fetch_columns(queryset: QuerySet[Any], columns: dict[str, str]) -> npt.NDArray[Any]:
    """The queryset's `columns` (name → "int8", "int2", "bool" or "float8"; no nulls) as an
    (r, len(columns)) array: int64, or float64 if any column is float8. Rows come in no
    particular order.

    On PostgreSQL the rows arrive by binary COPY and numpy reads them in place (every field has a
    fixed width, so the stream is an array of records); elsewhere through `values_list`. At a
    hundred thousand people this is the difference between seconds and a fraction of one.
    """
    dtype = np.float64 if "float8" in columns.values() else np.int64
    width = len(columns)
    casts = {
        f"_col{i}": Cast(F(name), _FIELDS[kind]) for i, (name, kind) in enumerate(columns.items())
    }
    rows = queryset.order_by().annotate(**casts).values_list(*casts)
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        values = list(rows)
        if not values:
            return np.zeros((0, width), dtype=dtype)
        try:
            return np.array(values, dtype=dtype).reshape(len(values), width)
        except TypeError:
            raise ValueError("fetch_columns needs non-null columns") from None
    try:
        sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    except EmptyResultSet:
        return np.zeros((0, width), dtype=dtype)
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, params).decode()
        cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT binary)", buffer)
    data = buffer.getbuffer()
    # Header: signature (11 bytes), flags (4), extension length (4) and extension; trailer: -1.
    start = 19 + int.from_bytes(data[15:19], "big")
    record = np.dtype(
        [("fields", ">i2")]
        + [
            item
            for i, kind in enumerate(columns.values())
            for item in ((f"len{i}", ">i4"), (f"val{i}", _BINARY[kind]))
        ]
    )
    body = data[start : len(data) - 2]
    if len(body) % record.itemsize:
        raise ValueError("fetch_columns needs non-null columns")
    records = np.frombuffer(body, dtype=record)
    sizes = [record[f"val{i}"].itemsize for i in range(width)]
    if not (
        np.all(records["fields"] == width)
        and all(np.all(records[f"len{i}"] == size) for i, size in enumerate(sizes))
    ):
        raise ValueError("fetch_columns needs non-null columns")
    out = np.empty((records.shape[0], width), dtype=dtype)
    for i in range(width):
        out[:, i] = records[f"val{i}"]
    return out


def copy_columns_in(
    cursor: Any, table: str, columns: dict[str, tuple[str, npt.NDArray[Any]]]
) -> None:
    """Append equal-length columns (name → (kind, values), kinds as in `fetch_columns`, no nulls)
    to `table` by binary COPY: numpy lays the records out, nothing is formatted per row.
    PostgreSQL only; `cursor` is the driver's cursor."""
    kinds = [kind for kind, _ in columns.values()]
    record = np.dtype(
        [("fields", ">i2")]
        + [
            item
            for i, kind in enumerate(kinds)
            for item in ((f"len{i}", ">i4"), (f"val{i}", _BINARY[kind]))
        ]
    )
    size = {len(values) for _, values in columns.values()}
    if len(size) != 1:
        raise ValueError("copy_columns_in needs columns of equal length")
    stream = _RecordStream(
        record, [(kind, values) for kind, values in columns.values()], size.pop()
    )
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT binary)",
        stream,
        size=_COPY_CHUNK_BYTES,
    )


# The binary COPY stream is laid out this many bytes at a time, so a large write never holds
# more than one chunk of records besides its columns.
_COPY_CHUNK_BYTES = 1 << 20


class _RecordStream(io.RawIOBase):
    """A file the driver reads the COPY stream from: header, records built chunk by chunk from
    the columns, trailer."""

    def __init__(self, record: np.dtype[Any], columns: list[tuple[str, Any]], rows: int) -> None:
        super().__init__()
        self._record = record
        self._columns = columns
        self._rows = rows
        self._next = 0
        self._step = max(1, _COPY_CHUNK_BYTES // record.itemsize)
        # Header: signature, flags and extension length (both 0).
        self._pending = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
        self._done = False

    def readable(self) -> bool:
        return True

    def _chunk(self) -> bytes:
        start, stop = self._next, min(self._next + self._step, self._rows)
        self._next = stop
        records = np.empty(stop - start, dtype=self._record)
        records["fields"] = len(self._columns)
        for i, (kind, values) in enumerate(self._columns):
            records[f"len{i}"] = np.dtype(_BINARY[kind]).itemsize
            records[f"val{i}"] = values[start:stop]
        return records.tobytes()

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._pending) < size):
            if self._next < self._rows:
                self._pending += self._chunk()
            else:
                self._pending += b"\xff\xff"  # trailer
                self._done = True
        if size < 0:
            size = len(self._pending)
        out, self._pending = self._pending[:size], self._pending[size:]
        return out


def _unique_keys(keys: IntArray) -> IntArray:
    unique: IntArray = np.unique(keys.astype(np.int64))
    return unique


def load_org_arrays(organization: Organization) -> tuple[OrgArrays, Gaps, IndexMaps]:
    """The organisation's people, strengths and gaps as engine arrays, in `LOAD_QUERIES` queries.

    People are the active members; competencies the non-archived ones. A gap is a requirement of
    the person's current role above their effective level (unrated counts as 0), with priority
    (required − effective) × importance, ordered by (person id, competency id).
    """
    org = organization
    people = _people(org)
    maps = replace(_parameters(org), person_ids=people[:, 0].copy())
    n, c = people.shape[0], maps.competency_ids.shape[0]

    level = np.full((n, c), -1, dtype=np.int8)
    confirmed = np.zeros((n, c), dtype=np.bool_)
    profiles = fetch_columns(
        SkillProfile.objects.filter(organization=org),
        {
            "employee_id": "int8",
            "competency_id": "int8",
            "effective_level": "int2",
            "manager_confirmed": "bool",
        },
    )
    pi, ci = maps.person_index(profiles[:, 0]), maps.competency_index(profiles[:, 1])
    keep = (pi >= 0) & (ci >= 0)
    # Levels a changed scale no longer has are read as its nearest end.
    low, high = maps.scale
    level[pi[keep], ci[keep]] = np.clip(profiles[keep, 2], low, high)
    confirmed[pi[keep], ci[keep]] = profiles[keep, 3].astype(np.bool_)

    opted_out = np.zeros((n, c), dtype=np.bool_)
    opt_outs = fetch_columns(
        MentorOptOut.objects.filter(organization=org),
        {"employee_id": "int8", "competency_id": "int8"},
    )
    pi, ci = maps.person_index(opt_outs[:, 0]), maps.competency_index(opt_outs[:, 1])
    keep = (pi >= 0) & (ci >= 0)
    opted_out[pi[keep], ci[keep]] = True

    # Pairings that happened (any state but declined or cancelled): loads, past pairs, and gaps
    # that already have an open pairing.
    pairings = fetch_columns(
        Pairing.objects.filter(organization=org)
        .exclude(state__in=Pairing.NEVER_MET_STATES)
        .annotate(
            open=Case(
                When(state__in=Pairing.LOAD_STATES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ),
        {"mentor_id": "int8", "mentee_id": "int8", "competency_id": "int8", "open": "int2"},
    )
    mentor_i, mentee_i = maps.person_index(pairings[:, 0]), maps.person_index(pairings[:, 1])
    is_open = pairings[:, 3] == 1
    load = np.bincount(mentor_i[is_open & (mentor_i >= 0)], minlength=n).astype(np.int16)
    both = (mentor_i >= 0) & (mentee_i >= 0)
    past_pairs = _unique_keys(mentor_i[both] * n + mentee_i[both])
    pairing_ci = maps.competency_index(pairings[:, 2])
    paired_gaps = _unique_keys(
        mentee_i[is_open & (mentee_i >= 0) & (pairing_ci >= 0)] * c
        + pairing_ci[is_open & (mentee_i >= 0) & (pairing_ci >= 0)]
    )

    org_arrays = OrgArrays(
        person_ids=maps.person_ids,
        department=people[:, 1],
        manager=maps.person_index(people[:, 2]),
        available=people[:, 4].astype(np.bool_),
        capacity=people[:, 5].astype(np.int16),
        load=load,
        level=level,
        confirmed=confirmed,
        opted_out=opted_out,
        past_pairs=past_pairs,
        excluded=_excluded(org, maps, level),
    )
    gaps = _gaps(org, maps, people[:, 3], level, paired_gaps)
    return org_arrays, gaps, maps


def _parameters(org: Organization) -> IndexMaps:
    """Match settings, scale span and competencies (three queries); people are filled in later."""
    match_settings = MatchSettings.objects.filter(organization=org).first() or MatchSettings()
    scale = ProficiencyLevel.objects.filter(organization=org).aggregate(
        low=Min("level"), high=Max("level")
    )
    low = scale["low"] if scale["low"] is not None else 0
    high = max(scale["high"] or 0, low + 1)
    competency_ids = np.array(
        sorted(
            Competency.objects.filter(organization=org, archived_at__isnull=True).values_list(
                "pk", flat=True
            )
        ),
        dtype=np.int64,
    )
    return IndexMaps(
        person_ids=np.zeros(0, dtype=np.int64),
        competency_ids=competency_ids,
        threshold=int(org.mentor_threshold_level),
        scale=(low, high),
        weights=Weights(**match_settings.weight_values),
        k=int(match_settings.k),
        spread=float(match_settings.spread),
    )


def _people(org: Organization) -> IntArray:
    """Active members as rows (id, department, manager, role, available, capacity); -1 = none."""
    none = Value(-1, output_field=BigIntegerField())
    people = fetch_columns(
        Employee.objects.filter(organization=org, is_active=True).annotate(
            dept=Coalesce("department_id", none),
            boss=Coalesce("manager_id", none),
            job=Coalesce("role_id", none),
        ),
        {
            "pk": "int8",
            "dept": "int8",
            "boss": "int8",
            "job": "int8",
            "mentor_available": "bool",
            "mentor_capacity": "int2",
        },
    )
    by_id: IntArray = people[np.argsort(people[:, 0], kind="stable")]
    return by_id


def _excluded(org: Organization, maps: IndexMaps, level: npt.NDArray[np.int8]) -> IntArray:
    """Keys (mentee × c + competency) × n + mentor the engine must not suggest.

    A dismissed suggestion stays excluded while the mentor's level in it is the one they had when
    it was dismissed; once it changes the mentor may be suggested again. An accepted suggestion
    stays excluded: that mentor was already paired with this person on this gap.
    """
    n, c = maps.person_ids.shape[0], maps.competency_ids.shape[0]
    decided = fetch_columns(
        MatchSuggestion.objects.filter(
            organization=org,
            status__in=[MatchSuggestion.Status.DISMISSED, MatchSuggestion.Status.ACCEPTED],
        ).annotate(
            accepted=Case(
                When(status=MatchSuggestion.Status.ACCEPTED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ),
        {
            "mentee_id": "int8",
            "competency_id": "int8",
            "mentor_id": "int8",
            "mentor_level": "int2",
            "accepted": "int2",
        },
    )
    e, j = maps.person_index(decided[:, 0]), maps.competency_index(decided[:, 1])
    m = maps.person_index(decided[:, 2])
    known = (e >= 0) & (j >= 0) & (m >= 0)
    e, j, m, decided = e[known], j[known], m[known], decided[known]
    still = (decided[:, 4] == 1) | (level[m, j].astype(np.int64) == decided[:, 3])
    return _unique_keys((e[still] * c + j[still]) * n + m[still])


def _gaps(
    org: Organization,
    maps: IndexMaps,
    role_of: IntArray,
    level: npt.NDArray[np.int8],
    paired_gaps: IntArray,
) -> Gaps:
    """Current-role gaps: requirements joined to people by role, vectorised (one query)."""
    c = maps.competency_ids.shape[0]
    reqs = fetch_columns(
        RoleRequirement.objects.filter(organization=org),
        {
            "role_id": "int8",
            "competency_id": "int8",
            "required_level": "int2",
            "importance": "int2",
        },
    )
    req_ci = maps.competency_index(reqs[:, 1])
    reqs, req_ci = reqs[req_ci >= 0], req_ci[req_ci >= 0]
    by_role = np.argsort(reqs[:, 0], kind="stable")
    reqs, req_ci = reqs[by_role], req_ci[by_role]

    # Each person's requirements are the contiguous block of their role in the sorted array.
    start = np.searchsorted(reqs[:, 0], role_of, side="left")
    end = np.searchsorted(reqs[:, 0], role_of, side="right")
    count = np.where(role_of >= 0, end - start, 0)
    total = int(count.sum())
    person = np.repeat(np.arange(role_of.shape[0], dtype=np.int64), count)
    first = np.repeat(start - np.cumsum(count) + count, count)
    req = first + np.arange(total, dtype=np.int64)

    competency = req_ci[req]
    required = np.clip(reqs[req, 2], *maps.scale)
    effective = np.maximum(level[person, competency].astype(np.int64), 0)
    size = required - effective
    keep = size > 0
    if paired_gaps.shape[0]:
        keep &= ~np.isin(person * c + competency, paired_gaps)
    person, competency, required = person[keep], competency[keep], required[keep]
    priority = (size[keep] * reqs[req[keep], 3]).astype(np.float64)
    order = np.argsort(person * max(c, 1) + competency, kind="stable")
    return Gaps(
        mentee=person[order],
        competency=competency[order],
        target=required[order],
        priority=priority[order],
    )
