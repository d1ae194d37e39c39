"""The O*NET import service: mapping rules, idempotence, validation, audit and query count."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement
from competencies.onet.services import (
    DEFAULT_DIR,
    RATINGS_FILE,
    behaviours_for,
    importance_from_im,
    level_from_lv,
    level_mapping_table,
    load_library,
    onet_import,
    onet_occupation_search,
    onet_occupations,
    soc_family,
)
from mentorship.models import AuditEntry
from tests.factories import CompetencyFactory, OrganizationFactory

PROGRAMMERS = "15-1251.00"
HR_SPECIALISTS = "13-1071.00"
TEN_OCCUPATIONS = [
    "15-1251.00",
    "15-1253.00",
    "15-1254.00",
    "15-2051.01",
    "41-4012.00",
    "13-1071.00",
    "13-2011.00",
    "43-4051.00",
    "11-2021.00",
    "15-1299.09",
]


def _rows(code: str) -> list[list[str]]:
    lines = (DEFAULT_DIR / RATINGS_FILE).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.startswith(code)]


def _copy_dataset(tmp_path: Path) -> Path:
    """A small copy of the data: all skills and anchors, two occupations' ratings."""
    for name in ("onet_29_3_skill_elements.tsv", "onet_29_3_skill_level_anchors.tsv"):
        (tmp_path / name).write_text((DEFAULT_DIR / name).read_text(encoding="utf-8"))
    occupations = (DEFAULT_DIR / "occupation_data.tsv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "occupation_data.tsv").write_text(
        "\n".join(
            line for line in occupations if line[:10] in ("O*NET-SOC ", PROGRAMMERS, HR_SPECIALISTS)
        )
        + "\n"
    )
    ratings = (DEFAULT_DIR / RATINGS_FILE).read_text(encoding="utf-8").splitlines()
    (tmp_path / RATINGS_FILE).write_text(
        "\n".join([ratings[0], *("\t".join(r) for r in _rows(PROGRAMMERS) + _rows(HR_SPECIALISTS))])
        + "\n"
    )
    return tmp_path


def _replace_line(path: Path, line: int, transform) -> None:  # type: ignore[no-untyped-def]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] = transform(lines[line - 1])
    path.write_text("\n".join(lines), encoding="utf-8")


def _nothing_imported(org) -> bool:  # type: ignore[no-untyped-def]
    return not (
        Competency.objects.filter(organization=org).exists()
        or Role.objects.filter(organization=org).exists()
        or AuditEntry.objects.filter(organization=org).exists()
    )


# --- Mapping rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lv", "level"),
    [
        ("0", 0),
        ("0.69", 0),
        ("0.70", 1),
        ("2.09", 1),
        ("2.10", 2),
        ("3.49", 2),
        ("3.50", 3),
        ("4.89", 3),
        ("4.90", 4),
        ("6.29", 4),
        ("6.30", 5),
        ("7", 5),
    ],
)
def test_level_mapping_on_the_default_scale(lv: str, level: int) -> None:
    assert level_from_lv(Decimal(lv), lo=0, hi=5) == level


@pytest.mark.parametrize(("lo", "hi"), [(0, 5), (1, 5), (0, 3), (0, 10), (1, 4)])
def test_level_mapping_is_monotone_and_covers_the_scale(lo: int, hi: int) -> None:
    levels = [level_from_lv(Decimal(h) / 100, lo=lo, hi=hi) for h in range(0, 701)]
    assert levels == sorted(levels)
    assert levels[0] == lo and levels[-1] == hi
    assert set(levels) == set(range(lo, hi + 1))


def test_mapping_table_states_the_documented_ranges() -> None:
    table = [(str(a), str(b), lvl) for a, b, lvl in level_mapping_table(lo=0, hi=5)]
    assert table == [
        ("0.00", "0.69", 0),
        ("0.70", "2.09", 1),
        ("2.10", "3.49", 2),
        ("3.50", "4.89", 3),
        ("4.90", "6.29", 4),
        ("6.30", "7.00", 5),
    ]


