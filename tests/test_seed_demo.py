"""`manage.py seed_demo`: the demo organisations, their people, org charts and mentoring history."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from assessments.models import Assessment, Rating, SkillProfile
from competencies.models import Competency, Role, RoleRequirement
from matching.demo import ACME, GLOBEX, SEED, plan_organisation
from matching.models import (
    CheckIn,
    MatchRun,
    MatchSuggestion,
    Pairing,
    PairingEvent,
    PlanItem,
    ReminderSent,
)
from matching.pairings.rules import mentor_response_days
from matching.pairings.selectors import ACTION_LABELS, my_mentoring
from matching.programme import selectors as programme
from matching.recompute import recompute_organization
from mentorship.models import Department, Employee, Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_output(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Seed once for the module, inside a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    with scopes_disabled():
        return {
            "organizations": Organization.objects.count(),
            "users": User.objects.count(),
            "employees": Employee.objects.count(),
            "departments": Department.objects.count(),
            "roles": Role.objects.count(),
            "competencies": Competency.objects.count(),
            "requirements": RoleRequirement.objects.count(),
            "assessments": Assessment.objects.count(),
            "ratings": Rating.objects.count(),
            "profiles": SkillProfile.objects.count(),
            "pairings": Pairing.objects.count(),
            "events": PairingEvent.objects.count(),
            "plan_items": PlanItem.objects.count(),
            "check_ins": CheckIn.objects.count(),
            "reminders": ReminderSent.objects.count(),
        }


def _member(email: str) -> Employee:
    return Employee.objects.select_related("role", "department", "manager__user").get(
        user__email=email
    )


def test_seed_prints_what_it_made_and_the_logins(seed_output) -> None:
    assert "Acme Corporation (acme): created" in seed_output
    assert "Globex (globex): created" in seed_output
    assert "http://127.0.0.1:8000" in seed_output
    for email in ("hr@acme.example", "manager@acme.example", "employee@acme.example"):
        assert email in seed_output
    assert "hr@globex.example" in seed_output and "mentoring-demo" in seed_output


def test_the_demo_has_mentor_suggestions_from_the_start(seed_output) -> None:
    from matching.models import MatchRun, MatchSuggestion

    manager = Employee.objects.get(user__email="manager@acme.example")
    for slug in ("acme", "globex"):
        run = MatchRun.objects.get(organization__slug=slug)
        assert run.status == "succeeded" and run.suggestions > 0
    assert MatchSuggestion.objects.filter(mentee__manager=manager, status="open").exists()
    assert "mentor suggestions" in seed_output


def test_seeding_again_changes_nothing(seed_output) -> None:
    before = _counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert _counts() == before
    assert out.getvalue().count("already seeded") == 2


def test_organisations_have_the_expected_size_and_model(seed_output) -> None:
    acme = Organization.objects.get(slug="acme")
    globex = Organization.objects.get(slug="globex")
    assert acme.name == "Acme Corporation" and globex.name == "Globex"
    assert 250 <= Employee.objects.filter(organization=acme).count() <= 350
    assert 30 <= Employee.objects.filter(organization=globex).count() <= 50
    assert Department.objects.filter(organization=acme).count() >= 6
    for org in (acme, globex):
        assert Competency.objects.filter(organization=org).count() == 35
        assert RoleRequirement.objects.filter(organization=org).exists()
    acme_roles = set(Role.objects.filter(organization=acme).values_list("code", flat=True))
    assert {"41-4012.00", "13-1071.00", "15-1251.00", "15-2051.01"} <= acme_roles
    assert 5 <= Role.objects.filter(organization=globex).count() <= 8


def test_fixed_accounts_have_their_roles_and_relations(seed_output) -> None:
    hr = _member("hr@acme.example")
    manager = _member("manager@acme.example")
    employee = _member("employee@acme.example")
    globex_hr = _member("hr@globex.example")

    assert hr.is_hr_admin and hr.department is not None and hr.department.name == "People"
    assert globex_hr.is_hr_admin and globex_hr.organization.slug == "globex"
    assert not manager.is_hr_admin and not employee.is_hr_admin
    assert manager.department is not None and manager.department.name == "Engineering"
    assert manager.role is not None and manager.role.name == "Computer Programmers"
    assert manager.reports.count() >= 5
    assert employee.manager == manager and employee.role == manager.role
    assert authenticate(username="employee@acme.example", password="mentoring-demo") is not None
    colleague = manager.reports.exclude(pk=employee.pk).select_related("user").first()
    assert colleague is not None
    assert authenticate(username=colleague.user.email, password="mentoring-demo") is not None


def test_everyone_but_the_ceo_has_a_manager_and_there_is_no_cycle(seed_output) -> None:
    for slug in ("acme", "globex"):
        managers = dict(
            Employee.objects.filter(organization__slug=slug).values_list("id", "manager_id")
        )
        roots = [pk for pk, manager in managers.items() if manager is None]
        assert len(roots) == 1
        for start in managers:
            seen, current = set(), start
            while current is not None:
                assert current not in seen, "manager cycle"
                seen.add(current)
                current = managers[current]


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_people_are_realistic(seed_output, slug) -> None:
    people = list(Employee.objects.filter(organization__slug=slug).select_related("user", "role"))
    assert all(e.role is not None and e.job_title and e.department_id for e in people)
    assert all(e.user.first_name and e.user.last_name for e in people)
    assert len({e.user.email for e in people}) == len(people)
    assert sorted(e.external_id for e in people)[0] == f"{slug.upper()}-0001"
    capacities = [e.mentor_capacity for e in people]
    assert capacities.count(2) >= len(people) / 2 and set(capacities) <= {1, 2, 3}
    spans: dict[int, int] = {}
    for e in people:
        if e.manager_id:
            spans[e.manager_id] = spans.get(e.manager_id, 0) + 1
    assert min(spans.values()) >= 4 and max(spans.values()) <= 10


def test_the_plan_is_deterministic() -> None:
    def plan() -> list[object]:
        rng = random.Random(SEED)
        return [plan_organisation(spec, rng) for spec in (ACME, GLOBEX)]

    assert plan() == plan()


# --- The mentoring history ----------------------------------------------------------------------

State = Pairing.State
FIXED_EMAILS = {
    "hr@acme.example",
    "manager@acme.example",
    "employee@acme.example",
    "hr@globex.example",
}


def _pairings(slug: str) -> list[Pairing]:
    return list(
        Pairing.objects.filter(organization__slug=slug)
        .select_related(
            "organization",
            "mentee__user",
            "mentee__manager__user",
            "mentor__user",
            "competency",
        )
        .prefetch_related("events", "plan_items", "check_ins")
        .order_by("created_at", "id")
    )


def _closed_at(pairing: Pairing) -> dt.datetime | None:
    """When the pairing stopped taking a mentor slot (None while it still takes one)."""
    for event in pairing.events.all():
        if event.to_state not in Pairing.LOAD_STATES:
            return event.created_at
    return None


def _level_before(pairing: Pairing, person_id: int) -> int | None:
    """A person's effective level in the pairing's competency from the assessments submitted
    before it was proposed: the manager's rating if there is one, else their own."""
    ratings = Rating.objects.filter(
        organization_id=pairing.organization_id,
        competency_id=pairing.competency_id,
        assessment__subject_id=person_id,
        assessment__submitted_at__lt=pairing.created_at,
    ).order_by("assessment__submitted_at")
    by_kind = {r.assessment.kind: r.level for r in ratings.select_related("assessment")}
    return by_kind.get("manager", by_kind.get("self"))


