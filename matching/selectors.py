"""Reads of the matching layer: suggestions per gap with reasons, runs, mentor load."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from assessments.models import SkillProfile
from competencies.models import ProficiencyLevel, RoleRequirement
from matching.models import MatchRun, MatchSettings, MatchSuggestion, MentorOptOut, Pairing
from matching.reasons import reasons_in_words
from mentorship.models import Employee, Organization
from mentorship.selectors import employee_reports


@dataclass(frozen=True)
class MentorSuggestion:
    """One suggested mentor for a gap, with everything the manager reads about them."""

    suggestion: MatchSuggestion  # mentor, mentor.user and mentor.department loaded
    mentor_name: str
    department: str
    mentor_level: int
    mentor_level_name: str
    target_level: int
    confirmed: bool
    slots_used: int
    capacity: int
    score: float
    recommended: bool
    reasons: list[str]

    @property
    def pk(self) -> int:
        return self.suggestion.pk


@dataclass
class GapSuggestions:
    """A person's gap in one competency with its open suggestions, or the pairing working on it."""

    mentee: Employee
    competency_id: int
    competency_name: str
    required_level: int
    required_level_name: str
    effective_level: int | None  # None: never assessed (counts as 0)
    effective_level_name: str
    importance: int
    suggestions: list[MentorSuggestion] = field(default_factory=list)
    pairing: Pairing | None = None  # a proposed or active pairing; then no suggestions are shown

    @property
    def priority(self) -> int:
        return (self.required_level - (self.effective_level or 0)) * self.importance

    @property
    def recommended(self) -> MentorSuggestion | None:
        return next((s for s in self.suggestions if s.recommended), None)


@dataclass(frozen=True)
class MentorLoad:
    used: int  # proposed and active pairings as mentor
    capacity: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.used, 0)


def suggestions_for_team(*, manager: Employee) -> list[GapSuggestions]:
    """Every gap of each active direct report (by name, then priority) with its suggestions."""
    return _gap_suggestions(
        organization=manager.organization, mentees=list(employee_reports(employee=manager))
    )


def suggestions_for_mentee(*, mentee: Employee) -> list[GapSuggestions]:
    """One person's gaps (highest priority first) with their suggestions."""
    return _gap_suggestions(organization=mentee.organization, mentees=[mentee])


def suggestion_get(*, organization: Organization, pk: int) -> MatchSuggestion | None:
    """A suggestion of this organisation (None for another organisation's id)."""
    return (
        MatchSuggestion.objects.select_related("mentee__user", "mentor__user", "competency")
        .filter(organization=organization, pk=pk)
        .first()
    )


def latest_runs(*, organization: Organization, limit: int = 20) -> list[MatchRun]:
    return list(
        MatchRun.objects.filter(organization=organization).order_by("-started_at", "-id")[:limit]
    )


def mentor_load(*, employee: Employee) -> MentorLoad:
    used = Pairing.objects.filter(
        organization_id=employee.organization_id,
        mentor=employee,
        state__in=Pairing.LOAD_STATES,
    ).count()
    return MentorLoad(used=used, capacity=employee.mentor_capacity)


def pairings_of_mentor(*, employee: Employee) -> QuerySet[Pairing]:
    """A person's pairings as mentor, newest first."""
    return (
        Pairing.objects.filter(organization_id=employee.organization_id, mentor=employee)
        .select_related("mentee__user", "competency")
        .order_by("-created_at", "-id")
    )


def _level_names(organization: Organization) -> dict[int, str]:
    return dict(
        ProficiencyLevel.objects.filter(organization=organization).values_list("level", "name")
    )


