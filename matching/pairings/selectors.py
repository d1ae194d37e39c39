"""Reads of the pairing lifecycle: who may see a pairing, what its page shows, "my mentoring",
a person's mentoring record, cohorts, the reminders due. Every query names the organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from competencies.models import ProficiencyLevel
from matching.models import (
    CheckIn,
    Cohort,
    Pairing,
    PairingEvent,
    PlanItem,
    Reflection,
    ReminderSent,
)
from matching.pairings.rules import (
    CHECK_IN_GAP_DAYS,
    ENDING_REMINDER_DAYS,
    RESPONSE_REMINDER_DAYS,
    REVIEW_REMINDER_DAYS,
    Party,
    as_hr_note,
    confirmer_label,
    confirmers,
    confirming_manager,
    day_label,
    hr_admins_of,
    may_confirm,
    mentor_response_days,
    pairing_title,
    parties_of,
    response_deadline,
)
from mentorship.models import Employee, Organization

State = Pairing.State
RUNNING_STATES: tuple[str, ...] = (State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW)
PAST_STATES: tuple[str, ...] = (
    State.COMPLETED,
    State.DECLINED,
    State.CANCELLED,
    State.EXPIRED,
)


def level_names(*, organization_id: int) -> dict[int, str]:
    return dict(
        ProficiencyLevel.objects.filter(organization_id=organization_id).values_list(
            "level", "name"
        )
    )


def _pairings(organization_id: int) -> QuerySet[Pairing]:
    return Pairing.objects.filter(organization_id=organization_id).select_related(
        "organization",
        "mentee__user",
        "mentee__manager__user",
        "mentor__user",
        "competency",
        "cohort",
    )


def pairing_for_viewer(
    *, organization: Organization, viewer: Employee, pk: int
) -> tuple[Pairing, set[str]] | None:
    """The pairing and how the viewer relates to it; None (so 404) for another organisation's,
    a missing one, or one the viewer has no part in (the mentee, the mentor, the mentee's manager
    and HR admins see it; for anyone else it does not exist)."""
    pairing = _pairings(organization.pk).filter(pk=pk).first()
    if pairing is None:
        return None
    roles = parties_of(pairing, viewer)
    if not roles:
        return None
    return pairing, roles


# --- The pairing page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    day: int  # 0 before the start, total_days once past the end
    total_days: int
    percent: int
    label: str


def progress_of(pairing: Pairing, *, today: dt.date) -> Progress:
    total = max((pairing.end_date - pairing.start_date).days, 1)
    if today < pairing.start_date:
        days = (pairing.start_date - today).days
        return Progress(0, total, 0, f"Starts in {days} day{'s' if days != 1 else ''}")
    day = min((today - pairing.start_date).days + 1, total)
    return Progress(day, total, round(100 * day / total), f"Day {day} of {total}")


def available_actions(pairing: Pairing, roles: set[str]) -> set[str]:
    """What the viewer can do now, given the state and their part in it."""
    actions: set[str] = set()
    mentee, mentor, manager = Party.MENTEE in roles, Party.MENTOR in roles, Party.MANAGER in roles
    state = pairing.state
    if state == State.PROPOSED:
        if mentor:
            actions |= {"accept", "decline"}  # a mentor says no by declining, not cancelling
        if mentee or manager:
            actions.add("cancel")
    elif state == State.ACTIVE:
        if mentee or mentor:
            actions |= {"finish", "check_in", "edit_plan"}
        if mentee:
            actions |= {"tick", "reflect"}
        if mentor:
            actions.add("confirm_item")
        if mentee or mentor or manager:
            actions.add("cancel")
            if not pairing.is_extended:
                actions.add("extend")
    elif state == State.AWAITING_REVIEW:
        if mentee:
            actions.add("reflect")
            if pairing.reassessed_at is None:
                actions.add("reassess")
        if pairing.reassessed_at is not None and may_confirm(pairing, roles):
            actions.add("confirm")
    elif state == State.COMPLETED and mentee:
        actions.add("thank")
    return actions


@dataclass(frozen=True)
class TimelineEntry:
    when: dt.datetime
    actor: str
    action: str
    from_state: str
    to_state: str
    reason: str


ACTION_LABELS = {
    "proposed": "proposed the pairing",
    "accepted": "accepted",
    "declined": "declined",
    "expired": "expired without an answer",
    "finished": "finished early",
    "ended": "reached the end date",
    "cancelled": "cancelled",
    "extended": "extended",
    "reassessed": "re-assessed",
    "confirmed": "confirmed the outcome",
    "thanked": "sent a thank-you note",
}


def timeline(pairing: Pairing) -> list[TimelineEntry]:
    """The pairing's history, oldest first, starting with its proposal."""
    creator = (
        Employee.objects.select_related("user")
        .filter(organization_id=pairing.organization_id, pk=pairing.created_by_id)
        .first()
        if pairing.created_by_id
        else None
    )
    entries = [
        TimelineEntry(
            when=pairing.created_at,
            actor=creator.name if creator else "",
            action=ACTION_LABELS["proposed"],
            from_state="",
            to_state=State.PROPOSED.label,
            reason="",
        )
    ]
    labels = dict(State.choices)
    events = (
        PairingEvent.objects.filter(organization_id=pairing.organization_id, pairing=pairing)
        .select_related("actor__user")
        .order_by("created_at", "id")
    )
    entries.extend(
        TimelineEntry(
            when=e.created_at,
            actor=e.actor.name if e.actor else "",
            action=ACTION_LABELS.get(e.action, e.action),
            from_state=labels.get(e.from_state, e.from_state),
            to_state=labels.get(e.to_state, e.to_state),
            reason=e.reason,
        )
        for e in events
    )
    return entries


