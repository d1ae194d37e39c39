"""Matching: per-organisation settings, mentor opt-outs, recompute runs, suggestions and pairings."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from competencies.models import Competency
from mentorship.models import Employee, Organization, TenantModel

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
    mentor_response_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Days a mentor has to answer a proposed pairing before it expires.",
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

    # A recompute writes these rows by the hundred thousand, and every database foreign-key
    # constraint costs a lookup and a row lock per written row at commit (measured at 100k people:
    # 16 s of a 35 s write), every index an insertion. So the four references the recompute writes
    # have no database constraint and no index of their own: Django still cascades deletes (with
    # a scan of this table, for the rare deleted person or competency), the organisation-leading
    # indexes below serve every query, and a row left pointing at someone deleted while a run was
    # in flight is open, so the next run deletes it.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    mentee = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    mentor = models.ForeignKey(
        Employee, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    rank = models.PositiveSmallIntegerField(help_text="0 = best in the list.")
    score = models.FloatField()
    factors = models.JSONField(default=dict, help_text="Contribution of each factor to the score.")
    target_level = models.PositiveSmallIntegerField()
    mentor_level = models.PositiveSmallIntegerField(help_text="The mentor's level when suggested.")
    recommended = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    dismissed_reason = models.CharField(max_length=500, blank=True)
    # Set on the few decided rows only: a NULL costs no constraint check, and the partial index
    # (suggestion_decided_by) skips the undecided rows.
    decided_by = models.ForeignKey(
        Employee,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Which run wrote the row last: bookkeeping only, never queried, so neither a constraint nor
    # an index.
    run = models.ForeignKey(
        MatchRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
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
            models.Index(
                fields=["decided_by"],
                condition=Q(decided_by__isnull=False),
                name="suggestion_decided_by",
            ),
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
    # The lifecycle (matching.pairings): when each step happened and what it recorded.
    cohort = models.ForeignKey(
        "Cohort", null=True, blank=True, on_delete=models.SET_NULL, related_name="pairings"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    original_end_date = models.DateField(
        null=True, blank=True, help_text="The end date before the one extension, if extended."
    )
    extension_reason = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="When it went to review (end date reached or finished)."
    )
    reassessed_level = models.PositiveSmallIntegerField(null=True, blank=True)
    reassessed_at = models.DateTimeField(null=True, blank=True)
    confirmed_level = models.PositiveSmallIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    days_to_proficiency = models.PositiveIntegerField(
        null=True, blank=True, help_text="Days from the gap first seen to the target confirmed."
    )
    thank_you_note = models.TextField(blank=True, max_length=1000)
    thanked_at = models.DateTimeField(null=True, blank=True)

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

    @property
    def is_extended(self) -> bool:
        return self.original_end_date is not None

    @property
    def total_days(self) -> int:
        return (self.end_date - self.start_date).days


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


# --- The pairing lifecycle ------------------------------------------------------------------


class Cohort(TenantModel):
    """Group mentoring: one mentor, several mentees, one competency."""

    name = models.CharField(max_length=200)
    mentor = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "mentor"], name="cohort_mentor")]

    def __str__(self) -> str:
        return self.name


class PairingEvent(TenantModel):
    """One step of a pairing's life, for its timeline: who, when, from which state to which."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, choices=Pairing.State.choices)
    to_state = models.CharField(max_length=20, choices=Pairing.State.choices)
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["organization", "pairing", "created_at"], name="pairing_event")
        ]

    def __str__(self) -> str:
        return f"Pairing {self.pairing_id}: {self.action} ({self.from_state} → {self.to_state})"


class PlanItem(TenantModel):
    """One thing to practise, seeded from the target level's behaviours; ticked by the mentee
    when done, confirmed by the mentor."""

    class Source(models.TextChoices):
        BEHAVIOUR = "behaviour", "Target level behaviour"
        SCALE = "scale", "Scale level description"
        CUSTOM = "custom", "Added by the pair"

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="plan_items")
    text = models.CharField(max_length=500)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.CUSTOM)
    position = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "pairing"], name="plan_item_pairing")]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class CheckIn(TenantModel):
    """A meeting of the pair, with specific feedback: what went well, what to improve, why it
    matters. A cohort's shared check-in is copied to each of its active pairings."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cohort = models.ForeignKey(
        Cohort, null=True, blank=True, on_delete=models.SET_NULL, related_name="check_ins"
    )
    date = models.DateField()
    notes = models.TextField(blank=True, max_length=4000)
    went_well = models.TextField(blank=True, max_length=2000)
    to_improve = models.TextField(blank=True, max_length=2000)
    why_it_matters = models.TextField(blank=True, max_length=2000)
    next_check_in = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["organization", "pairing", "-date"], name="check_in_recent")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_check_in__isnull=True) | Q(next_check_in__gt=F("date")),
                name="check_in_next_after_date",
            )
        ]

    def __str__(self) -> str:
        return f"Check-in of pairing {self.pairing_id} on {self.date}"


class Reflection(TenantModel):
    """The mentee's reflection; private unless they share it with the mentor."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="reflections")
    author = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    what_i_did = models.TextField(max_length=4000)
    why = models.TextField(blank=True, max_length=4000)
    what_i_would_change = models.TextField(blank=True, max_length=4000)
    shared_with_mentor = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "pairing"], name="reflection_pairing")]

    def __str__(self) -> str:
        return f"Reflection on pairing {self.pairing_id}"


class ReminderSent(TenantModel):
    """A reminder claimed (then sent) once: the unique row is what keeps the daily task from ever
    sending the same reminder twice."""

    class Kind(models.TextChoices):
        PROPOSED = "proposed", "Proposal sent to the mentor"
        RESPONSE_PENDING = "response_pending", "Mentor response pending"
        CHECK_IN_DUE = "check_in_due", "No check-in for a while"
        ENDING_SOON = "ending_soon", "Ending soon"
        REASSESSMENT_DUE = "reassessment_due", "Re-assessment due"
        CONFIRMATION_DUE = "confirmation_due", "Manager confirmation due"

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    due_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "pairing", "kind", "due_date"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for pairing {self.pairing_id} due {self.due_date}"
