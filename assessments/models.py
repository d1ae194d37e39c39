"""Assessments and ratings, skill profiles (current levels), development goals, assessment requests."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from competencies.models import Competency, Role
from mentorship.models import Department, Employee, TenantModel


class Assessment(TenantModel):
    class Kind(models.TextChoices):
        SELF = "self", "Self-assessment"
        MANAGER = "manager", "Manager assessment"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    subject = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # What the subject's role was when they were assessed: the record stays true if it changes.
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A focused re-assessment rates this one competency only (the end of a pairing); empty for
    # a normal assessment of the whole role.
    focus_competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "subject", "assessor", "kind"],
                condition=Q(status="draft"),
                name="assessment_one_open_draft",
            ),
            models.CheckConstraint(
                condition=~Q(kind="self") | Q(subject=models.F("assessor")),
                name="assessment_self_is_own",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "subject", "kind", "status"], name="assessment_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subject} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class Rating(TenantModel):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="ratings")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    evidence = models.TextField(blank=True, max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["competency__category", "competency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "assessment", "competency"], name="rating_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.level}"


class SkillProfile(TenantModel):
    """Current state per (person, competency), maintained by `assessment_submit`.

    Self and manager levels are kept side by side and never averaged; the effective level is the
    manager's when there is one, else the self level.
    """

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="skills")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    self_level = models.PositiveSmallIntegerField(null=True, blank=True)
    self_assessed_at = models.DateTimeField(null=True, blank=True)
    manager_level = models.PositiveSmallIntegerField(null=True, blank=True)
    manager_assessed_at = models.DateTimeField(null=True, blank=True)
    effective_level = models.PositiveSmallIntegerField()
    manager_confirmed = models.BooleanField(default=False)
    first_gap_seen_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["employee", "competency"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "employee", "competency"], name="skill_profile_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "competency", "effective_level"], name="skill_strength"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.competency}: {self.effective_level}"


class DevelopmentGoal(TenantModel):
    """A role a person explores (lateral move) or a (competency, target level) they aim for."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="goals")
    target_role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    competency = models.ForeignKey(
        Competency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_level = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target_role__isnull=False, competency__isnull=True, target_level__isnull=True)
                    | Q(
                        target_role__isnull=True,
                        competency__isnull=False,
                        target_level__isnull=False,
                    )
                ),
                name="goal_role_xor_competency",
            ),
            models.UniqueConstraint(
                fields=["organization", "employee", "target_role"],
                condition=Q(target_role__isnull=False),
                name="goal_role_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "employee", "competency"],
                condition=Q(competency__isnull=False),
                name="goal_competency_unique",
            ),
        ]

    def __str__(self) -> str:
        target = self.target_role or f"{self.competency} ≥ {self.target_level}"
        return f"{self.employee} → {target}"


class AssessmentRequest(TenantModel):
    """HR asks a department, a role or everyone to (re)assess by a due date."""

    class Audience(models.TextChoices):
        ORGANIZATION = "organization", "Whole organisation"
        DEPARTMENT = "department", "A department"
        ROLE = "role", "A role"

    requested_by = models.ForeignKey(
        Employee, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_date = models.DateField()
    message = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Assessment request due {self.due_date}"


class AssessmentRequestRecipient(TenantModel):
    """One person asked by a request: done when they submit a self-assessment after it."""

    request = models.ForeignKey(
        AssessmentRequest, on_delete=models.CASCADE, related_name="recipients"
    )
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "request", "employee"], name="request_recipient_unique"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "employee", "completed_at"], name="recipient_open")
        ]