@dataclass
class PairingPage:
    pairing: Pairing
    roles: set[str]
    actions: set[str]
    baseline_name: str
    target_name: str
    reassessed_name: str
    confirmed_name: str
    progress: Progress
    plan: list[PlanItem]
    check_ins: list[CheckIn]
    reflections: list[Reflection]
    timeline: list[TimelineEntry]
    scale: list[tuple[int, str]]
    deadline: dt.datetime | None
    max_end_date: dt.date
    last_check_in: CheckIn | None = None

    @property
    def plan_done(self) -> int:
        return sum(1 for item in self.plan if item.is_done)

    @property
    def plan_confirmed(self) -> int:
        return sum(1 for item in self.plan if item.is_confirmed)

    @property
    def read_only(self) -> bool:
        return not self.actions

    @property
    def hr_only(self) -> bool:
        """The viewer is here as HR only (from the programme's list), not as a party to it."""
        return self.roles == {Party.HR}

    @property
    def viewer_label(self) -> str:
        for role, label in (
            (Party.MENTEE, "mentee"),
            (Party.MENTOR, "mentor"),
            (Party.MANAGER, "manager of the mentee"),
            (Party.HR, "HR admin" if self.actions else "HR admin (read-only)"),
        ):
            if role in self.roles:
                return label
        return ""

    @property
    def confirmer(self) -> str:
        """Who confirms the outcome: the manager's name, or "an HR admin"."""
        return confirmer_label(self.pairing)


def plan_items(pairing: Pairing) -> list[PlanItem]:
    return list(
        PlanItem.objects.filter(organization_id=pairing.organization_id, pairing=pairing).order_by(
            "position", "id"
        )
    )


def check_ins_of(pairing: Pairing) -> list[CheckIn]:
    return list(
        CheckIn.objects.filter(organization_id=pairing.organization_id, pairing=pairing)
        .select_related("author__user", "cohort")
        .order_by("-date", "-id")
    )


def reflections_for(pairing: Pairing, roles: set[str]) -> list[Reflection]:
    """All of them for the mentee; the shared ones for the mentor; none for anyone else."""
    reflections = Reflection.objects.filter(
        organization_id=pairing.organization_id, pairing=pairing
    ).order_by("-created_at", "-id")
    if Party.MENTEE in roles:
        return list(reflections)
    if Party.MENTOR in roles:
        return list(reflections.filter(shared_with_mentor=True))
    return []


def pairing_page(*, pairing: Pairing, roles: set[str], today: dt.date | None = None) -> PairingPage:
    today = today or timezone.localdate()
    names = level_names(organization_id=pairing.organization_id)
    deadline = None
    if pairing.state == State.PROPOSED:
        days = mentor_response_days(organization_id=pairing.organization_id)
        deadline = response_deadline(pairing, response_days=days)
    check_ins = check_ins_of(pairing)

    def name(level: int | None) -> str:
        return "" if level is None else names.get(level, str(level))

    return PairingPage(
        pairing=pairing,
        roles=roles,
        actions=available_actions(pairing, roles),
        baseline_name=name(pairing.baseline_level),
        target_name=name(pairing.target_level),
        reassessed_name=name(pairing.reassessed_level),
        confirmed_name=name(pairing.confirmed_level),
        progress=progress_of(pairing, today=today),
        plan=plan_items(pairing),
        check_ins=check_ins,
        reflections=reflections_for(pairing, roles),
        timeline=timeline(pairing),
        scale=sorted(names.items()),
        deadline=deadline,
        max_end_date=pairing.start_date
        + dt.timedelta(weeks=pairing.organization.max_pairing_weeks),
        last_check_in=check_ins[0] if check_ins else None,
    )