def test_anchors_map_like_levels_and_the_higher_anchor_wins_a_shared_level() -> None:
    anchors = [(Decimal(2), "two"), (Decimal(4), "four"), (Decimal(6), "six")]
    assert behaviours_for(anchors, lo=0, hi=5) == {1: "two", 3: "four", 4: "six"}
    # On 0-2, LV 2 and LV 4 both land on level 1: LV 4's text is kept.
    assert behaviours_for(anchors, lo=0, hi=2) == {1: "four", 2: "six"}


@pytest.mark.parametrize(
    ("im", "importance"), [("1.00", 1), ("1.49", 1), ("1.50", 2), ("3.62", 4), ("5.00", 5)]
)
def test_importance_is_rounded_half_up(im: str, importance: int) -> None:
    assert importance_from_im(Decimal(im)) == importance


def test_family_comes_from_the_soc_major_group() -> None:
    assert soc_family("15-1252.00") == "Computer and Mathematical"
    assert soc_family("41-4012.00") == "Sales and Related"


# --- Reading the library ------------------------------------------------------------------------


def test_occupations_list_only_rated_occupations_and_is_cached() -> None:
    occupations = onet_occupations()
    assert len(occupations) == 879
    assert (PROGRAMMERS, "Computer Programmers") in occupations
    assert "15-1252.00" not in dict(occupations)  # in occupation_data.tsv but never rated
    assert load_library() is load_library()


def test_search_matches_every_word_of_the_title_or_a_code_prefix() -> None:
    titles = [title for _, title in onet_occupation_search("software quality")]
    assert titles == ["Software Quality Assurance Analysts and Testers"]
    assert all(code.startswith("15-12") for code, _ in onet_occupation_search("15-12"))
    assert onet_occupation_search("   ") == []


# --- Importing ----------------------------------------------------------------------------------


def test_import_creates_competencies_behaviours_roles_and_requirements(org, hr) -> None:
    result = onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])

    assert (result.competencies.created, result.behaviours.created, result.roles.created) == (
        35,
        105,
        1,
    )
    programming = Competency.objects.get(organization=org, code="2.B.3.e")
    assert (programming.name, programming.category) == ("Programming", "Technical Skills")
    assert Competency.objects.get(organization=org, code="2.A.1.a").category == "Basic Skills"
    assert set(
        LevelBehaviour.objects.filter(competency=programming).values_list("level", flat=True)
    ) == {1, 3, 4}

    role = Role.objects.get(organization=org, code=PROGRAMMERS)
    assert (role.name, role.family) == ("Computer Programmers", "Computer and Mathematical")
    assert role.description.startswith("Create, modify, and test")
    assert result.imported_roles == [role]

    requirement = RoleRequirement.objects.get(role=role, competency=programming)
    row = next(r for r in _rows(PROGRAMMERS) if r[2] == "2.B.3.e")
    assert requirement.source_level == Decimal(row[5])
    assert requirement.source_importance == Decimal(row[4])
    assert requirement.required_level == level_from_lv(Decimal(row[5]), lo=0, hi=5)
    assert requirement.importance == importance_from_im(Decimal(row[4]))


def test_not_relevant_skills_and_level_zero_are_not_requirements(org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    rows = _rows(PROGRAMMERS)
    expected = {r[2] for r in rows if r[10] == "N" and level_from_lv(Decimal(r[5]), lo=0, hi=5) > 0}
    imported = set(
        RoleRequirement.objects.filter(organization=org).values_list("competency__code", flat=True)
    )
    assert imported == expected
    assert any(r[10] == "Y" for r in rows)  # the data does exercise the rule
    assert RoleRequirement.objects.filter(organization=org, required_level=0).count() == 0


def test_importing_twice_changes_nothing_and_writes_no_audit(org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS, HR_SPECIALISTS])
    audits = AuditEntry.objects.filter(organization=org).count()
    requirements = RoleRequirement.objects.filter(organization=org).count()

    again = onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS, HR_SPECIALISTS])

    assert not again.changed
    assert again.competencies.unchanged == 35 and again.behaviours.unchanged == 105
    assert again.roles.unchanged == 2 and again.requirements.unchanged == requirements
    assert AuditEntry.objects.filter(organization=org).count() == audits
    assert Competency.objects.filter(organization=org).count() == 35


