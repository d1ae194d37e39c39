from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assessments import hooks, services
from assessments.models import Assessment, AssessmentRequestRecipient, Rating, SkillProfile
from assessments.selectors import gaps_for
from tests.factories import CompetencyFactory, EmployeeFactory, RoleFactory, RoleRequirementFactory

SELF, MANAGER = Assessment.Kind.SELF, Assessment.Kind.MANAGER


def self_assess(person, levels: dict) -> Assessment:
    draft = services.assessment_start(subject=person, assessor=person, kind=SELF)
    for comp, level in levels.items():
        services.rating_set(assessment=draft, actor=person, competency=comp, level=level)
    return services.assessment_submit(assessment=draft, actor=person)


def test_start_returns_the_same_open_draft(developer) -> None:
    first = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    again = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    assert first.pk == again.pk
    assert Assessment.objects.count() == 1


def test_self_assessing_someone_else_is_refused(developer, manager) -> None:
    with pytest.raises(ValidationError, match="only be about yourself"):
        services.assessment_start(subject=developer, assessor=manager, kind=SELF)


def test_only_the_direct_manager_can_assess(developer, hr) -> None:
    with pytest.raises(ValidationError, match="do not report to you"):
        services.assessment_start(subject=developer, assessor=hr, kind=MANAGER)
    assert not Assessment.objects.exists()


def test_level_outside_the_scale_is_refused(developer, skills) -> None:
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    with pytest.raises(ValidationError, match=r"outside this organisation's scale \(0–5\)"):
        services.rating_set(assessment=draft, actor=developer, competency=skills[0], level=6)
    assert not Rating.objects.exists()


def test_archived_or_foreign_competency_is_refused(developer, skills, other_org) -> None:
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    foreign = CompetencyFactory(organization=other_org)
    with pytest.raises(ValidationError, match="not in your organisation"):
        services.rating_set(assessment=draft, actor=developer, competency=foreign, level=2)
    skills[0].archived_at = timezone.now()
    skills[0].save(update_fields=["archived_at"])
    with pytest.raises(ValidationError, match="archived"):
        services.rating_set(assessment=draft, actor=developer, competency=skills[0], level=2)
    assert not Rating.objects.exists()


def test_only_the_assessor_can_edit_a_draft(developer, manager, skills) -> None:
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    with pytest.raises(PermissionDenied):
        services.rating_set(assessment=draft, actor=manager, competency=skills[0], level=2)


def test_submit_names_the_missing_competencies_and_writes_nothing(developer, skills) -> None:
    draft = services.assessment_start(subject=developer, assessor=developer, kind=SELF)
    services.rating_set(assessment=draft, actor=developer, competency=skills[0], level=3)
    with pytest.raises(ValidationError, match="Missing: Negotiation, Writing"):
        services.assessment_submit(assessment=draft, actor=developer)
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT
    assert not SkillProfile.objects.exists()


def test_submit_updates_the_profile_and_cannot_happen_twice(developer, skills) -> None:
    programming, writing, negotiation = skills
    submitted = self_assess(developer, {programming: 2, writing: 3, negotiation: 5})
    assert submitted.status == Assessment.Status.SUBMITTED and submitted.submitted_at
    profiles = {p.competency_id: p for p in SkillProfile.objects.filter(employee=developer)}
    assert profiles[programming.pk].self_level == 2
    assert profiles[programming.pk].effective_level == 2
    assert profiles[programming.pk].manager_confirmed is False
    assert profiles[programming.pk].first_gap_seen_at is not None
    assert profiles[writing.pk].first_gap_seen_at is None
    with pytest.raises(ValidationError, match="already submitted"):
        services.assessment_submit(assessment=submitted, actor=developer)


def test_manager_level_becomes_effective_and_self_is_kept(developer, manager, skills) -> None:
    programming, writing, negotiation = skills
    self_assess(developer, {programming: 5, writing: 3, negotiation: 2})
    draft = services.assessment_start(subject=developer, assessor=manager, kind=MANAGER)
    for comp, level in {programming: 3, writing: 3, negotiation: 2}.items():
        services.rating_set(assessment=draft, actor=manager, competency=comp, level=level)
    services.assessment_submit(assessment=draft, actor=manager)
    profile = SkillProfile.objects.get(employee=developer, competency=programming)
    assert (profile.self_level, profile.manager_level, profile.effective_level) == (5, 3, 3)
    assert profile.manager_confirmed is True
    # A later self-assessment does not override the manager-confirmed level.
    self_assess(developer, {programming: 4, writing: 3, negotiation: 2})
    profile.refresh_from_db()
    assert (profile.self_level, profile.effective_level) == (4, 3)


def test_gaps_are_sorted_by_priority(developer, skills) -> None:
    programming, writing, negotiation = skills
    self_assess(developer, {programming: 2, writing: 1, negotiation: 2})
    gaps = gaps_for(employee=developer)
    # Programming: (4-2)*5 = 10; Writing: (3-1)*2 = 4; Negotiation met.
    assert [(g.competency_name, g.priority) for g in gaps] == [("Programming", 10), ("Writing", 4)]
    assert not any(g.aspiration for g in gaps)


def test_target_role_and_goals_are_flagged_as_aspirations(org, developer, skills) -> None:
    programming, writing, negotiation = skills
    self_assess(developer, {programming: 4, writing: 3, negotiation: 2})
    lead = RoleFactory(organization=org, name="Tech Lead")
    RoleRequirementFactory(
        organization=org, role=lead, competency=negotiation, required_level=4, importance=4
    )
    explored = gaps_for(employee=developer, target_role=lead)
    assert [(g.competency_name, g.priority, g.aspiration) for g in explored] == [
        ("Negotiation", 8, True)
    ]
    assert gaps_for(employee=developer) == []
    services.goal_set_role(employee=developer, actor=developer, role=lead)
    services.goal_set_competency(
        employee=developer, actor=developer, competency=writing, target_level=5
    )
    gaps = gaps_for(employee=developer)
    assert {(g.competency_name, g.source) for g in gaps} == {
        ("Negotiation", "target role: Tech Lead"),
        ("Writing", "goal"),
    }


