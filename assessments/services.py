"""Writes: assessments and ratings, the skill profile they maintain, goals, assessment requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.hooks import run_submit_hooks_on_commit
from assessments.models import (
    Assessment,
    AssessmentRequest,
    AssessmentRequestRecipient,
    DevelopmentGoal,
    Rating,
    SkillProfile,
)
from competencies.models import Competency, Role, RoleRequirement
from competencies.selectors import scale_bounds
from mentorship.audit import audit_record
from mentorship.models import Department, Employee, Organization

Kind = Assessment.Kind


def _check_assessor(*, subject: Employee, assessor: Employee, kind: str) -> None:
    if subject.organization_id != assessor.organization_id:
        raise ValidationError({"subject": "This person is not in your organisation."})
    if not subject.is_active:
        raise ValidationError({"subject": f"{subject.name} is no longer active."})
    if kind == Kind.SELF and subject.pk != assessor.pk:
        raise ValidationError({"subject": "A self-assessment can only be about yourself."})
    if kind == Kind.MANAGER and subject.manager_id != assessor.pk:
        raise ValidationError(
            {
                "subject": f"Only {subject.name}'s manager can assess them; they do not report to you."
            }
        )
    if kind not in Kind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}: use 'self' or 'manager'."})


def _check_stand_in(*, subject: Employee, assessor: Employee, kind: str) -> None:
    if kind != Kind.MANAGER:
        raise ValidationError({"kind": "Only a manager's rating can be given in their place."})
    if subject.organization_id != assessor.organization_id:
        raise ValidationError({"subject": "This person is not in your organisation."})
    if not subject.is_active:
        raise ValidationError({"subject": f"{subject.name} is no longer active."})
    if not assessor.is_hr_admin:
        raise ValidationError({"subject": "Only an HR admin can rate in a manager's place."})
    if assessor.pk == subject.pk:
        raise ValidationError({"subject": "Nobody can give the manager's rating of themselves."})


@transaction.atomic
def assessment_start(*, subject: Employee, assessor: Employee, kind: str) -> Assessment:
    """The open draft of this assessor for this subject and kind, created if there is none."""
    _check_assessor(subject=subject, assessor=assessor, kind=kind)
    draft = Assessment.objects.filter(
        organization=subject.organization,
        subject=subject,
        assessor=assessor,
        kind=kind,
        status=Assessment.Status.DRAFT,
    ).first()
    if draft is not None:
        return draft
    try:
        with transaction.atomic():
            return Assessment.objects.create(
                organization=subject.organization,
                subject=subject,
                assessor=assessor,
                kind=kind,
                role=subject.role,
            )
    except IntegrityError:  # a concurrent request created it first
        return Assessment.objects.get(
            organization=subject.organization,
            subject=subject,
            assessor=assessor,
            kind=kind,
            status=Assessment.Status.DRAFT,
        )


def _check_can_edit(*, assessment: Assessment, actor: Employee) -> None:
    if actor.pk != assessment.assessor_id:
        raise PermissionDenied("Only the assessor can change this assessment.")
    if not assessment.is_draft:
        raise ValidationError({"status": "This assessment was already submitted."})


def _check_level(*, organization: Organization, level: int, field: str = "level") -> None:
    low, high = scale_bounds(organization=organization)
    if not isinstance(level, int) or not low <= level <= high:
        raise ValidationError(
            {field: f"Level {level} is outside this organisation's scale ({low}–{high})."}
        )


def _check_competency(*, organization: Organization, competency: Competency) -> None:
    if competency.organization_id != organization.pk:
        raise ValidationError({"competency": "This competency is not in your organisation."})
    if competency.archived_at is not None:
        raise ValidationError({"competency": f"{competency.name} is archived and cannot be rated."})


@transaction.atomic
def rating_set(
    *,
    assessment: Assessment,
    actor: Employee,
    competency: Competency,
    level: int,
    evidence: str = "",
) -> Rating:
    """Record (or change) one rating of a draft; this is what autosave calls."""
    _check_can_edit(assessment=assessment, actor=actor)
    _check_competency(organization=assessment.organization, competency=competency)
    _check_level(organization=assessment.organization, level=level)
    if len(evidence) > 2000:
        raise ValidationError({"evidence": "Keep the evidence note under 2,000 characters."})
    rating, _ = Rating.objects.update_or_create(
        organization=assessment.organization,
        assessment=assessment,
        competency=competency,
        defaults={"level": level, "evidence": evidence.strip()},
    )
    assessment.save(update_fields=["updated_at"])
    return rating


@transaction.atomic
def rating_clear(*, assessment: Assessment, actor: Employee, competency: Competency) -> None:
    _check_can_edit(assessment=assessment, actor=actor)
    Rating.objects.filter(
        organization=assessment.organization, assessment=assessment, competency=competency
    ).delete()


def required_competencies(*, employee: Employee) -> list[RoleRequirement]:
    if employee.role_id is None:
        return []
    return list(
        RoleRequirement.objects.filter(
            organization_id=employee.organization_id,
            role_id=employee.role_id,
            competency__archived_at__isnull=True,
        ).select_related("competency")
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Employee) -> Assessment:
    """Submit a draft and update the subject's skill profile in the same transaction."""
    locked = (
        Assessment.objects.select_for_update()
        .filter(organization=assessment.organization, pk=assessment.pk)
        .first()
    )
    if locked is None:
        raise ValidationError({"assessment": "This assessment no longer exists."})
    _check_can_edit(assessment=locked, actor=actor)
    subject = Employee.objects.select_related("organization").get(
        organization=locked.organization, pk=locked.subject_id
    )
    ratings = list(
        Rating.objects.filter(organization=locked.organization, assessment=locked).select_related(
            "competency"
        )
    )
    requirements = required_competencies(employee=subject)
    rated = {r.competency_id for r in ratings}
    missing = [req.competency.name for req in requirements if req.competency_id not in rated]
    if missing:
        raise ValidationError(
            {
                "ratings": "Rate every competency of the role before submitting. Missing: "
                + ", ".join(sorted(missing))
                + "."
            }
        )
    if not ratings:
        raise ValidationError({"ratings": "Rate at least one competency before submitting."})

    now = timezone.now()
    locked.status = Assessment.Status.SUBMITTED
    locked.submitted_at = now
    locked.role_id = subject.role_id
    locked.save(update_fields=["status", "submitted_at", "role", "updated_at"])
    _profile_apply(
        subject=subject, kind=locked.kind, ratings=ratings, requirements=requirements, at=now
    )
    if locked.kind == Kind.SELF:
        AssessmentRequestRecipient.objects.filter(
            organization=locked.organization,
            employee=subject,
            completed_at__isnull=True,
            request__created_at__lte=now,
        ).update(completed_at=now)
    run_submit_hooks_on_commit(organization_id=subject.organization_id, employee_id=subject.pk)
    return locked