def test_audit_has_one_summary_entry_per_created_competency_and_role(org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    entries = AuditEntry.objects.filter(organization=org)
    assert entries.filter(subject_type="competency", action="create").count() == 35
    role = Role.objects.get(organization=org, code=PROGRAMMERS)
    entry = entries.get(subject_type="role", subject_id=role.pk)
    assert entry.actor == hr
    assert "Computer Programmers" in entry.summary and "O*NET" in entry.summary


def test_reimport_restores_changed_rows_and_audits_what_changed(org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    writing = Competency.objects.get(organization=org, code="2.A.1.c")
    writing.description = "Edited by hand"
    writing.save(update_fields=["description"])
    requirement = RoleRequirement.objects.filter(organization=org).first()
    assert requirement is not None
    requirement.importance = 1 if requirement.importance != 1 else 2
    requirement.save(update_fields=["importance"])
    AuditEntry.objects.filter(organization=org).delete()

    result = onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])

    assert (result.competencies.updated, result.requirements.updated) == (1, 1)
    writing.refresh_from_db()
    assert writing.description.startswith("Communicating effectively")
    entries = AuditEntry.objects.filter(organization=org)
    assert entries.count() == 2
    competency_entry = entries.get(subject_type="competency")
    assert competency_entry.changes["description"][0] == "Edited by hand"
    role_entry = entries.get(subject_type="role")
    assert requirement.competency.name in role_entry.changes["requirements"]


def test_a_hand_made_competency_of_the_same_name_is_adopted(org, hr) -> None:
    mine = CompetencyFactory(organization=org, name="Critical Thinking", code="")
    result = onet_import(organization=org, actor=hr, occupation_codes=[])
    mine.refresh_from_db()
    assert mine.code == "2.A.2.a"
    assert (result.competencies.created, result.competencies.updated) == (34, 1)
    assert Competency.objects.filter(organization=org).count() == 35


def test_requirements_follow_the_organisations_scale(hr) -> None:
    narrow = OrganizationFactory(scale=False)
    ProficiencyLevel.objects.bulk_create(
        ProficiencyLevel(organization=narrow, level=lv, name=f"L{lv}") for lv in (1, 2, 3, 4)
    )
    onet_import(organization=narrow, actor=None, occupation_codes=[PROGRAMMERS])
    levels = set(
        RoleRequirement.objects.filter(organization=narrow).values_list("required_level", flat=True)
    )
    assert levels and levels <= {2, 3, 4}  # level 1 is the bottom of this scale: skipped


def test_archived_competencies_get_no_new_requirements(org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[])
    programming = Competency.objects.get(organization=org, code="2.B.3.e")
    programming.archived_at = programming.created_at
    programming.save(update_fields=["archived_at"])
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    assert not RoleRequirement.objects.filter(organization=org, competency=programming).exists()


def test_import_stays_inside_its_organisation(org, other_org, hr) -> None:
    onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    result = onet_import(organization=other_org, actor=None, occupation_codes=[PROGRAMMERS])
    assert result.competencies.created == 35 and result.roles.created == 1
    assert Competency.objects.filter(organization=org).count() == 35
    assert not AuditEntry.objects.filter(organization=org, actor=None).exists()


def test_ten_occupations_import_in_a_constant_number_of_queries(
    org, hr, django_assert_max_num_queries
) -> None:
    load_library()  # parsing is cached per process; the count is about the database
    with django_assert_max_num_queries(20):
        result = onet_import(organization=org, actor=hr, occupation_codes=TEN_OCCUPATIONS)
    assert result.roles.created == 10 and result.requirements.created > 200
    with django_assert_max_num_queries(12):
        onet_import(organization=org, actor=hr, occupation_codes=TEN_OCCUPATIONS)