@pytest.mark.parametrize(("slug", "low", "high"), [("acme", 35, 45), ("globex", 4, 8)])
def test_the_history_has_pairings_in_every_state(seed_output, slug, low, high) -> None:
    pairings = _pairings(slug)
    people = Employee.objects.filter(organization__slug=slug).count()
    assert low <= len(pairings) <= high
    assert 0.11 <= len({p.mentee_id for p in pairings}) / people <= 0.15
    states = {p.state for p in pairings}
    outcomes = {p.outcome for p in pairings if p.state == State.COMPLETED}
    assert {State.PROPOSED, State.ACTIVE, State.AWAITING_REVIEW, State.COMPLETED} <= states
    assert outcomes == {Pairing.Outcome.ACHIEVED, Pairing.Outcome.NOT_ACHIEVED}
    if slug == "globex":
        return
    assert states == set(State.values)
    completed = [p for p in pairings if p.state == State.COMPLETED]
    achieved = [p for p in completed if p.outcome == Pairing.Outcome.ACHIEVED]
    assert len(achieved) / len(completed) >= 0.75
    assert any(p.thank_you_note and p.thanked_at for p in completed)
    assert any(p.is_extended and p.extension_reason for p in pairings)
    today = timezone.localdate()
    active = [p for p in pairings if p.state == State.ACTIVE]
    assert any(p.end_date <= today + dt.timedelta(days=3) for p in active)
    assert all(p.end_date > today for p in active)
    review = [p for p in pairings if p.state == State.AWAITING_REVIEW]
    assert {p.reassessed_at is None for p in review} == {True, False}
    recent = timezone.now() - dt.timedelta(days=14)
    assert all(p.finished_at and p.finished_at > recent for p in review)
    proposed = [p for p in pairings if p.state == State.PROPOSED]
    days = mentor_response_days(organization_id=pairings[0].organization_id)
    window = timezone.now() - dt.timedelta(days=min(3, days))
    assert 2 <= len(proposed) <= 3 and all(p.created_at > window for p in proposed)
    oldest = min(p.created_at for p in pairings)
    assert timezone.now() - oldest > dt.timedelta(days=120)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_every_pairing_works_on_a_real_gap_with_an_eligible_mentor(seed_output, slug) -> None:
    organization = Organization.objects.get(slug=slug)
    for p in _pairings(slug):
        mentee, mentor = p.mentee, p.mentor
        assert mentee.manager is not None and mentee.manager != mentor
        assert mentor.manager_id != mentee.pk and mentor != mentee
        assert p.created_by == mentee.manager
        required = RoleRequirement.objects.get(
            organization=organization, role=mentee.role, competency=p.competency
        ).required_level
        assert p.target_level == required
        assert p.baseline_level == _level_before(p, mentee.pk)
        assert p.baseline_level < p.target_level
        profile = SkillProfile.objects.get(employee=mentee, competency=p.competency)
        assert profile.first_gap_seen_at is not None and profile.first_gap_seen_at < p.created_at
        needed = max(organization.mentor_threshold_level, p.target_level)
        mentor_level = _level_before(p, mentor.pk)
        assert mentor_level is not None and mentor_level >= needed
        assert SkillProfile.objects.get(
            employee=mentor, competency=p.competency
        ).effective_level == (mentor_level)
        assert mentor.mentor_available and mentor.is_active
        assert p.start_date < p.end_date
        assert p.end_date - p.start_date <= dt.timedelta(weeks=organization.max_pairing_weeks)
        assert timezone.localdate(p.created_at) <= p.start_date  # never starts in the past
        assert len(p.task) >= 10


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_no_mentor_ever_holds_more_pairings_than_their_capacity(seed_output, slug) -> None:
    pairings = _pairings(slug)
    spans = [(p.mentor, p.created_at, _closed_at(p)) for p in pairings]
    for p in pairings:
        at_proposal = sum(
            1
            for mentor, opened, closed in spans
            if mentor == p.mentor
            and opened <= p.created_at
            and (closed is None or closed > p.created_at)
        )
        assert at_proposal <= p.mentor.mentor_capacity
    for mentor in {p.mentor for p in pairings}:
        open_now = [p for p in pairings if p.mentor == mentor and p.state in Pairing.LOAD_STATES]
        assert len(open_now) <= mentor.mentor_capacity
    # One open pairing per gap, as the database insists, and nobody is a mentee twice.
    assert len({p.mentee_id for p in pairings}) == len(pairings)


