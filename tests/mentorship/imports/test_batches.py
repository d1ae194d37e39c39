"""Applying imported rows in batches: managers first, progress, and changes that span batches."""

from __future__ import annotations

from mentorship.imports.services import _managers_first, people_rows_apply, people_rows_check
from mentorship.models import Employee


def person(ext: str, manager: str = "", **fields: str) -> dict[str, str]:
    return {
        "external_id": ext,
        "email": f"{ext.lower()}@acme.test",
        "first_name": ext,
        "last_name": "Test",
        "manager_external_id": manager,
        **fields,
    }


def test_managers_come_before_their_reports_and_loops_do_not_hang() -> None:
    rows = [person("C", "B"), person("B", "A"), person("A"), person("X", "Y"), person("Y", "X")]
    order = _managers_first(rows)
    assert order.index(2) < order.index(1) < order.index(0)
    assert sorted(order) == [0, 1, 2, 3, 4]


def test_rows_apply_in_batches_with_reports_before_managers_in_the_file(hr) -> None:
    rows = [person("C", "B"), person("B", "A"), person("A"), person("D", "A")]
    done: list[int] = []
    counts, errors = people_rows_apply(
        organization=hr.organization, actor=hr, rows=rows, progress=done.append, batch_size=1
    )
    assert errors == []
    assert counts.created == 4
    assert done == [1, 2, 3, 4]
    chain = dict(
        Employee.objects.filter(
            organization=hr.organization, external_id__in=["A", "B", "C", "D"]
        ).values_list("external_id", "manager__external_id")
    )
    assert chain == {"A": None, "B": "A", "C": "B", "D": "A"}


def test_a_change_that_needs_a_later_batch_is_applied_with_the_rest(hr) -> None:
    # The only HR admin hands over to someone later in the file: fine as a whole, refused alone.
    rows = [
        person(hr.external_id, first_name="Hana", is_hr_admin="false") | {"email": hr.email},
        person("NEW", is_hr_admin="true"),
    ]
    counts, errors = people_rows_check(organization=hr.organization, actor=hr, rows=rows)
    assert errors == [] and (counts.created, counts.updated) == (1, 1)
    counts, errors = people_rows_apply(
        organization=hr.organization, actor=hr, rows=rows, batch_size=1
    )
    assert errors == []
    assert (counts.created, counts.updated) == (1, 1)
    hr.refresh_from_db()
    assert not hr.is_hr_admin
    assert Employee.objects.get(organization=hr.organization, external_id="NEW").is_hr_admin


def test_invalid_rows_are_reported_with_their_index_in_the_file(hr) -> None:
    rows = [person("A"), person("B", "NOBODY"), person("C", "A")]
    counts, errors = people_rows_check(organization=hr.organization, actor=hr, rows=rows)
    assert [e["index"] for e in errors] == [1]
    assert counts.created == 0
    assert not Employee.objects.filter(organization=hr.organization, external_id="A").exists()