def _gap_suggestions(
    *, organization: Organization, mentees: list[Employee]
) -> list[GapSuggestions]:
    """Gaps of the current role with open suggestions, in a constant number of queries."""
    if not mentees:
        return []
    names = _level_names(organization)
    mentee_ids = [m.pk for m in mentees]
    requirements = list(
        RoleRequirement.objects.filter(
            organization=organization,
            role_id__in={m.role_id for m in mentees if m.role_id},
            competency__archived_at__isnull=True,
        )
        .select_related("competency")
        .order_by()
    )
    levels: dict[tuple[int, int], int] = {
        (e, j): lv
        for e, j, lv in SkillProfile.objects.filter(
            organization=organization, employee_id__in=mentee_ids
        )
        .order_by()
        .values_list("employee_id", "competency_id", "effective_level")
    }
    suggestions = list(
        MatchSuggestion.objects.filter(
            organization=organization,
            mentee_id__in=mentee_ids,
            status=MatchSuggestion.Status.OPEN,
            mentor__is_active=True,
        )
        .select_related("mentor__user", "mentor__department")
        .order_by("rank", "pk")
    )
    mentor_ids = {s.mentor_id for s in suggestions}
    people = mentor_ids | set(mentee_ids)
    pairings = list(
        Pairing.objects.filter(organization=organization)
        .filter(Q(mentor_id__in=people) | Q(mentee_id__in=mentee_ids))
        .exclude(state__in=Pairing.NEVER_MET_STATES)
        .select_related("mentor__user", "competency")
        .order_by("-created_at", "-id")
    )
    used: dict[int, int] = defaultdict(int)
    met: set[tuple[int, int]] = set()
    open_pairing: dict[tuple[int, int], Pairing] = {}
    for p in pairings:
        met.add((min(p.mentor_id, p.mentee_id), max(p.mentor_id, p.mentee_id)))
        if p.state in Pairing.LOAD_STATES:
            used[p.mentor_id] += 1
            open_pairing.setdefault((p.mentee_id, p.competency_id), p)
    strengths: dict[tuple[int, int], tuple[int, bool]] = {
        (e, j): (lv, ok)
        for e, j, lv, ok in SkillProfile.objects.filter(
            organization=organization,
            employee_id__in=mentor_ids,
            competency_id__in={s.competency_id for s in suggestions},
        )
        .order_by()
        .values_list("employee_id", "competency_id", "effective_level", "manager_confirmed")
    }

    by_gap: dict[tuple[int, int], list[MatchSuggestion]] = defaultdict(list)
    for s in suggestions:
        by_gap[(s.mentee_id, s.competency_id)].append(s)
    by_role: dict[int, list[RoleRequirement]] = defaultdict(list)
    for req in requirements:
        by_role[req.role_id].append(req)

    result: list[GapSuggestions] = []
    for mentee in mentees:
        gaps: list[GapSuggestions] = []
        for req in by_role.get(mentee.role_id or 0, []):
            level = levels.get((mentee.pk, req.competency_id))
            if req.required_level - (level or 0) <= 0:
                continue
            key = (mentee.pk, req.competency_id)
            gap = GapSuggestions(
                mentee=mentee,
                competency_id=req.competency_id,
                competency_name=req.competency.name,
                required_level=req.required_level,
                required_level_name=names.get(req.required_level, str(req.required_level)),
                effective_level=level,
                effective_level_name=names.get(level, "Not assessed")
                if level is not None
                else "Not assessed",
                importance=req.importance,
                pairing=open_pairing.get(key),
            )
            if gap.pairing is None:
                gap.suggestions = [
                    _mentor_suggestion(s, mentee, names, strengths, used, met)
                    for s in by_gap.get(key, [])
                ]
            gaps.append(gap)
        gaps.sort(key=lambda g: (-g.priority, g.competency_name))
        result.extend(gaps)
    return result


def _mentor_suggestion(
    s: MatchSuggestion,
    mentee: Employee,
    names: dict[int, str],
    strengths: dict[tuple[int, int], tuple[int, bool]],
    used: dict[int, int],
    met: set[tuple[int, int]],
) -> MentorSuggestion:
    mentor = s.mentor
    level, confirmed = strengths.get((mentor.pk, s.competency_id), (s.mentor_level, False))
    department = mentor.department.name if mentor.department else ""
    other = (
        mentor.department_id is not None
        and mentee.department_id is not None
        and mentor.department_id != mentee.department_id
    )
    slots_used = used.get(mentor.pk, 0)
    level_name = names.get(level, str(level))
    return MentorSuggestion(
        suggestion=s,
        mentor_name=mentor.name,
        department=department,
        mentor_level=level,
        mentor_level_name=level_name,
        target_level=s.target_level,
        confirmed=confirmed,
        slots_used=slots_used,
        capacity=mentor.mentor_capacity,
        score=s.score,
        recommended=s.recommended,
        reasons=reasons_in_words(
            level_name=level_name,
            confirmed=confirmed,
            mentor_department=department or None,
            other_department=other,
            slots_used=slots_used,
            capacity=mentor.mentor_capacity,
            paired_before=(min(mentor.pk, mentee.pk), max(mentor.pk, mentee.pk)) in met,
        ),
    )


# --- pages of the matching UI ---------------------------------------------------------------


@dataclass(frozen=True)
class GapCard:
    """A gap as its card shows it: the suggestions, or the pairing with its mentor's load."""

    gap: GapSuggestions
    pairing_mentor_load: MentorLoad | None = None

    @property
    def dom_id(self) -> str:
        return f"gap-{self.gap.mentee.pk}-{self.gap.competency_id}"


@dataclass(frozen=True)
class ReportGaps:
    report: Employee
    cards: list[GapCard]

    @property
    def open_suggestions(self) -> int:
        return sum(len(card.gap.suggestions) for card in self.cards)


@dataclass(frozen=True)
class TeamMentoring:
    """The team mentor suggestions page: each report's gaps, and when suggestions were last made."""

    reports: list[ReportGaps]
    last_run: MatchRun | None

    @property
    def gap_count(self) -> int:
        return sum(len(r.cards) for r in self.reports)

    @property
    def suggestion_count(self) -> int:
        return sum(r.open_suggestions for r in self.reports)

    @property
    def waiting_gaps(self) -> int:
        """Gaps with neither a pairing nor a suggestion yet."""
        return sum(
            1
            for r in self.reports
            for card in r.cards
            if card.gap.pairing is None and not card.gap.suggestions
        )


