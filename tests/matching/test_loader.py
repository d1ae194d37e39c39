from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import SkillProfile
from competencies.services import competency_archive
from matching.loader import LOAD_QUERIES, load_org_arrays
from matching.models import MatchSettings, MatchSuggestion, Pairing
from tests.factories import (
    CompetencyFactory,
    EmployeeFactory,
    OrganizationFactory,
    RoleFactory,
    RoleRequirementFactory,
)
from tests.matching.conftest import rate


def _idx(maps, employee) -> int:
    return int(maps.person_index([employee.pk])[0])


def _cidx(maps, competency) -> int:
    return int(maps.competency_index([competency.pk])[0])


def _gap_rows(gaps, maps) -> set[tuple[int, int, int, float]]:
    return {
        (int(maps.person_ids[e]), int(maps.competency_ids[j]), int(t), float(p))
        for e, j, t, p in zip(gaps.mentee, gaps.competency, gaps.target, gaps.priority, strict=True)
    }


def _big_org(size: int):
    """An organisation of `size` people with a role of four requirements and some profiles."""
    org = OrganizationFactory()
    role = RoleFactory(organization=org)
    comps = [CompetencyFactory(organization=org) for _ in range(4)]
    for comp in comps:
        RoleRequirementFactory(organization=org, role=role, competency=comp, required_level=3)
    people = [EmployeeFactory(organization=org, role=role) for _ in range(size)]
    SkillProfile.objects.bulk_create(
        SkillProfile(
            organization=org,
            employee=p,
            competency=comp,
            effective_level=(i + k) % 6,
            self_level=(i + k) % 6,
            manager_confirmed=bool(i % 2),
        )
        for i, p in enumerate(people)
        for k, comp in enumerate(comps)
    )
    for i in range(0, size - 1, 3):
        Pairing.objects.create(
            organization=org,
            mentee=people[i],
            mentor=people[i + 1],
            competency=comps[i % 4],
            task="A real piece of work",
            baseline_level=1,
            target_level=3,
            start_date=dt.date(2030, 1, 7),
            end_date=dt.date(2030, 2, 18),
            state=Pairing.State.ACTIVE if i % 2 else Pairing.State.COMPLETED,
        )
    return org


def test_it_reads_any_organisation_in_the_same_small_number_of_queries(db) -> None:
    counts = []
    for size in (10, 60):
        org = _big_org(size)
        with CaptureQueriesContext(connection) as queries:
            arrays, gaps, _ = load_org_arrays(org)
        counts.append(len(queries))
        assert arrays.n_people == size
        assert len(gaps) > 0
    # On PostgreSQL the big reads are COPY statements, which the ORM's query log does not see.
    expected = LOAD_QUERIES if connection.vendor != "postgresql" else 3
    assert counts[0] == counts[1] == expected


def test_gaps_are_the_current_roles_requirements_above_the_effective_level(team) -> None:
    _, gaps, maps = load_org_arrays(team.org)
    # Emma: Programming 2 → 4 (× 5), Writing 1 → 3 (× 2); she meets Negotiation.
    assert _gap_rows(gaps, maps) == {
        (team.emma.pk, team.programming.pk, 4, 10.0),
        (team.emma.pk, team.writing.pk, 3, 4.0),
    }
    assert maps.threshold == team.org.mentor_threshold_level
    assert maps.scale == (0, 5)


def test_an_unrated_requirement_counts_as_level_zero(team) -> None:
    team.sam.role = team.role
    team.sam.save(update_fields=["role"])
    _, gaps, maps = load_org_arrays(team.org)
    # Sam never rated Negotiation (required 2, importance 1); his other levels meet the role.
    sam = {row for row in _gap_rows(gaps, maps) if row[0] == team.sam.pk}
    assert sam == {(team.sam.pk, team.negotiation.pk, 2, 2.0)}


def test_people_and_strengths_are_loaded_as_arrays(team) -> None:
    arrays, _, maps = load_org_arrays(team.org)
    sam, emma, mark = _idx(maps, team.sam), _idx(maps, team.emma), _idx(maps, team.mark)
    prog = _cidx(maps, team.programming)
    assert list(maps.person_ids) == sorted(maps.person_ids)
    assert arrays.level[sam, prog] == 5 and arrays.confirmed[sam, prog]
    assert arrays.level[_idx(maps, team.pat), prog] == 4
    assert not arrays.confirmed[_idx(maps, team.pat), prog]
    assert arrays.level[sam, _cidx(maps, team.negotiation)] == -1  # never rated
    assert arrays.manager[emma] == mark and arrays.manager[mark] == -1
    assert arrays.department[sam] == team.sales.pk
    assert not arrays.available[_idx(maps, team.nora)]
    assert arrays.opted_out[_idx(maps, team.olly), prog]
    assert arrays.capacity[_idx(maps, team.pat)] == 1
    assert arrays.load.sum() == 0 and arrays.past_pairs.size == 0


def test_inactive_people_and_archived_competencies_are_left_out(team) -> None:
    team.nora.is_active = False
    team.nora.save(update_fields=["is_active"])
    competency_archive(competency=team.writing, actor=None)
    _, gaps, maps = load_org_arrays(team.org)
    assert team.nora.pk not in maps.person_ids
    assert team.writing.pk not in maps.competency_ids
    assert _gap_rows(gaps, maps) == {(team.emma.pk, team.programming.pk, 4, 10.0)}