def test_most_mentoring_crosses_departments(seed_output) -> None:
    headline = programme.headline(organization=Organization.objects.get(slug="acme"))
    assert headline.met >= 25
    assert headline.cross_department_rate is not None and headline.cross_department_rate > 50
    assert headline.cross_department < headline.met  # some same-department pairs too
    assert headline.median_days_to_proficiency is not None


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_outcomes_show_in_the_skill_profiles(seed_output, slug) -> None:
    for p in _pairings(slug):
        profile = SkillProfile.objects.get(employee=p.mentee, competency=p.competency)
        focused = {
            a.kind: a
            for a in Assessment.objects.filter(
                subject=p.mentee, focus_competency=p.competency
            ).prefetch_related("ratings")
        }
        if p.reassessed_at is None:
            assert focused == {} and p.reassessed_level is None
            continue
        own = focused["self"]
        assert own.assessor == p.mentee and own.submitted_at == p.reassessed_at
        assert [(r.competency_id, r.level) for r in own.ratings.all()] == [
            (p.competency_id, p.reassessed_level)
        ]
        if p.state == State.AWAITING_REVIEW:
            assert "manager" not in focused and p.confirmed_level is None
            continue
        assert p.state == State.COMPLETED
        confirmation = focused["manager"]
        assert confirmation.assessor == p.mentee.manager
        assert confirmation.submitted_at == p.completed_at
        assert [(r.competency_id, r.level) for r in confirmation.ratings.all()] == [
            (p.competency_id, p.confirmed_level)
        ]
        assert profile.manager_level == profile.effective_level == p.confirmed_level
        assert profile.self_level == p.reassessed_level
        if p.outcome == Pairing.Outcome.ACHIEVED:
            assert profile.effective_level >= p.target_level
            assert profile.first_gap_seen_at is not None and p.completed_at is not None
            assert p.days_to_proficiency == (p.completed_at - profile.first_gap_seen_at).days
        else:
            assert p.outcome == Pairing.Outcome.NOT_ACHIEVED
            assert p.baseline_level <= profile.effective_level < p.target_level
            assert p.days_to_proficiency is None


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_timelines_follow_the_lifecycle(seed_output, slug) -> None:
    now = timezone.now()
    for p in _pairings(slug):
        events = list(p.events.all())
        times = [p.created_at] + [e.created_at for e in events]
        assert times == sorted(times) and len(set(times)) == len(times) and times[-1] < now
        state: str = State.PROPOSED
        for event in events:
            assert event.action in ACTION_LABELS and event.from_state == state
            state = event.to_state
        assert state == p.state
        by_action = {e.action: e for e in events}
        assert len(by_action) == len(events)  # each step happens once
        accepted = by_action.get("accepted")
        if accepted is None:
            assert p.accepted_at is None
        else:
            assert accepted.created_at == p.accepted_at and accepted.actor == p.mentor
        went = by_action.get("ended") or by_action.get("finished")
        assert (went.created_at if went else None) == p.finished_at
        if "ended" in by_action:
            assert by_action["ended"].actor is None
        if "finished" in by_action:
            assert by_action["finished"].actor in (p.mentor, p.mentee)
        reassessed = by_action.get("reassessed")
        if reassessed is None:
            assert p.reassessed_at is None
        else:
            assert reassessed.created_at == p.reassessed_at and reassessed.actor == p.mentee
        if p.completed_at:
            assert by_action["confirmed"].created_at == p.completed_at
            assert by_action["confirmed"].actor == p.mentee.manager
        assert ("thanked" in by_action) == (p.thanked_at is not None) == bool(p.thank_you_note)
        assert ("extended" in by_action) == p.is_extended
        if p.original_end_date is not None:  # extended before it would have ended
            assert p.original_end_date < p.end_date
            assert timezone.localdate(by_action["extended"].created_at) < p.original_end_date
        for action in ("declined", "cancelled", "expired", "extended"):
            if action in by_action:
                assert by_action[action].reason
        if "expired" in by_action:
            assert by_action["expired"].actor is None
        if p.state in (State.DECLINED, State.EXPIRED) or p.accepted_at is None:
            assert not p.plan_items.all() and not p.check_ins.all()
            continue
        worked_until = _closed_at(p) or now
        items = list(p.plan_items.all())
        assert items and items[0].source in (PlanItem.Source.BEHAVIOUR, PlanItem.Source.SCALE)
        for item in items:
            assert p.accepted_at <= item.created_at < worked_until
            if item.done_at:
                assert item.created_at < item.done_at < worked_until
            if item.confirmed_at:
                assert item.done_at and item.done_at < item.confirmed_at < worked_until
        for check_in in p.check_ins.all():
            assert check_in.went_well and check_in.to_improve and check_in.why_it_matters
            assert check_in.author in (p.mentor, p.mentee)
            assert p.start_date <= check_in.date < timezone.localdate(worked_until)
            assert p.accepted_at < check_in.created_at < worked_until
            if check_in.next_check_in is not None:
                assert check_in.date < check_in.next_check_in <= p.end_date
    assert any(p.check_ins.all() for p in _pairings(slug) if p.state == State.ACTIVE)


