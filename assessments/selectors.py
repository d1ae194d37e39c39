"""Reads: gaps, a person's skill profile and history, the manager's team matrix, request progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count, F, Q, QuerySet

from assessments.models import (
    Assessment,
    AssessmentRequest,
    AssessmentRequestRecipient,
    DevelopmentGoal,
    Rating,
    SkillProfile,
)
from competencies.models import Competency, ProficiencyLevel, Role, RoleRequirement
from mentorship.models import Employee, Organization


@dataclass(frozen=True)
class Gap:
    competency_id: int
    competency_name: str
    category: str
    required_level: int
    effective_level: int | None  # None: never assessed (treated as 0)
    importance: int
    aspiration: bool  # from a target role or a development goal, not the current role
    source: str  # "role", "target role: <name>", "goal"

    @property
    def size(self) -> int:
        return self.required_level - (self.effective_level or 0)

    @property
    def priority(self) -> int:
        return self.size * self.importance


def profiles_by_competency(*, employee: Employee) -> dict[int, SkillProfile]:
    return {
        p.competency_id: p
        for p in SkillProfile.objects.filter(
            organization_id=employee.organization_id, employee=employee
        )
    }


def _requirement_gaps(
    requirements: list[RoleRequirement],
    profiles: dict[int, SkillProfile],
    *,
    aspiration: bool,
    source: str,
) -> list[Gap]:
    gaps = []
    for req in requirements:
        profile = profiles.get(req.competency_id)
        level = profile.effective_level if profile else None
        if req.required_level - (level or 0) > 0:
            gaps.append(
                Gap(
                    competency_id=req.competency_id,
                    competency_name=req.competency.name,
                    category=req.competency.category,
                    required_level=req.required_level,
                    effective_level=level,
                    importance=req.importance,
                    aspiration=aspiration,
                    source=source,
                )
            )
    return gaps


def role_requirements(*, organization: Organization, role_id: int) -> list[RoleRequirement]:
    return list(
        RoleRequirement.objects.filter(
            organization=organization, role_id=role_id, competency__archived_at__isnull=True
        ).select_related("competency")
    )


def gaps_for(
    *, employee: Employee, target_role: Role | None = None, include_goals: bool = True
) -> list[Gap]:
    """A person's gaps, highest priority (gap size × importance) first.

    With `target_role`, only the gaps against that role (a lateral move being explored), flagged as
    aspirations. Otherwise the current role's gaps plus, with `include_goals`, those of their saved
    development goals (target roles and competency goals), also flagged as aspirations.
    """
    org = employee.organization
    profiles = profiles_by_competency(employee=employee)
    if target_role is not None:
        reqs = role_requirements(organization=org, role_id=target_role.pk)
        gaps = _requirement_gaps(
            reqs, profiles, aspiration=True, source=f"target role: {target_role.name}"
        )
        return sorted(gaps, key=lambda g: (-g.priority, g.competency_name))

    gaps = []
    if employee.role_id:
        reqs = role_requirements(organization=org, role_id=employee.role_id)
        gaps += _requirement_gaps(reqs, profiles, aspiration=False, source="role")
    if include_goals:
        seen = {g.competency_id for g in gaps}
        goals = list(
            DevelopmentGoal.objects.filter(organization=org, employee=employee).select_related(
                "target_role", "competency"
            )
        )
        goal_roles = [g.target_role for g in goals if g.target_role_id]
        goal_reqs = list(
            RoleRequirement.objects.filter(
                organization=org,
                role__in=goal_roles,
                competency__archived_at__isnull=True,
            ).select_related("competency", "role")
        )
        for req in goal_reqs:
            if req.competency_id in seen:
                continue
            for gap in _requirement_gaps(
                [req], profiles, aspiration=True, source=f"target role: {req.role.name}"
            ):
                gaps.append(gap)
                seen.add(gap.competency_id)
        for goal in goals:
            if goal.competency_id is None or goal.competency_id in seen:
                continue
            profile = profiles.get(goal.competency_id)
            level = profile.effective_level if profile else None
            if (goal.target_level or 0) - (level or 0) > 0 and goal.competency is not None:
                gaps.append(
                    Gap(
                        competency_id=goal.competency_id,
                        competency_name=goal.competency.name,
                        category=goal.competency.category,
                        required_level=goal.target_level or 0,
                        effective_level=level,
                        importance=3,
                        aspiration=True,
                        source="goal",
                    )
                )
                seen.add(goal.competency_id)
    return sorted(gaps, key=lambda g: (g.aspiration, -g.priority, g.competency_name))


# --- The self / manager assessment form ---------------------------------------------------------


def open_draft(*, subject: Employee, assessor: Employee, kind: str) -> Assessment | None:
    return Assessment.objects.filter(
        organization_id=subject.organization_id,
        subject=subject,
        assessor=assessor,
        kind=kind,
        status=Assessment.Status.DRAFT,
    ).first()


def ratings_of(assessment: Assessment | None) -> dict[int, Rating]:
    if assessment is None:
        return {}
    return {
        r.competency_id: r
        for r in Rating.objects.filter(
            organization_id=assessment.organization_id, assessment=assessment
        )
    }


def latest_submitted_ratings(*, subject: Employee, kind: str) -> dict[int, Rating]:
    """The most recent submitted rating per competency of this kind (e.g. the self ratings that
    the manager sees beside each item)."""
    ratings = (
        Rating.objects.filter(
            organization_id=subject.organization_id,
            assessment__subject=subject,
            assessment__kind=kind,
            assessment__status=Assessment.Status.SUBMITTED,
        )
        .select_related("assessment")
        .order_by("competency_id", "-assessment__submitted_at", "-id")
    )
    latest: dict[int, Rating] = {}
    for r in ratings:
        latest.setdefault(r.competency_id, r)
    return latest


def form_competencies(*, employee: Employee) -> list[Competency]:
    """What a person is rated on: their role's competencies (with behaviours), by category."""
    if employee.role_id is None:
        return []
    return list(
        Competency.objects.filter(
            organization_id=employee.organization_id,
            requirements__role_id=employee.role_id,
            archived_at__isnull=True,
        )
        .prefetch_related("behaviours")
        .order_by("category", "name")
        .distinct()
    )


