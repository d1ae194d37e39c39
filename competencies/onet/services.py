"""Import the O*NET® 29.3 skills library into an organisation's competency model.

What becomes what:
- each of the 35 O*NET skills → a Competency (code = O*NET Element ID), with LevelBehaviour rows
  from its Level anchors (O*NET gives anchors at LV 2, 4 and 6);
- each chosen occupation → a Role (code = O*NET-SOC code, family = the SOC major group), with one
  RoleRequirement per relevant skill (rows flagged `LV Not Relevant = Y` are skipped).

Categories: the ten Basic Skills keep that category; the 25 Cross-Functional Skills take their group
(Social Skills, Complex Problem Solving Skills, Technical Skills, Systems Skills, Resource Management
Skills), because one category holding 25 of 35 skills would not help anyone find a skill.

Level mapping. O*NET rates Level (LV) on 0-7; the organisation's scale runs lo..hi (default 0-5):

    level = lo + round_half_up(LV / 7 × (hi − lo))

The rule is monotone (a higher LV never gives a lower level) and maps LV 0 → lo and LV 7 → hi. On the
default 0-5 scale:

    LV 0.00-0.69 → 0 · 0.70-2.09 → 1 · 2.10-3.49 → 2 · 3.50-4.89 → 3 · 4.90-6.29 → 4 · 6.30-7.00 → 5

Anchors map the same way (on 0-5: LV 2 → 1, LV 4 → 3, LV 6 → 4); when two anchors land on the same
level (small scales) the higher anchor's text is kept. A requirement that maps to the lowest level of
the scale is skipped: everyone starts there, so it requires nothing. Importance is IM (1-5) rounded
half up and clamped to 1-5. The original LV and IM are kept in source_level / source_importance.

Importing is idempotent: existing competencies and roles are matched by code (or, for items created
by hand before the first import, by name) and only updated where they differ from O*NET; a second
import of the same data changes nothing and writes no audit entries. Everything runs in one
transaction, and every file is checked before anything is written: a malformed file is reported with
its name and line number, and nothing is imported.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from competencies.models import Competency, LevelBehaviour, Role, RoleRequirement
from competencies.selectors import scale_bounds
from mentorship.models import AuditEntry, Employee, Organization

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "onet"
SOURCE = "O*NET 29.3"

SKILLS_FILE = "onet_29_3_skill_elements.tsv"
ANCHORS_FILE = "onet_29_3_skill_level_anchors.tsv"
RATINGS_FILE = "onet_29_3_skills_im_lv.tsv"
OCCUPATIONS_FILE = "occupation_data.tsv"

LV_MAX = Decimal(7)
IM_MIN, IM_MAX = Decimal(1), Decimal(5)
CENT = Decimal("0.01")

# SOC 2018 major groups: the first two digits of an O*NET-SOC code.
SOC_MAJOR_GROUPS: dict[str, str] = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "19": "Life, Physical, and Social Science",
    "21": "Community and Social Service",
    "23": "Legal",
    "25": "Educational Instruction and Library",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "29": "Healthcare Practitioners and Technical",
    "31": "Healthcare Support",
    "33": "Protective Service",
    "35": "Food Preparation and Serving Related",
    "37": "Building and Grounds Cleaning and Maintenance",
    "39": "Personal Care and Service",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
    "45": "Farming, Fishing, and Forestry",
    "47": "Construction and Extraction",
    "49": "Installation, Maintenance, and Repair",
    "51": "Production",
    "53": "Transportation and Material Moving",
    "55": "Military Specific",
}


# --- The data files ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Skill:
    code: str
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class Rating:
    skill_code: str
    importance: Decimal
    level: Decimal
    not_relevant: bool


@dataclass(frozen=True)
class Occupation:
    code: str
    title: str
    description: str
    ratings: tuple[Rating, ...]

    @property
    def family(self) -> str:
        return soc_family(self.code)


@dataclass(frozen=True)
class Library:
    skills: tuple[Skill, ...]
    anchors: dict[str, tuple[tuple[Decimal, str], ...]]
    occupations: dict[str, Occupation]  # only occupations with skill ratings
    titles: dict[str, str]  # every occupation in occupation_data.tsv


def soc_family(code: str) -> str:
    """The SOC major group name of an O*NET-SOC code ("15-1252.00" → "Computer and Mathematical")."""
    return SOC_MAJOR_GROUPS.get(code[:2], "")


def _file_error(path: Path, line: int | None, message: str) -> ValidationError:
    where = f"{path.name}, line {line}" if line is not None else path.name
    return ValidationError({"file": f"{where}: {message}"})


def _read_tsv(path: Path, columns: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for each data row; the header is line 1."""
    if not path.is_file():
        raise _file_error(path, None, "file not found.")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            header = next(reader, None)
            if not header:
                raise _file_error(path, 1, "the file is empty (a header row is expected).")
            missing = [c for c in columns if c not in header]
            if missing:
                names = ", ".join(f"'{c}'" for c in missing)
                raise _file_error(path, 1, f"missing column {names}.")
            for line, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise _file_error(
                        path,
                        line,
                        f"expected {len(header)} tab-separated fields, found {len(row)}.",
                    )
                yield line, dict(zip(header, row, strict=True))
    except UnicodeDecodeError as exc:
        raise _file_error(path, None, "not UTF-8 text.") from exc