# --- My mentoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionItem:
    pairing: Pairing
    what: str


@dataclass
class Side:
    """One side of a person's mentoring (as mentee or as mentor), by phase."""

    proposed: list[Pairing] = field(default_factory=list)
    active: list[Pairing] = field(default_factory=list)
    review: list[Pairing] = field(default_factory=list)
    past: list[Pairing] = field(default_factory=list)

    def add(self, pairing: Pairing) -> None:
        if pairing.state == State.PROPOSED:
            self.proposed.append(pairing)
        elif pairing.state == State.ACTIVE:
            self.active.append(pairing)
        elif pairing.state == State.AWAITING_REVIEW:
            self.review.append(pairing)
        else:
            self.past.append(pairing)

    @property
    def current(self) -> list[Pairing]:
        return [*self.proposed, *self.active, *self.review]

    @property
    def empty(self) -> bool:
        return not (self.proposed or self.active or self.review or self.past)


@dataclass
class MyMentoring:
    employee: Employee
    as_mentee: Side
    as_mentor: Side
    slots_used: int
    capacity: int
    needs_action: list[ActionItem]
    to_confirm: list[Pairing]  # their reports' outcomes, and as HR admin those without a manager
    cohorts: Sequence[Cohort]


def my_mentoring(*, employee: Employee) -> MyMentoring:
    """A person's pairings as mentee and as mentor (proposed, active, in review, past), slots
    used of capacity, and what waits for them now; in a constant number of queries."""
    org_id = employee.organization_id
    pairings = list(
        _pairings(org_id)
        .filter(Q(mentee=employee) | Q(mentor=employee))
        .order_by("-created_at", "-id")
    )
    confirmer = Q(mentee__manager=employee)
    if employee.is_hr_admin:  # the outcomes no manager can confirm (see confirming_manager)
        confirmer |= (
            Q(mentee__manager__isnull=True)
            | Q(mentee__manager__is_active=False)
            | Q(mentor_id=F("mentee__manager_id"))
        )
    to_confirm = [
        p
        for p in _pairings(org_id)
        .filter(confirmer, state=State.AWAITING_REVIEW, reassessed_at__isnull=False)
        .exclude(Q(mentee=employee) | Q(mentor=employee))
        .order_by("finished_at", "id")
        if may_confirm(p, parties_of(p, employee))
    ]
    as_mentee, as_mentor = Side(), Side()
    needs: list[ActionItem] = []
    for p in pairings:
        if p.mentee_id == employee.pk:
            as_mentee.add(p)
            if p.state == State.AWAITING_REVIEW and p.reassessed_at is None:
                needs.append(ActionItem(p, "Re-assess yourself"))
            elif p.state == State.COMPLETED and p.thanked_at is None:
                needs.append(ActionItem(p, "Thank your mentor (optional)"))
        if p.mentor_id == employee.pk:
            as_mentor.add(p)
            if p.state == State.PROPOSED:
                needs.append(ActionItem(p, "Accept or decline"))
    needs.extend(ActionItem(p, f"Confirm {p.mentee.name}'s level") for p in to_confirm)
    cohorts = list(
        Cohort.objects.filter(organization_id=org_id, mentor=employee)
        .select_related("competency")
        .annotate(size=Count("pairings"))
        .order_by("-created_at", "-id")
    )
    used = sum(1 for p in pairings if p.mentor_id == employee.pk and p.state in Pairing.LOAD_STATES)
    return MyMentoring(
        employee=employee,
        as_mentee=as_mentee,
        as_mentor=as_mentor,
        slots_used=used,
        capacity=employee.mentor_capacity,
        needs_action=needs,
        to_confirm=to_confirm,
        cohorts=cohorts,
    )


# --- Recognition --------------------------------------------------------------------------------