def test_the_demo_accounts_each_have_a_part_to_play(seed_output) -> None:
    employee = _member("employee@acme.example")
    manager = _member("manager@acme.example")
    hr_admins = list(
        Employee.objects.filter(user__email__in=["hr@acme.example", "hr@globex.example"])
    )
    # The demo employee mentors one active pairing, for someone outside their manager's team,
    # and is nobody's mentee (their own gaps are left for the manager to pair).
    mentoring = list(Pairing.objects.filter(mentor=employee))
    assert [p.state for p in mentoring] == [State.ACTIVE]
    assert mentoring[0].mentee.manager_id not in (manager.pk, employee.pk)
    assert not Pairing.objects.filter(mentee=employee).exists()
    mine = my_mentoring(employee=employee)
    assert len(mine.as_mentor.current) == 1 and mine.slots_used == 1
    # One of the manager's other reports has re-assessed and waits for the manager to confirm.
    team = list(Pairing.objects.filter(mentee__manager=manager))
    assert [(p.state, p.reassessed_at is not None) for p in team] == [(State.AWAITING_REVIEW, True)]
    assert [p.pk for p in my_mentoring(employee=manager).to_confirm] == [team[0].pk]
    assert not Pairing.objects.filter(mentor=manager).exists()
    # The HR admins mentor nobody and are nobody's mentee.
    assert not (
        Pairing.objects.filter(mentee__in=hr_admins) | Pairing.objects.filter(mentor__in=hr_admins)
    ).exists()


