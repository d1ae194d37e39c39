"""The role-based competency model: scale, competencies, level behaviours, roles, requirements."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorship.models import TenantModel

DEFAULT_SCALE: list[tuple[int, str, str]] = [
    (0, "Not yet", "No knowledge or experience yet."),
    (1, "Awareness", "Knows the concepts and vocabulary; needs close guidance to apply them."),
    (2, "Basic", "Applies it in simple, familiar situations with some help."),
    (3, "Competent", "Applies it independently in most everyday situations."),
    (4, "Advanced", "Handles complex or novel situations; others ask them for help."),
    (5, "Expert", "Recognised authority; shapes how the organisation does it and teaches others."),
]


class ProficiencyLevel(TenantModel):
    """One step of an organisation's proficiency scale (0 = None ... top = Expert)."""

    level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "level"], name="scale_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"


class Competency(TenantModel):
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    code = models.CharField(
        max_length=50, blank=True, help_text="Stable code (O*NET element id for imported skills)."
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]
        verbose_name_plural = "competencies"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="competency_name_unique"),
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=~Q(code=""),
                name="competency_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class LevelBehaviour(TenantModel):
    """What a person observably does at one level of one competency."""

    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="behaviours")
    level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    description = models.TextField()

    class Meta:
        ordering = ["competency", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "competency", "level"], name="behaviour_level_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.competency} @ {self.level}"


class Role(TenantModel):
    name = models.CharField(max_length=200)
    code = models.CharField(
        max_length=50, blank=True, help_text="Stable code (O*NET-SOC code for imported roles)."
    )
    family = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="role_name_unique"),
            models.UniqueConstraint(
                fields=["organization", "code"], condition=~Q(code=""), name="role_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class RoleRequirement(TenantModel):
    """A role requires a level of a competency, with an importance weight (1-5)."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="requirements")
    competency = models.ForeignKey(
        Competency, on_delete=models.PROTECT, related_name="requirements"
    )
    required_level = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    importance = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    source_level = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The original O*NET Level (0-7) this requirement was mapped from.",
    )
    source_importance = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["role", "competency__category", "competency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "role", "competency"], name="requirement_unique"
            ),
            models.CheckConstraint(
                condition=Q(importance__gte=1) & Q(importance__lte=5),
                name="requirement_importance_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.competency} ≥ {self.required_level}"