@transaction.atomic
def assessment_submit_focused(
    *,
    subject: Employee,
    assessor: Employee,
    kind: str,
    competency: Competency,
    level: int,
    evidence: str = "",
    in_place_of_manager: bool = False,
) -> Assessment:
    """A focused re-assessment: one competency rated and submitted at once, without rating the
    whole role (a pairing's mentee re-assesses, then their manager confirms).

    Same checks as the normal path (who may assess whom, a competency of the organisation, a
    level on the scale) and the same folding into the skill profile. No draft is left behind, so
    a normal assessment in progress is untouched.

    `in_place_of_manager`: an HR admin gives the manager's rating for someone who has no manager
    to give it (the caller decides when that applies, e.g. a pairing's confirmation).
    """
    if in_place_of_manager:
        _check_stand_in(subject=subject, assessor=assessor, kind=kind)
    else:
        _check_assessor(subject=subject, assessor=assessor, kind=kind)
    _check_competency(organization=subject.organization, competency=competency)
    _check_level(organization=subject.organization, level=level)
    text = (evidence or "").strip()
    if len(text) > 2000:
        raise ValidationError({"evidence": "Keep the evidence note under 2,000 characters."})
    now = timezone.now()
    assessment = Assessment.objects.create(
        organization=subject.organization,
        subject=subject,
        assessor=assessor,
        kind=kind,
        status=Assessment.Status.SUBMITTED,
        role_id=subject.role_id,
        focus_competency=competency,
        created_at=now,
        submitted_at=now,
    )
    rating = Rating.objects.create(
        organization=subject.organization,
        assessment=assessment,
        competency=competency,
        level=level,
        evidence=text,
    )
    _profile_apply(
        subject=subject,
        kind=kind,
        ratings=[rating],
        requirements=required_competencies(employee=subject),
        at=now,
    )
    run_submit_hooks_on_commit(organization_id=subject.organization_id, employee_id=subject.pk)
    return assessment