@dataclass
class MentoringRecord:
    employee: Employee
    given: list[Pairing]  # completed, as mentor
    received: list[Pairing]  # completed, as mentee
    competencies_given: list[str]
    thank_you_notes: list[Pairing]

    @property
    def achieved_given(self) -> int:
        return sum(1 for p in self.given if p.outcome == Pairing.Outcome.ACHIEVED)

    @property
    def achieved_received(self) -> int:
        return sum(1 for p in self.received if p.outcome == Pairing.Outcome.ACHIEVED)

    @property
    def empty(self) -> bool:
        return not (self.given or self.received)


def mentoring_record(*, employee: Employee) -> MentoringRecord:
    """Mentoring given and received (completed pairings with their outcomes) and thank-you notes."""
    completed = list(
        _pairings(employee.organization_id)
        .filter(Q(mentee=employee) | Q(mentor=employee), state=State.COMPLETED)
        .order_by("-completed_at", "-id")
    )
    given = [p for p in completed if p.mentor_id == employee.pk]
    return MentoringRecord(
        employee=employee,
        given=given,
        received=[p for p in completed if p.mentee_id == employee.pk],
        competencies_given=sorted({p.competency.name for p in given}),
        thank_you_notes=[p for p in given if p.thank_you_note],
    )


# --- Cohorts ------------------------------------------------------------------------------------


def cohort_for_viewer(*, organization: Organization, viewer: Employee, pk: int) -> Cohort | None:
    """A cohort its mentor, its creator, its mentees, their managers or an HR admin may see."""
    cohort = (
        Cohort.objects.select_related("mentor__user", "competency", "created_by__user")
        .filter(organization=organization, pk=pk)
        .first()
    )
    if cohort is None:
        return None
    if viewer.is_hr_admin or viewer.pk in (cohort.mentor_id, cohort.created_by_id):
        return cohort
    involved = Pairing.objects.filter(organization=organization, cohort=cohort).filter(
        Q(mentee=viewer) | Q(mentee__manager=viewer)
    )
    return cohort if involved.exists() else None


@dataclass
class CohortPage:
    cohort: Cohort
    pairings: list[Pairing]
    check_ins: list[CheckIn]  # the shared ones, one per date (copies on each pairing)
    target_names: dict[int, str]

    @property
    def active(self) -> list[Pairing]:
        return [p for p in self.pairings if p.state == State.ACTIVE]


def cohort_page(*, cohort: Cohort) -> CohortPage:
    pairings = list(_pairings(cohort.organization_id).filter(cohort=cohort).order_by("pk"))
    shared = (
        CheckIn.objects.filter(organization_id=cohort.organization_id, cohort=cohort)
        .select_related("author__user")
        .order_by("-date", "-created_at", "id")
    )
    seen: set[tuple[dt.date, dt.datetime]] = set()
    unique: list[CheckIn] = []
    for check_in in shared:
        key = (check_in.date, check_in.created_at)
        if key not in seen:
            seen.add(key)
            unique.append(check_in)
    return CohortPage(
        cohort=cohort,
        pairings=pairings,
        check_ins=unique,
        target_names=level_names(organization_id=cohort.organization_id),
    )


def cohorts_of(*, employee: Employee) -> list[Cohort]:
    """Cohorts a person mentors or created, newest first."""
    return list(
        Cohort.objects.filter(organization_id=employee.organization_id)
        .filter(Q(mentor=employee) | Q(created_by=employee))
        .select_related("mentor__user", "competency")
        .annotate(size=Count("pairings"))
        .order_by("-created_at", "-id")
    )


def cohort_mentee_choices(*, actor: Employee) -> QuerySet[Employee]:
    """Whom the actor can group: their direct reports, or anyone active for an HR admin."""
    people = Employee.objects.filter(organization_id=actor.organization_id, is_active=True)
    if not actor.is_hr_admin:
        people = people.filter(manager=actor)
    return people.select_related("user").order_by("user__last_name", "user__first_name", "id")


