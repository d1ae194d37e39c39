"""Matching: per-organisation settings, mentor opt-outs, recompute runs, suggestions and pairings."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from competencies.models import Competency
from mentorship.models import Employee, TenantModel

# The order of the engine's factor columns (and of `Weights`): stored factor dicts use these keys.
FACTOR_NAMES: tuple[str, ...] = (
    "priority",
    "margin",
    "confirmed",
    "other_department",
    "low_load",
    "new_connection",
)


class MatchSettings(TenantModel):
    """How an organisation weighs the score factors, and how long and how spread the lists are."""

    weight_priority = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    weight_margin = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    weight_confirmed = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    weight_other_department = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    weight_low_load = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    weight_new_connection = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])
    k = models.PositiveSmallIntegerField(
        "suggestions per gap", default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    spread = models.FloatField(
        default=3.0,
        validators=[MinValueValidator(0.1)],
        help_text="A mentor appears in at most spread × free slots suggestion lists.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "match settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="match_settings_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Match settings of organisation {self.organization_id}"

    @property
    def weight_values(self) -> dict[str, float]:
        return {name: float(getattr(self, f"weight_{name}")) for name in FACTOR_NAMES}


class MentorOptOut(TenantModel):
    """A person does not want to mentor this competency (even though they are strong in it)."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="mentor_opt_outs")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "employee", "competency"], name="mentor_opt_out_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} does not mentor {self.competency_id}"


class MatchRun(TenantModel):
    """One recompute of an organisation's suggestions: what triggered it, how it went, how long."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        ASSESSMENT = "assessment", "Assessment submitted"
        REQUIREMENT = "requirement", "Requirement changed"
        AVAILABILITY = "availability", "Availability changed"
        MANUAL = "manual", "Recompute now"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    gaps = models.PositiveIntegerField(default=0)
    total_priority = models.FloatField(default=0.0)
    eligible_mentors = models.PositiveIntegerField(
        default=0, help_text="Eligible mentors with free slots."
    )
    free_slots = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)
    distinct_mentors = models.PositiveIntegerField(
        default=0, help_text="Distinct mentors suggested."
    )
    recommended = models.PositiveIntegerField(default=0)
    coverage = models.FloatField(
        default=0.0, help_text="Covered priority / total priority in the plan."
    )

    load_ms = models.FloatField(default=0.0)
    engine_ms = models.FloatField(default=0.0)
    plan_ms = models.FloatField(default=0.0)
    write_ms = models.FloatField(default=0.0)
    total_ms = models.FloatField(default=0.0)

    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_deleted = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-started_at"], name="match_run_recent"),
            models.Index(fields=["organization", "status"], name="match_run_status"),
        ]

    def __str__(self) -> str:
        return f"Match run {self.pk} ({self.trigger}, {self.status})"

    @property
    def rows_written(self) -> int:
        return self.rows_created + self.rows_updated + self.rows_deleted


class MatchSuggestion(TenantModel):
    """A mentor suggested for one gap (mentee, competency), kept with the human decision on it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    mentee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(help_text="0 = best in the list.")
    score = models.FloatField()
    factors = models.JSONField(default=dict, help_text="Contribution of each factor to the score.")
    target_level = models.PositiveSmallIntegerField()
    mentor_level = models.PositiveSmallIntegerField(help_text="The mentor's level when suggested.")
    recommended = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    dismissed_reason = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Which run wrote the row last: bookkeeping only, so no database constraint (each one costs
    # a lookup per inserted row at commit, and a recompute inserts tens of thousands).
    run = models.ForeignKey(
        MatchRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["mentee_id", "competency_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "mentee", "competency", "mentor"],
                name="suggestion_triple_unique",
            ),
            models.CheckConstraint(condition=~Q(mentee=F("mentor")), name="suggestion_not_self"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "mentee", "competency"],
                name="suggestion_gap",
            ),
            models.Index(fields=["organization", "mentor", "status"], name="suggestion_mentor"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id} for {self.mentee_id} in {self.competency_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Pairing(TenantModel):
    """A time-boxed mentoring pairing on one competency and one real piece of work."""

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        DECLINED = "declined", "Declined"
        AWAITING_REVIEW = "awaiting_review", "Awaiting review"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    class Outcome(models.TextChoices):
        ACHIEVED = "achieved", "Target level achieved"
        NOT_ACHIEVED = "not_achieved", "Target level not achieved"

    # States that take one of the mentor's slots.
    LOAD_STATES: tuple[str, ...] = (State.PROPOSED, State.ACTIVE)
    # States that mean the two never worked together.
    NEVER_MET_STATES: tuple[str, ...] = (State.DECLINED, State.CANCELLED)

    mentee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    # Only accepted suggestions are referenced, and the recompute deletes only open ones; with
    # DO_NOTHING it deletes them in one statement, and the database's foreign key still refuses
    # a delete that would leave a pairing pointing nowhere.
    suggestion = models.ForeignKey(
        MatchSuggestion, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    task = models.TextField(help_text="The real piece of work they will do together.")
    baseline_level = models.PositiveSmallIntegerField()
    target_level = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROPOSED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, null=True, blank=True)
    created_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="pairing_end_after_start"
            ),
            models.CheckConstraint(condition=~Q(mentee=F("mentor")), name="pairing_not_self"),
            # One open pairing per gap: two managers cannot both pair the same person on it.
            models.UniqueConstraint(
                fields=["organization", "mentee", "competency"],
                condition=Q(state__in=["proposed", "active"]),
                name="pairing_one_open_per_gap",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "mentor", "state"], name="pairing_mentor_state"),
            models.Index(fields=["organization", "mentee", "state"], name="pairing_mentee_state"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id} mentors {self.mentee_id} in {self.competency_id} ({self.state})"


class RecomputeState(TenantModel):
    """Single flight and debounce of an organisation's recompute (one row per organisation)."""

    running_since = models.DateTimeField(null=True, blank=True)
    rerun_requested = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="recompute_state_one_per_org")
        ]

    def __str__(self) -> str:
        return f"Recompute state of organisation {self.organization_id}"