def _profile_fold(
    profile: SkillProfile, *, kind: str, level: int, at: dt.datetime, required: int | None
) -> None:
    """Fold one submitted rating into a profile row: the one rule for how levels combine."""
    if kind == Kind.SELF:
        profile.self_level, profile.self_assessed_at = level, at
    else:
        profile.manager_level, profile.manager_assessed_at = level, at
    profile.manager_confirmed = profile.manager_level is not None
    profile.effective_level = (
        profile.manager_level if profile.manager_level is not None else profile.self_level or 0
    )
    if required is not None and profile.effective_level < required:
        profile.first_gap_seen_at = profile.first_gap_seen_at or at
    profile.updated_at = at


PROFILE_FIELDS = [
    "self_level",
    "self_assessed_at",
    "manager_level",
    "manager_assessed_at",
    "manager_confirmed",
    "effective_level",
    "first_gap_seen_at",
    "updated_at",
]


def _profile_apply(
    *,
    subject: Employee,
    kind: str,
    ratings: list[Rating],
    requirements: list[RoleRequirement],
    at: dt.datetime,
) -> None:
    """Fold submitted ratings into the skill profile: one read and two bulk writes."""
    required = {req.competency_id: req.required_level for req in requirements}
    existing = {
        p.competency_id: p
        for p in SkillProfile.objects.filter(
            organization_id=subject.organization_id,
            employee=subject,
            competency_id__in=[r.competency_id for r in ratings],
        )
    }
    to_create: list[SkillProfile] = []
    for rating in ratings:
        profile = existing.get(rating.competency_id)
        if profile is None:
            profile = SkillProfile(
                organization_id=subject.organization_id,
                employee=subject,
                competency_id=rating.competency_id,
                effective_level=rating.level,
            )
            to_create.append(profile)
        _profile_fold(
            profile,
            kind=kind,
            level=rating.level,
            at=at,
            required=required.get(rating.competency_id),
        )
    SkillProfile.objects.bulk_create(to_create)
    SkillProfile.objects.bulk_update(list(existing.values()), PROFILE_FIELDS)


@dataclass(frozen=True)
class SubmittedAssessment:
    """An assessment that already happened, for bulk loading (demo data, initial imports)."""

    subject: Employee
    assessor: Employee
    kind: str
    submitted_at: dt.datetime
    levels: dict[int, int]  # competency id -> level
    evidence: dict[int, str] = field(default_factory=dict)
    # A focused re-assessment (see assessment_submit_focused): rates this one competency only.
    focus_competency_id: int | None = None