# --- Profile and history -------------------------------------------------------------------------


def skill_history(*, employee: Employee) -> dict[int, list[dict[str, object]]]:
    """Per competency, every submitted rating over time: [{date, level, kind}] oldest first."""
    rows = (
        Rating.objects.filter(
            organization_id=employee.organization_id,
            assessment__subject=employee,
            assessment__status=Assessment.Status.SUBMITTED,
        )
        .order_by("assessment__submitted_at", "id")
        .values("competency_id", "level", "assessment__kind", "assessment__submitted_at")
    )
    history: dict[int, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        submitted_at = row["assessment__submitted_at"]
        if submitted_at is None:
            continue
        history[row["competency_id"]].append(
            {
                "date": submitted_at.date().isoformat(),
                "level": row["level"],
                "kind": row["assessment__kind"],
            }
        )
    return dict(history)


# --- Manager: team matrix -----------------------------------------------------------------------


@dataclass
class MatrixCell:
    required: int | None
    effective: int | None
    self_level: int | None
    manager_level: int | None
    importance: int
    threshold: int

    @cached_property
    def state(self) -> str:
        """gap / met / strength / unrated / none (not required by the person's role, not rated)."""
        if self.effective is None:
            return "unrated" if self.required is not None else "none"
        if self.required is not None and self.effective < self.required:
            return "gap"
        if self.effective >= self.threshold:
            return "strength"
        return "met" if self.required is not None else "none"

    @cached_property
    def disagreement(self) -> bool:
        return (
            self.self_level is not None
            and self.manager_level is not None
            and abs(self.self_level - self.manager_level) >= 2
        )

    @cached_property
    def label(self) -> str:
        """What the cell shows: effective/required, or the level alone when not required."""
        effective = "–" if self.effective is None else str(self.effective)
        if self.required is not None:
            return f"{effective}/{self.required}"
        return "" if self.effective is None else effective

    @cached_property
    def tooltip(self) -> str:
        """The cell's full story for its title attribute, built here rather than in the template:
        a matrix has thousands of cells and per-cell template logic dominates its cost."""

        def lv(value: int | None) -> str:
            return "–" if value is None else str(value)

        state = "not required" if self.state == "none" else self.state
        required = "" if self.required is None else f", required {self.required}"
        return (
            f"{state}; effective {lv(self.effective)}{required}; "
            f"self {lv(self.self_level)}, manager {lv(self.manager_level)}"
        )

    @property
    def priority(self) -> int:
        if self.required is None:
            return 0
        return max(0, self.required - (self.effective or 0)) * self.importance


@dataclass
class MatrixRow:
    employee: Employee
    cells: list[MatrixCell]
    total_priority: int
    direct: bool
    self_submitted: bool = False


@dataclass
class TeamMatrix:
    competencies: list[Competency]
    rows: list[MatrixRow]
    categories: list[str] = field(default_factory=list)


def subtree_of(*, manager: Employee) -> tuple[list[int], list[int]]:
    """(direct report ids, deeper subtree ids) of a manager, from one query over the org chart."""
    children: dict[int, list[int]] = defaultdict(list)
    for pk, manager_id in Employee.objects.filter(
        organization_id=manager.organization_id, is_active=True, manager__isnull=False
    ).values_list("pk", "manager_id"):
        children[manager_id].append(pk)
    direct = list(children.get(manager.pk, []))
    deeper: list[int] = []
    frontier = list(direct)
    seen = {manager.pk, *direct}
    while frontier:
        nxt = []
        for pk in frontier:
            for child in children.get(pk, []):
                if child not in seen:
                    seen.add(child)
                    nxt.append(child)
        deeper += nxt
        frontier = nxt
    return direct, deeper


def team_matrix(
    *,
    manager: Employee,
    category: str = "",
    include_subtree: bool = False,
    sort: str = "priority",
) -> TeamMatrix:
    """Reports × their roles' competencies, in a fixed number of queries whatever the team size."""
    org = manager.organization
    direct, deeper = subtree_of(manager=manager)
    ids = direct + (deeper if include_subtree else [])
    people = list(
        Employee.objects.filter(organization=org, pk__in=ids).select_related(
            "user", "role", "department"
        )
    )
    role_ids = {p.role_id for p in people if p.role_id}
    reqs = list(
        RoleRequirement.objects.filter(
            organization=org, role_id__in=role_ids, competency__archived_at__isnull=True
        ).select_related("competency")
    )
    all_categories = sorted({r.competency.category for r in reqs})
    if category:
        reqs = [r for r in reqs if r.competency.category == category]
    required: dict[tuple[int, int], RoleRequirement] = {
        (r.role_id, r.competency_id): r for r in reqs
    }
    competencies = sorted(
        {r.competency_id: r.competency for r in reqs}.values(),
        key=lambda c: (c.category, c.name),
    )
    # Plain tuples: thousands of cells, no need for model instances.
    profiles = {
        (employee_id, competency_id): (effective, self_level, manager_level)
        for employee_id, competency_id, effective, self_level, manager_level in (
            SkillProfile.objects.filter(
                organization=org, employee_id__in=ids, competency__in=competencies
            ).values_list(
                "employee_id", "competency_id", "effective_level", "self_level", "manager_level"
            )
        )
    }
    none = (None, None, None)
    submitted_self = set(
        Assessment.objects.filter(
            organization=org,
            subject_id__in=ids,
            kind=Assessment.Kind.SELF,
            status=Assessment.Status.SUBMITTED,
        )
        .values_list("subject_id", flat=True)
        .distinct()
    )
    threshold = org.mentor_threshold_level
    direct_set = set(direct)
    rows = []
    for person in people:
        cells = []
        for comp in competencies:
            req = required.get((person.role_id or 0, comp.pk))
            effective, self_level, manager_level = profiles.get((person.pk, comp.pk), none)
            cells.append(
                MatrixCell(
                    required=req.required_level if req else None,
                    effective=effective,
                    self_level=self_level,
                    manager_level=manager_level,
                    importance=req.importance if req else 0,
                    threshold=threshold,
                )
            )
        rows.append(
            MatrixRow(
                employee=person,
                cells=cells,
                total_priority=sum(c.priority for c in cells),
                direct=person.pk in direct_set,
                self_submitted=person.pk in submitted_self,
            )
        )
    if sort == "name":
        rows.sort(key=lambda r: (not r.direct, r.employee.name))
    else:
        rows.sort(key=lambda r: (not r.direct, -r.total_priority, r.employee.name))
    return TeamMatrix(competencies=competencies, rows=rows, categories=all_categories)


# --- Requests ---------------------------------------------------------------------------------


def open_requests_for(*, employee: Employee) -> QuerySet[AssessmentRequestRecipient]:
    return AssessmentRequestRecipient.objects.filter(
        organization_id=employee.organization_id, employee=employee, completed_at__isnull=True
    ).select_related("request")


# --- The assessment form, as the pages show it ----------------------------------------------------


@dataclass(frozen=True)
class LevelOption:
    """One level of the scale for one competency: what a person observably does there."""

    level: int
    name: str
    text: str  # the competency's behaviour at this level, else the scale's general description
    described: bool  # whether `text` is the competency's own behaviour


@dataclass
class FormItem:
    competency: Competency
    required_level: int | None
    options: list[LevelOption]
    rating: Rating | None  # this assessor's rating in the open draft
    reference: Rating | None  # the subject's latest submitted self rating

    @property
    def level(self) -> int | None:
        return self.rating.level if self.rating else None

    @property
    def reference_option(self) -> LevelOption | None:
        if self.reference is None:
            return None
        return next((o for o in self.options if o.level == self.reference.level), None)


@dataclass
class AssessmentForm:
    subject: Employee
    kind: str
    draft: Assessment | None
    items: list[FormItem]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def rated(self) -> int:
        return sum(1 for item in self.items if item.rating is not None)

    @property
    def percent(self) -> int:
        return round(100 * self.rated / self.total) if self.total else 0

    @property
    def missing(self) -> list[str]:
        return [item.competency.name for item in self.items if item.rating is None]

    def item_for(self, competency_id: int) -> FormItem | None:
        return next((i for i in self.items if i.competency.pk == competency_id), None)


def assessment_form(*, subject: Employee, assessor: Employee, kind: str) -> AssessmentForm:
    """Everything the self or manager form shows, in a fixed number of queries."""
    competencies = form_competencies(employee=subject)
    scale = list(
        ProficiencyLevel.objects.filter(organization_id=subject.organization_id).order_by("level")
    )
    required = (
        {
            r.competency_id: r.required_level
            for r in RoleRequirement.objects.filter(
                organization_id=subject.organization_id, role_id=subject.role_id
            )
        }
        if subject.role_id
        else {}
    )
    draft = open_draft(subject=subject, assessor=assessor, kind=kind)
    ratings = ratings_of(draft)
    references = (
        latest_submitted_ratings(subject=subject, kind=Assessment.Kind.SELF) if competencies else {}
    )
    items = []
    for comp in competencies:
        behaviours = {b.level: b.description for b in comp.behaviours.all()}
        options = [
            LevelOption(
                level=step.level,
                name=step.name,
                text=behaviours.get(step.level) or step.description,
                described=step.level in behaviours,
            )
            for step in scale
        ]
        items.append(
            FormItem(
                competency=comp,
                required_level=required.get(comp.pk),
                options=options,
                rating=ratings.get(comp.pk),
                reference=references.get(comp.pk),
            )
        )
    return AssessmentForm(subject=subject, kind=kind, draft=draft, items=items)


def assessable_competencies(*, employee: Employee) -> QuerySet[Competency]:
    """The competencies a form for this person accepts: their role's active ones."""
    return Competency.objects.filter(
        organization_id=employee.organization_id,
        requirements__role_id=employee.role_id or 0,
        archived_at__isnull=True,
    ).distinct()


# --- Profile page --------------------------------------------------------------------------------


@dataclass
class ProfileRow:
    competency: Competency
    cell: MatrixCell
    profile: SkillProfile | None
    in_role: bool


def profile_rows(*, employee: Employee) -> list[ProfileRow]:
    """The role's competencies, then any other assessed ones, with required, self, manager and
    effective levels side by side (two queries)."""
    org = employee.organization
    reqs = role_requirements(organization=org, role_id=employee.role_id) if employee.role_id else []
    profiles = {
        p.competency_id: p
        for p in SkillProfile.objects.filter(
            organization=org, employee=employee, competency__archived_at__isnull=True
        ).select_related("competency")
    }
    threshold = org.mentor_threshold_level

    def row(comp: Competency, req: RoleRequirement | None) -> ProfileRow:
        prof = profiles.get(comp.pk)
        return ProfileRow(
            competency=comp,
            cell=MatrixCell(
                required=req.required_level if req else None,
                effective=prof.effective_level if prof else None,
                self_level=prof.self_level if prof else None,
                manager_level=prof.manager_level if prof else None,
                importance=req.importance if req else 0,
                threshold=threshold,
            ),
            profile=prof,
            in_role=req is not None,
        )

    in_role = {r.competency_id for r in reqs}
    rows = [row(r.competency, r) for r in sorted(reqs, key=lambda r: _by_name(r.competency))]
    others = sorted(
        (p.competency for cid, p in profiles.items() if cid not in in_role), key=_by_name
    )
    rows += [row(comp, None) for comp in others]
    return rows


def _by_name(competency: Competency) -> tuple[str, str]:
    return (competency.category, competency.name)


def goals_of(*, employee: Employee) -> list[DevelopmentGoal]:
    return list(
        DevelopmentGoal.objects.filter(
            organization_id=employee.organization_id, employee=employee
        ).select_related("target_role", "competency")
    )


def self_rating_progress(*, employee: Employee) -> tuple[int, int]:
    """(rated, total) over the role's competencies: rated in the open draft or self-assessed
    before."""
    wanted = {c.pk for c in assessable_competencies(employee=employee).only("pk")}
    if not wanted:
        return 0, 0
    draft = open_draft(subject=employee, assessor=employee, kind=Assessment.Kind.SELF)
    rated = set(ratings_of(draft))
    rated |= set(
        SkillProfile.objects.filter(
            organization_id=employee.organization_id,
            employee=employee,
            self_level__isnull=False,
            competency_id__in=wanted,
        ).values_list("competency_id", flat=True)
    )
    return len(rated & wanted), len(wanted)


# --- Assessment request progress ------------------------------------------------------------------


def request_list(*, organization: Organization) -> QuerySet[AssessmentRequest]:
    """Requests, newest first, each with `asked` and `done` counts."""
    return (
        AssessmentRequest.objects.filter(organization=organization)
        .select_related("department", "role", "requested_by__user")
        .annotate(
            asked=Count("recipients"),
            done=Count("recipients", filter=Q(recipients__completed_at__isnull=False)),
        )
        .order_by("-created_at", "-id")
    )


def request_recipients(
    *, assessment_request: AssessmentRequest
) -> QuerySet[AssessmentRequestRecipient]:
    """Who was asked: not done first, then by name."""
    return (
        AssessmentRequestRecipient.objects.filter(
            organization_id=assessment_request.organization_id, request=assessment_request
        )
        .select_related("employee__user", "employee__department", "employee__role")
        .order_by(
            F("completed_at").desc(nulls_first=True),
            "employee__user__last_name",
            "employee__user__first_name",
        )
    )


def latest_request_by_employee(
    *, organization: Organization, employee_ids: list[int]
) -> dict[int, AssessmentRequestRecipient]:
    """Each person's most recent assessment request (done or not), from one query."""
    latest: dict[int, AssessmentRequestRecipient] = {}
    for recipient in (
        AssessmentRequestRecipient.objects.filter(
            organization=organization, employee_id__in=employee_ids
        )
        .select_related("request")
        .order_by("employee_id", "-request__created_at", "-id")
    ):
        latest.setdefault(recipient.employee_id, recipient)
    return latest