def last_finished_run(*, organization: Organization) -> MatchRun | None:
    """The organisation's latest successful recompute."""
    return (
        MatchRun.objects.filter(organization=organization, status=MatchRun.Status.SUCCEEDED)
        .order_by("-started_at", "-id")
        .first()
    )


def team_mentoring(*, organization: Organization, reports: list[Employee]) -> TeamMentoring:
    """Each report's gaps (highest priority first) with suggestions or the pairing working on
    them, in a constant number of queries whatever the number of reports."""
    gaps = _gap_suggestions(organization=organization, mentees=reports)
    mentors = {g.pairing.mentor_id for g in gaps if g.pairing is not None}
    used: dict[int, int] = dict(
        Pairing.objects.filter(
            organization=organization, mentor_id__in=mentors, state__in=Pairing.LOAD_STATES
        )
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("id"))
        .values_list("mentor_id", "n")
    )
    by_mentee: dict[int, list[GapCard]] = defaultdict(list)
    for gap in gaps:
        load = None
        if gap.pairing is not None:
            mentor = gap.pairing.mentor
            load = MentorLoad(used=used.get(mentor.pk, 0), capacity=mentor.mentor_capacity)
        by_mentee[gap.mentee.pk].append(GapCard(gap=gap, pairing_mentor_load=load))
    return TeamMentoring(
        reports=[ReportGaps(report=r, cards=by_mentee.get(r.pk, [])) for r in reports],
        last_run=last_finished_run(organization=organization),
    )


@dataclass(frozen=True)
class Availability:
    """A person's mentoring availability page: their settings, load and pairings."""

    employee: Employee
    load: MentorLoad
    opted_out_ids: set[int]
    strengths: dict[int, int]  # competency id → effective level, at or above the threshold
    as_mentor: list[Pairing]
    as_mentee: list[Pairing]


def opted_out_competency_ids(*, employee: Employee) -> set[int]:
    return set(
        MentorOptOut.objects.filter(organization_id=employee.organization_id, employee=employee)
        .order_by()
        .values_list("competency_id", flat=True)
    )


def open_pairings_of(*, employee: Employee) -> tuple[list[Pairing], list[Pairing]]:
    """A person's proposed and active pairings: (as mentor, as mentee), soonest start first."""
    pairings = list(
        Pairing.objects.filter(
            Q(mentor=employee) | Q(mentee=employee),
            organization_id=employee.organization_id,
            state__in=Pairing.LOAD_STATES,
        )
        .select_related("mentor__user", "mentee__user", "competency")
        .order_by("start_date", "id")
    )
    return (
        [p for p in pairings if p.mentor_id == employee.pk],
        [p for p in pairings if p.mentee_id == employee.pk],
    )


def mentor_availability(*, employee: Employee, threshold: int) -> Availability:
    as_mentor, as_mentee = open_pairings_of(employee=employee)
    strengths = dict(
        SkillProfile.objects.filter(
            organization_id=employee.organization_id,
            employee=employee,
            effective_level__gte=threshold,
        )
        .order_by()
        .values_list("competency_id", "effective_level")
    )
    return Availability(
        employee=employee,
        load=MentorLoad(used=len(as_mentor), capacity=employee.mentor_capacity),
        opted_out_ids=opted_out_competency_ids(employee=employee),
        strengths=strengths,
        as_mentor=as_mentor,
        as_mentee=as_mentee,
    )


@dataclass(frozen=True)
class MentoringSummary:
    """The home page card: my load, what waits for me, and (managers) open suggestions."""

    load: MentorLoad
    available: bool
    awaiting_me: list[Pairing]  # proposed pairings where I am the mentor
    as_mentee: list[Pairing]
    team_open_suggestions: int | None  # None: nobody reports to me


def mentoring_summary(*, employee: Employee) -> MentoringSummary:
    as_mentor, as_mentee = open_pairings_of(employee=employee)
    reports = Employee.objects.filter(
        organization_id=employee.organization_id, manager=employee, is_active=True
    )
    has_reports = reports.exists()
    open_count = None
    if has_reports:
        open_count = (
            MatchSuggestion.objects.filter(
                organization_id=employee.organization_id,
                mentee__in=reports,
                status=MatchSuggestion.Status.OPEN,
                mentor__is_active=True,
            )
            .exclude(
                Exists(
                    Pairing.objects.filter(
                        organization_id=employee.organization_id,
                        mentee_id=OuterRef("mentee_id"),
                        competency_id=OuterRef("competency_id"),
                        state__in=Pairing.LOAD_STATES,
                    )
                )
            )
            .count()
        )
    return MentoringSummary(
        load=MentorLoad(used=len(as_mentor), capacity=employee.mentor_capacity),
        available=employee.mentor_available,
        awaiting_me=[p for p in as_mentor if p.state == Pairing.State.PROPOSED],
        as_mentee=as_mentee,
        team_open_suggestions=open_count,
    )


def match_settings_for(*, organization: Organization) -> MatchSettings:
    """The organisation's match settings (the defaults, unsaved, until HR changes them)."""
    found = MatchSettings.objects.filter(organization=organization).first()
    return found if found is not None else MatchSettings(organization=organization)