@transaction.atomic
def assessments_load_submitted(
    *, organization: Organization, entries: list[SubmittedAssessment]
) -> int:
    """Record many submitted assessments at once and build the skill profiles they imply.

    Applies the same checks as the interactive path (who may assess whom, levels on the scale,
    competencies of this organisation) and the same folding rule, in a constant number of queries.
    Returns the number of ratings written. Nothing is written if any entry is invalid.
    """
    low, high = scale_bounds(organization=organization)
    competency_ids = set(
        Competency.objects.filter(organization=organization, archived_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for index, entry in enumerate(entries):
        try:
            _check_assessor(subject=entry.subject, assessor=entry.assessor, kind=entry.kind)
        except ValidationError as exc:
            raise ValidationError({f"entries[{index}]": exc.messages}) from exc
        focus = entry.focus_competency_id
        if focus is not None and (focus not in competency_ids or set(entry.levels) != {focus}):
            raise ValidationError(
                {
                    f"entries[{index}]": "A focused assessment rates its one competency of this "
                    "organisation, and only that one."
                }
            )
        for competency_id, level in entry.levels.items():
            if competency_id not in competency_ids:
                raise ValidationError(
                    {
                        f"entries[{index}]": f"Competency {competency_id} is not in this organisation."
                    }
                )
            if not low <= level <= high:
                raise ValidationError(
                    {f"entries[{index}]": f"Level {level} is outside the scale ({low}–{high})."}
                )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            organization=organization,
            subject=e.subject,
            assessor=e.assessor,
            kind=e.kind,
            status=Assessment.Status.SUBMITTED,
            role_id=e.subject.role_id,
            focus_competency_id=e.focus_competency_id,
            created_at=e.submitted_at,
            submitted_at=e.submitted_at,
        )
        for e in entries
    )
    ratings = [
        Rating(
            organization=organization,
            assessment=assessment,
            competency_id=competency_id,
            level=level,
            evidence=entry.evidence.get(competency_id, ""),
        )
        for assessment, entry in zip(assessments, entries, strict=True)
        for competency_id, level in entry.levels.items()
    ]
    Rating.objects.bulk_create(ratings, batch_size=1000)

    required = {
        (r.role_id, r.competency_id): r.required_level
        for r in RoleRequirement.objects.filter(organization=organization)
    }
    subject_ids = {e.subject.pk for e in entries}
    profiles = {
        (p.employee_id, p.competency_id): p
        for p in SkillProfile.objects.filter(organization=organization, employee_id__in=subject_ids)
    }
    existing_keys = set(profiles)
    touched: set[tuple[int, int]] = set()
    for entry in sorted(entries, key=lambda e: e.submitted_at):
        for competency_id, level in entry.levels.items():
            key = (entry.subject.pk, competency_id)
            touched.add(key)
            if key not in profiles:
                profiles[key] = SkillProfile(
                    organization=organization,
                    employee_id=entry.subject.pk,
                    competency_id=competency_id,
                    effective_level=level,
                )
            _profile_fold(
                profiles[key],
                kind=entry.kind,
                level=level,
                at=entry.submitted_at,
                required=required.get((entry.subject.role_id or 0, competency_id)),
            )
    SkillProfile.objects.bulk_create(
        [p for k, p in profiles.items() if k not in existing_keys], batch_size=1000
    )
    # Only the rows these entries rated: a focused entry touches one of the subject's profiles.
    SkillProfile.objects.bulk_update(
        [profiles[k] for k in sorted(touched & existing_keys)], PROFILE_FIELDS, batch_size=1000
    )
    return len(ratings)


# --- Development goals ---------------------------------------------------------------------------


@transaction.atomic
def goal_set_role(*, employee: Employee, actor: Employee, role: Role) -> DevelopmentGoal:
    if actor.pk != employee.pk:
        raise PermissionDenied("People set their own development goals.")
    if role.organization_id != employee.organization_id:
        raise ValidationError({"target_role": "This role is not in your organisation."})
    if role.archived_at is not None:
        raise ValidationError({"target_role": f"{role.name} is archived."})
    if role.pk == employee.role_id:
        raise ValidationError({"target_role": "This is already your role."})
    goal, _ = DevelopmentGoal.objects.get_or_create(
        organization=employee.organization, employee=employee, target_role=role
    )
    return goal