def test_goals_are_validated(developer, skills, other_org, manager) -> None:
    with pytest.raises(ValidationError, match="already your role"):
        services.goal_set_role(employee=developer, actor=developer, role=developer.role)
    with pytest.raises(ValidationError, match="not in your organisation"):
        services.goal_set_role(
            employee=developer, actor=developer, role=RoleFactory(organization=other_org)
        )
    with pytest.raises(ValidationError, match="outside"):
        services.goal_set_competency(
            employee=developer, actor=developer, competency=skills[0], target_level=9
        )
    with pytest.raises(PermissionDenied):
        services.goal_set_competency(
            employee=developer, actor=manager, competency=skills[0], target_level=4
        )


def test_submit_hooks_run_after_commit(developer, skills, django_capture_on_commit_callbacks):
    calls = []

    def hook(**kwargs):
        calls.append(kwargs)

    hooks.register_submit_hook(hook)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            self_assess(developer, dict.fromkeys(skills, 3))
    finally:
        hooks._submit_hooks.remove(hook)
    assert calls == [{"organization_id": developer.organization_id, "employee_id": developer.pk}]


def test_request_reaches_the_audience_and_completes_on_submit(org, hr, developer, skills):
    other = EmployeeFactory(organization=org, department=developer.department)
    request = services.assessment_request_create(
        organization=org,
        actor=hr,
        audience="department",
        department=developer.department,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    assert set(request.recipients.values_list("employee_id", flat=True)) >= {developer.pk, other.pk}
    self_assess(developer, dict.fromkeys(skills, 3))
    done = AssessmentRequestRecipient.objects.get(request=request, employee=developer)
    assert done.completed_at is not None
    assert (
        AssessmentRequestRecipient.objects.get(request=request, employee=other).completed_at is None
    )


def test_request_validation(org, hr, developer, other_org) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="today or later"):
        services.assessment_request_create(
            organization=org,
            actor=hr,
            audience="organization",
            due_date=timezone.localdate() - dt.timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="department of your organisation"):
        services.assessment_request_create(
            organization=org, actor=hr, audience="department", due_date=tomorrow
        )
    with pytest.raises(PermissionDenied):
        services.assessment_request_create(
            organization=org, actor=developer, audience="organization", due_date=tomorrow
        )


def test_overdue_reminder_is_sent_once(org, hr, developer, skills) -> None:
    services.assessment_request_create(
        organization=org,
        actor=hr,
        audience="role",
        role=developer.role,
        due_date=timezone.localdate(),
    )
    later = timezone.localdate() + dt.timedelta(days=1)
    assert services.assessment_reminders_send(organization=org, today=timezone.localdate()) == 0
    assert services.assessment_reminders_send(organization=org, today=later) == 1
    assert services.assessment_reminders_send(organization=org, today=later) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [developer.user.email]
    assert "/o/acme/" in mail.outbox[0].body


def test_the_reminder_writes_the_due_date_as_the_product_does(
    org, hr, developer, skills, time_machine
) -> None:
    time_machine.move_to(dt.datetime(2030, 12, 2, 12, tzinfo=dt.UTC), tick=False)
    services.assessment_request_create(
        organization=org,
        actor=hr,
        audience="role",
        role=developer.role,
        due_date=dt.date(2030, 12, 2),
    )
    assert services.assessment_reminders_send(organization=org, today=dt.date(2030, 12, 3)) == 1
    assert "asked you to assess your skills by 2 Dec 2030." in mail.outbox[0].body


def test_bulk_load_folds_like_interactive_submits(developer, manager, skills) -> None:
    programming, writing, _ = skills
    t0 = timezone.now() - dt.timedelta(days=30)
    written = services.assessments_load_submitted(
        organization=developer.organization,
        entries=[
            services.SubmittedAssessment(
                subject=developer,
                assessor=developer,
                kind=SELF,
                submitted_at=t0,
                levels={programming.pk: 5, writing.pk: 2},
            ),
            services.SubmittedAssessment(
                subject=developer,
                assessor=manager,
                kind=MANAGER,
                submitted_at=t0 + dt.timedelta(days=1),
                levels={programming.pk: 3},
            ),
        ],
    )
    assert written == 3
    prog = SkillProfile.objects.get(employee=developer, competency=programming)
    assert (prog.self_level, prog.manager_level, prog.effective_level) == (5, 3, 3)
    assert prog.manager_confirmed and prog.first_gap_seen_at is not None
    assert SkillProfile.objects.get(employee=developer, competency=writing).effective_level == 2
    assert Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count() == 2


def test_bulk_load_is_all_or_nothing(developer, hr, skills) -> None:
    with pytest.raises(ValidationError, match=r"entries\[1\]"):
        services.assessments_load_submitted(
            organization=developer.organization,
            entries=[
                services.SubmittedAssessment(
                    subject=developer,
                    assessor=developer,
                    kind=SELF,
                    submitted_at=timezone.now(),
                    levels={skills[0].pk: 3},
                ),
                services.SubmittedAssessment(
                    subject=developer,
                    assessor=hr,
                    kind=MANAGER,
                    submitted_at=timezone.now(),
                    levels={skills[0].pk: 3},
                ),
            ],
        )
    assert not Assessment.objects.exists() and not SkillProfile.objects.exists()