def cohort_mentor_choices(*, actor: Employee) -> QuerySet[Employee]:
    """Available mentors of the organisation with a free slot (the cohort itself still checks
    that they have room for every mentee it proposes)."""
    load = (
        Pairing.objects.filter(
            organization_id=actor.organization_id,
            mentor=OuterRef("pk"),
            state__in=Pairing.LOAD_STATES,
        )
        .order_by()
        .values("mentor")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Employee.objects.filter(
            organization_id=actor.organization_id, is_active=True, mentor_available=True
        )
        .annotate(load=Coalesce(Subquery(load), 0))
        .filter(load__lt=F("mentor_capacity"))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


def pairings_visible_to(*, member: Employee) -> QuerySet[Pairing]:
    """The pairings a member takes part in: as mentee, mentor or the mentee's manager; every
    pairing for an HR admin."""
    pairings = _pairings(member.organization_id)
    if not member.is_hr_admin:
        pairings = pairings.filter(Q(mentee=member) | Q(mentor=member) | Q(mentee__manager=member))
    return pairings.order_by("-created_at", "-id")


# --- Reminders due ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    pairing: Pairing
    kind: str
    due_date: dt.date
    recipients: list[Employee | None]
    message: str
    subject: str


def reminders_due(organization: Organization, now: dt.datetime) -> list[DueReminder]:
    today = timezone.localdate(now)
    days = mentor_response_days(organization_id=organization.pk)
    pairings = list(
        Pairing.objects.filter(
            organization=organization,
            state__in=[State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW],
            mentee__is_active=True,
            mentor__is_active=True,
        )
        .select_related(
            "organization", "mentee__user", "mentee__manager__user", "mentor__user", "competency"
        )
        .annotate(last_check_in=Max("check_ins__date"))
        .order_by("pk")
    )
    due: list[DueReminder] = []
    hr_admins: list[Employee] | None = None  # loaded once, if a pairing needs them
    for p in pairings:
        title = pairing_title(p)
        if p.state == State.PROPOSED:
            deadline = response_deadline(p, response_days=days)
            if deadline - dt.timedelta(days=RESPONSE_REMINDER_DAYS) <= now < deadline:
                day = timezone.localtime(deadline).date()
                due.append(
                    DueReminder(
                        p,
                        ReminderSent.Kind.RESPONSE_PENDING,
                        day,
                        [p.mentor],
                        f"Please answer by {day_label(day)}: will you mentor {p.mentee.name} in "
                        f"{p.competency.name}? Without an answer the proposal expires.",
                        f"Reminder: will you mentor {p.mentee.name}?",
                    )
                )
        elif p.state == State.ACTIVE:
            since = max(
                d
                for d in (
                    getattr(p, "last_check_in", None),
                    timezone.localtime(p.accepted_at).date() if p.accepted_at else None,
                    p.start_date,
                )
                if d is not None
            )
            if since <= today - dt.timedelta(days=CHECK_IN_GAP_DAYS):
                day = since + dt.timedelta(days=CHECK_IN_GAP_DAYS)
                due.append(
                    DueReminder(
                        p,
                        ReminderSent.Kind.CHECK_IN_DUE,
                        day,
                        [p.mentee, p.mentor],
                        f"No check-in of {title} since {day_label(since)}: meet and log what went "
                        "well, what to improve and why it matters.",
                        f"Time for a check-in: {p.competency.name}",
                    )
                )
            if p.end_date - dt.timedelta(days=ENDING_REMINDER_DAYS) <= today < p.end_date:
                due.append(
                    DueReminder(
                        p,
                        ReminderSent.Kind.ENDING_SOON,
                        p.end_date,
                        [p.mentee, p.mentor],
                        f"{title} ends on {day_label(p.end_date)}. Wrap up the task; the mentee then "
                        "re-assesses the competency.",
                        f"Ending on {day_label(p.end_date)}: {p.competency.name}",
                    )
                )
        elif p.state == State.AWAITING_REVIEW:
            if p.reassessed_at is None and p.finished_at is not None:
                day = timezone.localtime(p.finished_at).date() + dt.timedelta(
                    days=REVIEW_REMINDER_DAYS
                )
                if day <= today:
                    due.append(
                        DueReminder(
                            p,
                            ReminderSent.Kind.REASSESSMENT_DUE,
                            day,
                            [p.mentee],
                            f"{title} is waiting for your re-assessment of {p.competency.name}.",
                            f"Reminder: re-assess {p.competency.name}",
                        )
                    )
            elif p.reassessed_at is not None:
                day = timezone.localtime(p.reassessed_at).date() + dt.timedelta(
                    days=REVIEW_REMINDER_DAYS
                )
                if day <= today:
                    if confirming_manager(p) is None and hr_admins is None:
                        hr_admins = hr_admins_of(organization.pk)
                    due.append(
                        DueReminder(
                            p,
                            ReminderSent.Kind.CONFIRMATION_DUE,
                            day,
                            list(confirmers(p, hr_admins=hr_admins)),
                            f"{p.mentee.name} re-assessed {p.competency.name}: please confirm "
                            f"the level they reached{as_hr_note(p)}.",
                            f"Reminder: confirm {p.mentee.name}'s level",
                        )
                    )
    return due