def _number(
    path: Path, line: int, row: dict[str, str], column: str, lo: Decimal, hi: Decimal
) -> Decimal:
    raw = row[column].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _file_error(path, line, f"'{column}' must be a number, found '{raw}'.")
    if not lo <= value <= hi:
        raise _file_error(path, line, f"'{column}' must be between {lo} and {hi}, found {raw}.")
    return value


def _text(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row[column].strip()
    if not value:
        raise _file_error(path, line, f"'{column}' is empty.")
    return value


def _flag(path: Path, line: int, row: dict[str, str], column: str) -> bool:
    value = row[column].strip().upper()
    if value not in ("Y", "N"):
        raise _file_error(path, line, f"'{column}' must be Y or N, found '{row[column]}'.")
    return value == "Y"


def _category(row: dict[str, str]) -> str:
    if row["Category Name"].strip() == "Basic Skills":
        return "Basic Skills"
    return row["Group Name"].strip() or row["Category Name"].strip()


def _parse_skills(data_dir: Path) -> tuple[Skill, ...]:
    path = data_dir / SKILLS_FILE
    columns = ("Element ID", "Element Name", "Description", "Group Name", "Category Name")
    skills: dict[str, Skill] = {}
    for line, row in _read_tsv(path, columns):
        code = _text(path, line, row, "Element ID")
        if code in skills:
            raise _file_error(path, line, f"skill {code} appears twice.")
        skills[code] = Skill(
            code=code,
            name=_text(path, line, row, "Element Name"),
            category=_category(row),
            description=row["Description"].strip(),
        )
    if not skills:
        raise _file_error(path, None, "no skills found.")
    return tuple(skills.values())


def _parse_anchors(
    data_dir: Path, skill_codes: set[str]
) -> dict[str, tuple[tuple[Decimal, str], ...]]:
    path = data_dir / ANCHORS_FILE
    columns = ("Element ID", "Scale ID", "Anchor Value", "Anchor Description")
    anchors: dict[str, list[tuple[Decimal, str]]] = {}
    for line, row in _read_tsv(path, columns):
        if row["Scale ID"].strip() != "LV":
            continue
        code = _text(path, line, row, "Element ID")
        if code not in skill_codes:
            raise _file_error(path, line, f"unknown skill {code}.")
        value = _number(path, line, row, "Anchor Value", Decimal(0), LV_MAX)
        anchors.setdefault(code, []).append((value, _text(path, line, row, "Anchor Description")))
    return {code: tuple(sorted(items)) for code, items in anchors.items()}


def _parse_titles(data_dir: Path) -> dict[str, tuple[str, str]]:
    path = data_dir / OCCUPATIONS_FILE
    titles: dict[str, tuple[str, str]] = {}
    for line, row in _read_tsv(path, ("O*NET-SOC Code", "Title", "Description")):
        code = _text(path, line, row, "O*NET-SOC Code")
        titles[code] = (_text(path, line, row, "Title"), row["Description"].strip())
    return titles


def _parse_ratings(data_dir: Path, skill_codes: set[str]) -> dict[str, tuple[str, list[Rating]]]:
    path = data_dir / RATINGS_FILE
    columns = (
        "O*NET-SOC Code",
        "Title",
        "Element ID",
        "IM Data Value",
        "LV Data Value",
        "LV Not Relevant",
    )
    by_code: dict[str, tuple[str, list[Rating]]] = {}
    seen: set[tuple[str, str]] = set()
    for line, row in _read_tsv(path, columns):
        code = _text(path, line, row, "O*NET-SOC Code")
        skill = _text(path, line, row, "Element ID")
        if skill not in skill_codes:
            raise _file_error(path, line, f"unknown skill {skill}.")
        if (code, skill) in seen:
            raise _file_error(path, line, f"{code} rates skill {skill} twice.")
        seen.add((code, skill))
        rating = Rating(
            skill_code=skill,
            importance=_number(path, line, row, "IM Data Value", IM_MIN, IM_MAX),
            level=_number(path, line, row, "LV Data Value", Decimal(0), LV_MAX),
            not_relevant=_flag(path, line, row, "LV Not Relevant"),
        )
        by_code.setdefault(code, (row["Title"].strip(), []))[1].append(rating)
    return by_code


@functools.lru_cache(maxsize=4)
def _load_library(data_dir: str, signature: tuple[tuple[str, int, int], ...]) -> Library:
    # `signature` (name, mtime, size per file) makes a changed file a cache miss.
    directory = Path(data_dir)
    skills = _parse_skills(directory)
    skill_codes = {s.code for s in skills}
    anchors = _parse_anchors(directory, skill_codes)
    titles = _parse_titles(directory)
    occupations: dict[str, Occupation] = {}
    for code, (rated_title, ratings) in _parse_ratings(directory, skill_codes).items():
        title, description = titles.get(code, (rated_title, ""))
        occupations[code] = Occupation(
            code=code, title=title, description=description, ratings=tuple(ratings)
        )
    return Library(
        skills=skills,
        anchors=anchors,
        occupations=occupations,
        titles={code: title for code, (title, _) in titles.items()},
    )


def load_library(data_dir: Path = DEFAULT_DIR) -> Library:
    """Parse and check the O*NET files (cached per process until a file changes)."""
    signature = []
    for name in (SKILLS_FILE, ANCHORS_FILE, RATINGS_FILE, OCCUPATIONS_FILE):
        path = data_dir / name
        if not path.is_file():
            raise _file_error(path, None, "file not found.")
        stat = path.stat()
        signature.append((name, stat.st_mtime_ns, stat.st_size))
    return _load_library(str(data_dir.resolve()), tuple(signature))


def onet_occupations(data_dir: Path = DEFAULT_DIR) -> list[tuple[str, str]]:
    """(code, title) of every occupation that has skill ratings, by code."""
    library = load_library(data_dir)
    return sorted((o.code, o.title) for o in library.occupations.values())


def onet_occupation_search(
    query: str, *, data_dir: Path = DEFAULT_DIR, limit: int = 25
) -> list[tuple[str, str]]:
    """Occupations whose title contains every word of the query, or whose code starts with it."""
    words = query.lower().split()
    if not words:
        return []
    matches = [
        (code, title)
        for code, title in onet_occupations(data_dir)
        if code.startswith(query.strip()) or all(w in title.lower() for w in words)
    ]
    # Titles that start with the query first ("Sales" → Sales Managers before Insurance Sales...).
    matches.sort(key=lambda item: (not item[1].lower().startswith(words[0]), item[1]))
    return matches[:limit]


# --- The level mapping -------------------------------------------------------------------------


def level_from_lv(lv: Decimal, *, lo: int, hi: int) -> int:
    """Map an O*NET Level (0-7) onto the scale lo..hi (see the module docstring)."""
    scaled = lv / LV_MAX * (hi - lo)
    return lo + int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def importance_from_im(im: Decimal) -> int:
    return max(1, min(5, int(im.quantize(Decimal(1), rounding=ROUND_HALF_UP))))


def level_mapping_table(*, lo: int, hi: int) -> list[tuple[Decimal, Decimal, int]]:
    """(LV from, LV to, level) for each level of the scale, LV in hundredths as O*NET gives it."""
    rows: dict[int, tuple[Decimal, Decimal]] = {}
    for hundredths in range(0, 701):
        lv = Decimal(hundredths) / 100
        level = level_from_lv(lv, lo=lo, hi=hi)
        first = rows.get(level, (lv, lv))[0]
        rows[level] = (first, lv)
    return [(first.quantize(CENT), last.quantize(CENT), lvl) for lvl, (first, last) in rows.items()]


def behaviours_for(anchors: Iterable[tuple[Decimal, str]], *, lo: int, hi: int) -> dict[int, str]:
    """{level: text} from a skill's anchors; the higher anchor wins when two share a level."""
    result: dict[int, str] = {}
    for lv, text in sorted(anchors):
        result[level_from_lv(lv, lo=lo, hi=hi)] = text
    return result


# --- The import --------------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class ImportResult:
    competencies: Counts = field(default_factory=Counts)
    behaviours: Counts = field(default_factory=Counts)
    roles: Counts = field(default_factory=Counts)
    requirements: Counts = field(default_factory=Counts)
    imported_roles: list[Role] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            c.created or c.updated
            for c in (self.competencies, self.behaviours, self.roles, self.requirements)
        )

    def lines(self) -> list[str]:
        return [
            f"Competencies: {self.competencies}",
            f"Behaviours:   {self.behaviours}",
            f"Roles:        {self.roles}",
            f"Requirements: {self.requirements}",
        ]