@transaction.atomic
def goal_set_competency(
    *, employee: Employee, actor: Employee, competency: Competency, target_level: int
) -> DevelopmentGoal:
    if actor.pk != employee.pk:
        raise PermissionDenied("People set their own development goals.")
    _check_competency(organization=employee.organization, competency=competency)
    _check_level(organization=employee.organization, level=target_level, field="target_level")
    goal, _ = DevelopmentGoal.objects.update_or_create(
        organization=employee.organization,
        employee=employee,
        competency=competency,
        defaults={"target_level": target_level},
    )
    return goal


@transaction.atomic
def goal_remove(*, goal: DevelopmentGoal, actor: Employee) -> None:
    if actor.pk != goal.employee_id:
        raise PermissionDenied("People manage their own development goals.")
    goal.delete()


# --- Assessment requests -------------------------------------------------------------------------


@transaction.atomic
def assessment_request_create(
    *,
    organization: Organization,
    actor: Employee,
    audience: str,
    due_date: dt.date,
    department: Department | None = None,
    role: Role | None = None,
    message: str = "",
) -> AssessmentRequest:
    if not actor.is_hr_admin:
        raise PermissionDenied("Only HR admins can request assessments.")
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": "The due date must be today or later."})
    people = Employee.objects.filter(organization=organization, is_active=True)
    if audience == AssessmentRequest.Audience.DEPARTMENT:
        if department is None or department.organization_id != organization.pk:
            raise ValidationError({"department": "Choose a department of your organisation."})
        people = people.filter(department=department)
        role = None
    elif audience == AssessmentRequest.Audience.ROLE:
        if role is None or role.organization_id != organization.pk:
            raise ValidationError({"role": "Choose a role of your organisation."})
        people = people.filter(role=role)
        department = None
    elif audience == AssessmentRequest.Audience.ORGANIZATION:
        department = role = None
    else:
        raise ValidationError(
            {"audience": "Choose the whole organisation, a department or a role."}
        )
    people_ids = list(people.values_list("pk", flat=True))
    if not people_ids:
        raise ValidationError({"audience": "Nobody active matches this audience."})
    request = AssessmentRequest.objects.create(
        organization=organization,
        requested_by=actor,
        audience=audience,
        department=department,
        role=role,
        due_date=due_date,
        message=message.strip(),
    )
    AssessmentRequestRecipient.objects.bulk_create(
        AssessmentRequestRecipient(organization=organization, request=request, employee_id=pk)
        for pk in people_ids
    )
    audit_record(
        organization=organization,
        actor=actor,
        subject_type="assessment_request",
        subject_id=request.pk,
        action="create",
        summary=f"Asked {len(people_ids)} people to assess themselves by {due_date.day} {due_date:%b %Y}",
    )
    return request


def assessment_reminders_send(*, organization: Organization, today: dt.date) -> int:
    """E-mail one reminder to each person whose request is overdue and not done; never twice.

    The row is claimed with a conditional UPDATE before the e-mail goes out, so two workers
    running this at once cannot both send it.
    """
    due = AssessmentRequestRecipient.objects.filter(
        organization=organization,
        completed_at__isnull=True,
        reminded_at__isnull=True,
        request__due_date__lt=today,
        employee__is_active=True,
    ).select_related("request", "employee__user")
    sent = 0
    for recipient in due:
        claimed = AssessmentRequestRecipient.objects.filter(
            organization=organization, pk=recipient.pk, reminded_at__isnull=True
        ).update(reminded_at=timezone.now())
        if not claimed:
            continue
        link = settings.SITE_URL + reverse("my_skills", kwargs={"org_slug": organization.slug})
        send_mail(
            subject=f"Reminder: your skills self-assessment was due {recipient.request.due_date.day} {recipient.request.due_date:%b}",
            message=(
                f"Hello {recipient.employee.user.first_name or recipient.employee.name},\n\n"
                f"{organization.name} asked you to assess your skills by "
                f"{recipient.request.due_date.day} {recipient.request.due_date:%b %Y}. "
                f"It takes a few minutes:\n{link}\n"
            ),
            from_email=None,
            recipient_list=[recipient.employee.user.email],
        )
        sent += 1
    return sent