def test_the_recompute_runs_on_the_seeded_history(seed_output) -> None:
    acme = Organization.objects.get(slug="acme")
    run = recompute_organization(organization_id=acme.pk, trigger="manual")
    assert run is not None and run.status == MatchRun.Status.SUCCEEDED and run.suggestions > 0
    open_gaps = set(
        Pairing.objects.filter(organization=acme, state__in=Pairing.LOAD_STATES).values_list(
            "mentee_id", "competency_id"
        )
    )
    suggested = set(
        MatchSuggestion.objects.filter(organization=acme, status="open").values_list(
            "mentee_id", "competency_id"
        )
    )
    assert open_gaps and not open_gaps & suggested
    full = Employee.objects.filter(organization=acme).filter(
        pk__in=[
            p.mentor_id
            for p in Pairing.objects.filter(organization=acme, state__in=Pairing.LOAD_STATES)
        ]
    )
    for mentor in full:
        load = Pairing.objects.filter(mentor=mentor, state__in=Pairing.LOAD_STATES).count()
        if load >= mentor.mentor_capacity:
            assert not MatchSuggestion.objects.filter(mentor=mentor, status="open").exists()
    # A completed, achieved pairing closed its gap: no suggestions for it any more.
    achieved = Pairing.objects.filter(
        organization=acme, outcome=Pairing.Outcome.ACHIEVED
    ).values_list("mentee_id", "competency_id")
    assert achieved and not set(achieved) & suggested


def _history_listing(slug: str) -> list[tuple[object, ...]]:
    today = timezone.localdate()
    return [
        (
            p.mentee.external_id,
            p.mentor.external_id,
            p.competency.name,
            p.state,
            p.outcome,
            p.baseline_level,
            p.reassessed_level,
            p.confirmed_level,
            p.target_level,
            (p.start_date - today).days,
            (p.end_date - today).days,
            p.task,
            [(e.action, e.from_state, e.to_state, e.reason) for e in p.events.all()],
            [i.text for i in p.plan_items.all()],
            sorted(c.went_well for c in p.check_ins.all()),
        )
        for p in _pairings(slug)
    ]


def test_the_history_is_deterministic(seed_output) -> None:
    first = {slug: _history_listing(slug) for slug in ("acme", "globex")}
    # Seed again beside the first seeding: the same people (accounts are shared), a new history.
    for slug in ("acme", "globex"):
        Organization.objects.filter(slug=slug).update(slug=f"{slug}-first")
    call_command("seed_demo", stdout=StringIO())
    second = {slug: _history_listing(slug) for slug in ("acme", "globex")}
    assert first["acme"] and second == first
