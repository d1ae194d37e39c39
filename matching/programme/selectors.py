"""Reads for HR's view of the mentoring programme: headline numbers, trends, where mentoring
flows between departments, and the list of every pairing. Every query names the organisation,
and each figure is one aggregate query whatever the number of pairings."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from matching.models import Pairing
from mentorship.models import Employee, Organization

State = Pairing.State
Outcome = Pairing.Outcome
# Pairings in which the two actually worked together (the mentor accepted).
MET_STATES: tuple[str, ...] = (State.ACTIVE, State.AWAITING_REVIEW, State.COMPLETED)
# ... and pairings cancelled after the mentor said yes.
MET = Q(state__in=MET_STATES) | Q(state=State.CANCELLED, accepted_at__isnull=False)
MONTHS = 12
TOP_COMPETENCIES = 10
FLOW_DEPARTMENTS = 8
STALLED_REVIEW_DAYS = 7
NO_DEPARTMENT = "No department"


@dataclass(frozen=True)
class Headline:
    proposed: int
    active: int
    awaiting_review: int
    completed: int
    achieved: int
    declined: int
    expired: int
    cancelled: int
    stalled_reviews: int
    cross_department: int
    met: int
    mentors: int
    mentees: int
    active_people: int
    median_days_to_proficiency: int | None

    @property
    def total(self) -> int:
        return (
            self.proposed
            + self.active
            + self.awaiting_review
            + self.completed
            + self.declined
            + self.expired
            + self.cancelled
        )

    @property
    def achieved_rate(self) -> int | None:
        """Share of completed pairings that reached the target level, in percent."""
        return round(100 * self.achieved / self.completed) if self.completed else None

    @property
    def answered(self) -> int:
        return self.met + self.declined + self.expired

    @property
    def acceptance_rate(self) -> int | None:
        """Share of proposals the mentor answered with yes (declined and expired count as no;
        proposals still waiting and ones cancelled before an answer do not count)."""
        return round(100 * self.met / self.answered) if self.answered else None

    @property
    def cross_department_rate(self) -> int | None:
        return round(100 * self.cross_department / self.met) if self.met else None

    @property
    def mentor_share(self) -> int | None:
        """Share of active people who have mentored someone."""
        return round(100 * self.mentors / self.active_people) if self.active_people else None


def headline(*, organization: Organization) -> Headline:
    pairings = Pairing.objects.filter(organization=organization)
    cross = Q(mentor__department__isnull=False, mentee__department__isnull=False) & ~Q(
        mentor__department=F("mentee__department")
    )
    met = MET
    stalled_since = timezone.now() - dt.timedelta(days=STALLED_REVIEW_DAYS)
    counts = pairings.aggregate(
        proposed=Count("id", filter=Q(state=State.PROPOSED)),
        active=Count("id", filter=Q(state=State.ACTIVE)),
        awaiting_review=Count("id", filter=Q(state=State.AWAITING_REVIEW)),
        completed=Count("id", filter=Q(state=State.COMPLETED)),
        achieved=Count("id", filter=Q(state=State.COMPLETED, outcome=Outcome.ACHIEVED)),
        declined=Count("id", filter=Q(state=State.DECLINED)),
        expired=Count("id", filter=Q(state=State.EXPIRED)),
        cancelled=Count("id", filter=Q(state=State.CANCELLED)),
        stalled_reviews=Count(
            "id", filter=Q(state=State.AWAITING_REVIEW, finished_at__lt=stalled_since)
        ),
        met=Count("id", filter=met),
        cross_department=Count("id", filter=met & cross),
        mentors=Count("mentor", filter=met, distinct=True),
        mentees=Count("mentee", filter=met, distinct=True),
    )
    days: list[int] = [
        n
        for n in pairings.filter(
            state=State.COMPLETED, outcome=Outcome.ACHIEVED, days_to_proficiency__isnull=False
        ).values_list("days_to_proficiency", flat=True)
        if n is not None
    ]
    active_people = Employee.objects.filter(organization=organization, is_active=True).count()
    return Headline(
        **counts,
        active_people=active_people,
        median_days_to_proficiency=round(statistics.median(days)) if days else None,
    )


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _month_key(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


@dataclass(frozen=True)
class MonthPoint:
    month: dt.date
    started: int
    achieved: int
    not_achieved: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


def monthly(*, organization: Organization, today: dt.date | None = None) -> list[MonthPoint]:
    """The last twelve months: pairings proposed each month, and completions by outcome."""
    today = today or timezone.localdate()
    months = _month_starts(today, MONTHS)
    first = months[0]
    since = timezone.make_aware(dt.datetime(first.year, first.month, 1))
    pairings = Pairing.objects.filter(organization=organization)
    started = {
        _month_key(row["month"]): row["n"]
        for row in pairings.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    }
    completed: dict[tuple[dt.date, str | None], int] = {}
    for row in (
        pairings.filter(state=State.COMPLETED, completed_at__gte=since)
        .annotate(month=TruncMonth("completed_at"))
        .values("month", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        key = (_month_key(row["month"]), row["outcome"])
        completed[key] = completed.get(key, 0) + row["n"]
    return [
        MonthPoint(
            month=m,
            started=started.get(m, 0),
            achieved=completed.get((m, Outcome.ACHIEVED), 0),
            not_achieved=completed.get((m, Outcome.NOT_ACHIEVED), 0),
        )
        for m in months
    ]


@dataclass(frozen=True)
class CompetencyRow:
    competency_id: int
    name: str
    pairings: int
    running: int
    completed: int
    achieved: int

    @property
    def achieved_rate(self) -> int | None:
        return round(100 * self.achieved / self.completed) if self.completed else None


def by_competency(*, organization: Organization) -> list[CompetencyRow]:
    """The competencies mentored most (pairings where the two met), with their outcomes."""
    rows = (
        Pairing.objects.filter(MET, organization=organization)
        .values("competency_id", "competency__name")
        .annotate(
            pairings=Count("id"),
            running=Count("id", filter=Q(state__in=[State.ACTIVE, State.AWAITING_REVIEW])),
            completed=Count("id", filter=Q(state=State.COMPLETED)),
            achieved=Count("id", filter=Q(state=State.COMPLETED, outcome=Outcome.ACHIEVED)),
        )
        .order_by("-pairings", "competency__name")[:TOP_COMPETENCIES]
    )
    return [
        CompetencyRow(
            competency_id=row["competency_id"],
            name=row["competency__name"],
            pairings=row["pairings"],
            running=row["running"],
            completed=row["completed"],
            achieved=row["achieved"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Flows:
    """Pairings from mentors' departments (rows) to mentees' departments (columns)."""

    departments: list[str]
    cells: list[list[int]]  # cells[mentor_department][mentee_department]
    peak: int

    @property
    def rows(self) -> list[tuple[str, list[tuple[str, int, int]]]]:
        """Each mentor department with (mentee department, count, shade 0–4) per column."""
        out = []
        for name, counts in zip(self.departments, self.cells, strict=True):
            shades = [
                (col, n, 0 if not n else 1 + min(3, (4 * n - 1) // max(self.peak, 1)))
                for col, n in zip(self.departments, counts, strict=True)
            ]
            out.append((name, shades))
        return out


def department_flows(*, organization: Organization) -> Flows:
    """Where mentoring crosses department lines: the busiest departments, the rest as Other."""
    raw = list(
        Pairing.objects.filter(MET, organization=organization)
        .values("mentor__department__name", "mentee__department__name")
        .annotate(n=Count("id"))
        .order_by()
    )
    volume: dict[str, int] = {}
    for row in raw:
        for key in ("mentor__department__name", "mentee__department__name"):
            name = row[key] or NO_DEPARTMENT
            volume[name] = volume.get(name, 0) + row["n"]
    ranked = sorted(volume, key=lambda name: (-volume[name], name))
    shown = ranked[:FLOW_DEPARTMENTS]
    if len(ranked) > FLOW_DEPARTMENTS:
        shown = [*ranked[: FLOW_DEPARTMENTS - 1], "Other departments"]
    index = {name: i for i, name in enumerate(shown)}
    other = len(shown) - 1
    cells = [[0] * len(shown) for _ in shown]
    for row in raw:
        mentor = index.get(row["mentor__department__name"] or NO_DEPARTMENT, other)
        mentee = index.get(row["mentee__department__name"] or NO_DEPARTMENT, other)
        cells[mentor][mentee] += row["n"]
    peak = max((n for line in cells for n in line), default=0)
    return Flows(departments=shown, cells=cells, peak=peak)


# --- The list of every pairing ------------------------------------------------------------------


def pairing_list(
    *,
    organization: Organization,
    search: str = "",
    state: str = "",
    competency_id: int | None = None,
    department_id: int | None = None,
    stalled: bool = False,
) -> QuerySet[Pairing]:
    """Every pairing of the organisation, newest first, filtered. `search` matches the mentee's or
    the mentor's name or e-mail, or the task; a department matches either side."""
    pairings = Pairing.objects.filter(organization=organization).select_related(
        "mentee__user",
        "mentee__department",
        "mentor__user",
        "mentor__department",
        "competency",
    )
    for term in search.split():
        pairings = pairings.filter(
            Q(mentee__user__first_name__icontains=term)
            | Q(mentee__user__last_name__icontains=term)
            | Q(mentee__user__email__icontains=term)
            | Q(mentor__user__first_name__icontains=term)
            | Q(mentor__user__last_name__icontains=term)
            | Q(mentor__user__email__icontains=term)
            | Q(task__icontains=term)
        )
    if state:
        pairings = pairings.filter(state=state)
    if competency_id is not None:
        pairings = pairings.filter(competency_id=competency_id)
    if department_id is not None:
        pairings = pairings.filter(
            Q(mentee__department_id=department_id) | Q(mentor__department_id=department_id)
        )
    if stalled:
        since = timezone.now() - dt.timedelta(days=STALLED_REVIEW_DAYS)
        pairings = pairings.filter(state=State.AWAITING_REVIEW, finished_at__lt=since)
    return pairings.order_by("-created_at", "-id")