@dataclass
class _Audit:
    """Changes collected per subject, written as one audit entry each at the end."""

    created: bool = False
    changes: dict[str, Any] = field(default_factory=dict)


def normalise_codes(codes: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for code in codes:
        if code.strip():
            seen.setdefault(code.strip(), None)
    return list(seen)


def _check_codes(library: Library, codes: list[str]) -> list[Occupation]:
    problems = []
    for code in codes:
        if code in library.occupations:
            continue
        if code in library.titles:
            problems.append(
                f"{code} ({library.titles[code]}) has no skill ratings in {SOURCE}, "
                "so it cannot be imported as a role; choose a related rated occupation."
            )
        else:
            problems.append(f"Unknown O*NET-SOC code: {code}.")
    if problems:
        raise ValidationError({"occupation_codes": problems})
    return [library.occupations[code] for code in codes]


def _diff(obj: Any, wanted: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [getattr(obj, name), value]
        for name, value in wanted.items()
        if getattr(obj, name) != value
    }


def _jsonable(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _match(existing: Iterable[Any], code: str, name: str, kind: str) -> Any | None:
    """The existing row for this code, else a hand-made row of the same name without a code."""
    rows = list(existing)
    for row in rows:
        if row.code == code:
            return row
    for row in rows:
        if row.name == name:
            if row.code:
                key = "occupation_codes" if kind == "role" else "competencies"
                message = (
                    f"A {kind} named '{name}' already exists with code {row.code}; "
                    f"rename it before importing {code}."
                )
                raise ValidationError({key: message})
            return row
    return None


def _import_competencies(
    organization: Organization, library: Library, result: ImportResult, audits: dict[Any, _Audit]
) -> dict[str, Competency]:
    codes = [s.code for s in library.skills]
    names = [s.name for s in library.skills]
    existing = list(
        Competency.objects.filter(organization=organization).filter(
            Q(code__in=codes) | Q(name__in=names)
        )
    )
    by_code: dict[str, Competency] = {}
    new: list[Competency] = []
    changed: list[Competency] = []
    fields = ["name", "category", "description", "code"]
    for skill in library.skills:
        wanted = {
            "name": skill.name,
            "category": skill.category,
            "description": skill.description,
            "code": skill.code,
        }
        competency = _match(existing, skill.code, skill.name, "competency")
        if competency is None:
            competency = Competency(organization=organization, **wanted)
            new.append(competency)
        else:
            diff = _diff(competency, wanted)
            if diff:
                for name, (_, value) in diff.items():
                    setattr(competency, name, value)
                changed.append(competency)
                audits[("competency", skill.code)] = _Audit(changes=dict(diff))
                result.competencies.updated += 1
            else:
                result.competencies.unchanged += 1
        by_code[skill.code] = competency
    Competency.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for competency in changed:
            competency.updated_at = now
        Competency.objects.bulk_update(changed, [*fields, "updated_at"])
    for competency in new:
        audits[("competency", competency.code)] = _Audit(created=True)
    result.competencies.created += len(new)
    return by_code


def _import_behaviours(
    organization: Organization,
    library: Library,
    competencies: dict[str, Competency],
    lo: int,
    hi: int,
    result: ImportResult,
    audits: dict[Any, _Audit],
) -> None:
    existing = {
        (b.competency_id, b.level): b
        for b in LevelBehaviour.objects.filter(
            organization=organization, competency__in=[c.pk for c in competencies.values()]
        )
    }
    new: list[LevelBehaviour] = []
    changed: list[LevelBehaviour] = []
    for code, competency in competencies.items():
        for level, text in behaviours_for(library.anchors.get(code, ()), lo=lo, hi=hi).items():
            behaviour = existing.get((competency.pk, level))
            before: str | None = None
            if behaviour is None:
                new.append(
                    LevelBehaviour(
                        organization=organization,
                        competency=competency,
                        level=level,
                        description=text,
                    )
                )
            elif behaviour.description != text:
                before, behaviour.description = behaviour.description, text
                changed.append(behaviour)
            else:
                result.behaviours.unchanged += 1
                continue
            audit = audits.setdefault(("competency", code), _Audit())
            if not audit.created:
                audit.changes.setdefault("behaviours", {})[str(level)] = [before, text]
    LevelBehaviour.objects.bulk_create(new)
    if changed:
        LevelBehaviour.objects.bulk_update(changed, ["description"])
    result.behaviours.created += len(new)
    result.behaviours.updated += len(changed)


def _import_roles(
    organization: Organization,
    occupations: list[Occupation],
    result: ImportResult,
    audits: dict[Any, _Audit],
) -> dict[str, Role]:
    existing = list(
        Role.objects.filter(organization=organization).filter(
            Q(code__in=[o.code for o in occupations]) | Q(name__in=[o.title for o in occupations])
        )
    )
    by_code: dict[str, Role] = {}
    new: list[Role] = []
    changed: list[Role] = []
    for occupation in occupations:
        wanted = {
            "name": occupation.title,
            "code": occupation.code,
            "family": occupation.family,
            "description": occupation.description,
        }
        role = _match(existing, occupation.code, occupation.title, "role")
        if role is None:
            role = Role(organization=organization, **wanted)
            new.append(role)
        else:
            diff = _diff(role, wanted)
            if diff:
                for name, (_, value) in diff.items():
                    setattr(role, name, value)
                changed.append(role)
                audits[("role", occupation.code)] = _Audit(changes=dict(diff))
                result.roles.updated += 1
            else:
                result.roles.unchanged += 1
        by_code[occupation.code] = role
    Role.objects.bulk_create(new)
    if changed:
        now = timezone.now()
        for role in changed:
            role.updated_at = now
        Role.objects.bulk_update(changed, ["name", "code", "family", "description", "updated_at"])
    for role in new:
        audits[("role", role.code)] = _Audit(created=True)
    result.roles.created += len(new)
    result.imported_roles = [by_code[o.code] for o in occupations]
    return by_code


def _import_requirements(
    organization: Organization,
    occupations: list[Occupation],
    roles: dict[str, Role],
    competencies: dict[str, Competency],
    lo: int,
    hi: int,
    result: ImportResult,
    audits: dict[Any, _Audit],
) -> None:
    existing = {
        (r.role_id, r.competency_id): r
        for r in RoleRequirement.objects.filter(
            organization=organization, role__in=[r.pk for r in roles.values()]
        )
    }
    new: list[RoleRequirement] = []
    changed: list[RoleRequirement] = []
    for occupation in occupations:
        role = roles[occupation.code]
        for rating in occupation.ratings:
            competency = competencies[rating.skill_code]
            level = level_from_lv(rating.level, lo=lo, hi=hi)
            if rating.not_relevant or level <= lo or competency.is_archived:
                continue
            wanted = {
                "required_level": level,
                "importance": importance_from_im(rating.importance),
                "source_level": rating.level.quantize(CENT),
                "source_importance": rating.importance.quantize(CENT),
            }
            requirement = existing.get((role.pk, competency.pk))
            if requirement is None:
                new.append(
                    RoleRequirement(
                        organization=organization, role=role, competency=competency, **wanted
                    )
                )
                diff = {name: [None, value] for name, value in wanted.items()}
            else:
                diff = _diff(requirement, wanted)
                if not diff:
                    result.requirements.unchanged += 1
                    continue
                for name, (_, value) in diff.items():
                    setattr(requirement, name, value)
                changed.append(requirement)
            audit = audits.setdefault(("role", occupation.code), _Audit())
            if not audit.created:
                audit.changes.setdefault("requirements", {})[competency.name] = {
                    name: [_jsonable(old), _jsonable(value)] for name, (old, value) in diff.items()
                }
    RoleRequirement.objects.bulk_create(new)
    if changed:
        RoleRequirement.objects.bulk_update(
            changed, ["required_level", "importance", "source_level", "source_importance"]
        )
    result.requirements.created += len(new)
    result.requirements.updated += len(changed)


def _audit_summary(kind: str, name: str, audit: _Audit) -> str:
    if audit.created:
        return f"Imported {kind} '{name}' from {SOURCE}"
    parts = [k for k in audit.changes if k not in ("behaviours", "requirements")]
    if "behaviours" in audit.changes:
        parts.append(f"{len(audit.changes['behaviours'])} behaviour(s)")
    if "requirements" in audit.changes:
        parts.append(f"{len(audit.changes['requirements'])} requirement(s)")
    return f"Updated {kind} '{name}' from {SOURCE}: {', '.join(parts)}"


def _write_audit(
    organization: Organization,
    actor: Employee | None,
    audits: dict[Any, _Audit],
    competencies: dict[str, Competency],
    roles: dict[str, Role],
) -> None:
    # One bulk insert instead of `audit_record` per subject: an import touches dozens of
    # subjects and must stay a constant number of queries. The rows are the ones audit_record
    # would write.
    entries = []
    for (kind, code), audit in audits.items():
        subject: Competency | Role = competencies[code] if kind == "competency" else roles[code]
        changes = {
            name: value if name in ("behaviours", "requirements") else [_jsonable(v) for v in value]
            for name, value in audit.changes.items()
        }
        entries.append(
            AuditEntry(
                organization=organization,
                actor=actor,
                subject_type=kind,
                subject_id=subject.pk,
                action="create" if audit.created else "update",
                summary=_audit_summary(kind, subject.name, audit)[:500],
                changes={"source": SOURCE, **changes},
            )
        )
    AuditEntry.objects.bulk_create(entries)


@transaction.atomic
def onet_import(
    *,
    organization: Organization,
    actor: Employee | None,
    occupation_codes: list[str],
    data_dir: Path = DEFAULT_DIR,
) -> ImportResult:
    """Import the 35 O*NET skills and the chosen occupations (none: the skills only)."""
    library = load_library(data_dir)
    occupations = _check_codes(library, normalise_codes(occupation_codes))
    lo, hi = scale_bounds(organization=organization)
    result = ImportResult()
    audits: dict[Any, _Audit] = {}
    competencies = _import_competencies(organization, library, result, audits)
    _import_behaviours(organization, library, competencies, lo, hi, result, audits)
    roles = _import_roles(organization, occupations, result, audits)
    _import_requirements(organization, occupations, roles, competencies, lo, hi, result, audits)
    _write_audit(organization, actor, audits, competencies, roles)
    return result