def _pairing(team, *, mentor, state, competency=None) -> Pairing:
    return Pairing.objects.create(
        organization=team.org,
        mentee=team.emma,
        mentor=mentor,
        competency=competency or team.programming,
        task="Pair on the billing service rewrite",
        baseline_level=2,
        target_level=4,
        start_date=dt.date(2030, 1, 7),
        end_date=dt.date(2030, 2, 18),
        state=state,
    )


def test_loads_past_pairs_and_paired_gaps_come_from_pairings(team) -> None:
    _pairing(team, mentor=team.sam, state=Pairing.State.PROPOSED)
    _pairing(team, mentor=team.pat, state=Pairing.State.COMPLETED, competency=team.writing)
    _pairing(team, mentor=team.nora, state=Pairing.State.DECLINED, competency=team.negotiation)
    arrays, gaps, maps = load_org_arrays(team.org)
    n = arrays.n_people
    sam, pat, emma = _idx(maps, team.sam), _idx(maps, team.pat), _idx(maps, team.emma)
    assert arrays.load[sam] == 1 and arrays.load[pat] == 0 and arrays.load.sum() == 1
    assert set(arrays.past_pairs.tolist()) == {sam * n + emma, pat * n + emma}
    # Programming has a proposed pairing: only Writing is left to match.
    assert _gap_rows(gaps, maps) == {(team.emma.pk, team.writing.pk, 3, 4.0)}


def _suggestion(team, *, mentor, status, mentor_level) -> MatchSuggestion:
    return MatchSuggestion.objects.create(
        organization=team.org,
        mentee=team.emma,
        competency=team.programming,
        mentor=mentor,
        rank=0,
        score=1.0,
        target_level=4,
        mentor_level=mentor_level,
        status=status,
        decided_at=timezone.now(),
    )


def test_a_dismissal_excludes_the_mentor_only_while_their_level_is_unchanged(team) -> None:
    _suggestion(team, mentor=team.sam, status="dismissed", mentor_level=5)  # still 5
    _suggestion(team, mentor=team.pat, status="dismissed", mentor_level=3)  # now 4
    _suggestion(team, mentor=team.olly, status="accepted", mentor_level=4)  # accepted: always
    _suggestion(team, mentor=team.nora, status="open", mentor_level=5)  # open: never
    arrays, _, maps = load_org_arrays(team.org)
    n, c = arrays.n_people, arrays.n_competencies
    gap_key = _idx(maps, team.emma) * c + _cidx(maps, team.programming)
    assert set(arrays.excluded.tolist()) == {
        gap_key * n + _idx(maps, team.sam),
        gap_key * n + _idx(maps, team.olly),
    }


def test_the_level_rule_follows_a_new_rating(team) -> None:
    _suggestion(team, mentor=team.sam, status="dismissed", mentor_level=5)
    rate(team.sam, {team.programming: 4}, by=team.sally)
    arrays, _, _ = load_org_arrays(team.org)
    assert arrays.excluded.size == 0


def test_match_settings_tune_the_engine_parameters(team) -> None:
    MatchSettings.objects.create(
        organization=team.org, weight_margin=0.0, weight_low_load=2.5, k=3, spread=1.5
    )
    _, _, maps = load_org_arrays(team.org)
    assert maps.weights.margin == 0.0 and maps.weights.low_load == 2.5
    assert maps.weights.priority == 1.0
    assert (maps.k, maps.spread) == (3, 1.5)


def test_an_empty_organisation_loads_as_empty_arrays(db) -> None:
    org = OrganizationFactory()
    arrays, gaps, maps = load_org_arrays(org)
    assert arrays.n_people == 0 and arrays.n_competencies == 0 and len(gaps) == 0
    assert maps.person_ids.dtype == np.int64


def test_columns_arrive_as_arrays_and_nulls_are_refused(team) -> None:
    from matching.loader import fetch_columns
    from mentorship.models import Employee

    people = Employee.objects.filter(organization=team.org)
    rows = fetch_columns(people, {"pk": "int8", "mentor_capacity": "int2", "is_active": "bool"})
    assert rows.dtype == np.int64 and rows.shape == (people.count(), 3)
    assert sorted(rows[:, 0].tolist()) == sorted(people.values_list("pk", flat=True))
    scores = fetch_columns(MatchSettings.objects.none(), {"k": "int2", "spread": "float8"})
    assert scores.dtype == np.float64 and scores.shape == (0, 2)
    with pytest.raises(ValueError, match="non-null"):
        fetch_columns(people, {"pk": "int8", "manager_id": "int8"})  # Mark has no manager


def test_columns_copied_in_arrive_whole_across_chunks(postgres, db, monkeypatch) -> None:
    import matching.loader as loader

    monkeypatch.setattr(loader, "_COPY_CHUNK_BYTES", 100)  # a few records per chunk
    wanted = np.arange(1000, dtype=np.int64) * 7
    flags = wanted % 3 == 0
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copied (v bigint NOT NULL, b boolean NOT NULL)")
        loader.copy_columns_in(
            cursor.cursor, "copied", {"v": ("int8", wanted), "b": ("bool", flags)}
        )
        cursor.execute("SELECT v, b FROM copied ORDER BY v")
        stored = cursor.fetchall()
        cursor.execute("DROP TABLE copied")
    assert stored == list(zip(wanted.tolist(), flags.tolist(), strict=True))