# --- Bad input ----------------------------------------------------------------------------------


def test_unknown_occupation_code_is_named_and_nothing_is_imported(org, hr) -> None:
    with pytest.raises(ValidationError) as exc:
        onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS, "99-9999.99"])
    assert "99-9999.99" in str(exc.value.message_dict["occupation_codes"])
    assert _nothing_imported(org)


def test_an_occupation_without_ratings_is_explained(org, hr) -> None:
    with pytest.raises(ValidationError) as exc:
        onet_import(organization=org, actor=hr, occupation_codes=["15-1252.00"])
    message = exc.value.message_dict["occupation_codes"][0]
    assert "15-1252.00 (Software Developers) has no skill ratings" in message
    assert _nothing_imported(org)


def test_a_small_valid_dataset_imports(org, hr, tmp_path) -> None:
    data = _copy_dataset(tmp_path)
    result = onet_import(
        organization=org, actor=hr, occupation_codes=[HR_SPECIALISTS], data_dir=data
    )
    assert result.roles.created == 1


def test_a_bad_number_is_reported_with_file_and_line(org, hr, tmp_path) -> None:
    data = _copy_dataset(tmp_path)

    def bad_lv(line: str) -> str:
        cells = line.split("\t")
        cells[5] = "high"
        return "\t".join(cells)

    _replace_line(data / RATINGS_FILE, 5, bad_lv)
    with pytest.raises(ValidationError) as exc:
        onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS], data_dir=data)
    assert exc.value.message_dict["file"] == [
        f"{RATINGS_FILE}, line 5: 'LV Data Value' must be a number, found 'high'."
    ]
    assert _nothing_imported(org)


def test_a_value_out_of_range_is_reported(org, hr, tmp_path) -> None:
    data = _copy_dataset(tmp_path)

    def high_im(line: str) -> str:
        cells = line.split("\t")
        cells[4] = "9.00"
        return "\t".join(cells)

    _replace_line(data / RATINGS_FILE, 3, high_im)
    with pytest.raises(ValidationError, match=r"line 3: 'IM Data Value' must be between 1 and 5"):
        onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS], data_dir=data)
    assert _nothing_imported(org)


def test_a_missing_column_is_reported(org, hr, tmp_path) -> None:
    data = _copy_dataset(tmp_path)
    _replace_line(
        data / "onet_29_3_skill_elements.tsv", 1, lambda line: line.replace("Category Name", "Kind")
    )
    with pytest.raises(ValidationError) as exc:
        onet_import(organization=org, actor=hr, occupation_codes=[], data_dir=data)
    assert exc.value.message_dict["file"] == [
        "onet_29_3_skill_elements.tsv, line 1: missing column 'Category Name'."
    ]
    assert _nothing_imported(org)


def test_a_short_row_and_a_missing_file_are_reported(org, hr, tmp_path) -> None:
    data = _copy_dataset(tmp_path)
    _replace_line(data / "onet_29_3_skill_level_anchors.tsv", 7, lambda line: line.split("\t")[0])
    with pytest.raises(ValidationError, match=r"anchors.tsv, line 7: expected 6 tab-separated"):
        onet_import(organization=org, actor=hr, occupation_codes=[], data_dir=data)
    (data / "occupation_data.tsv").unlink()
    with pytest.raises(ValidationError, match=r"occupation_data\.tsv: file not found"):
        onet_import(organization=org, actor=hr, occupation_codes=[], data_dir=data)
    assert _nothing_imported(org)


def test_a_failure_after_writes_began_rolls_everything_back(org, hr, tmp_path) -> None:
    # A hand-made role holds the title under another code: the role step fails after the
    # competencies were written, and the transaction takes those back too.
    Role.objects.create(organization=org, name="Computer Programmers", code="X-1")
    with pytest.raises(ValidationError, match="already exists with code X-1"):
        onet_import(organization=org, actor=hr, occupation_codes=[PROGRAMMERS])
    assert not Competency.objects.filter(organization=org).exists()
    assert not AuditEntry.objects.filter(organization=org).exists()
