"""Tenancy core: users, organisations, departments, employees (memberships) and the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_scopes import ScopedManager
from oauth2_provider.models import AbstractApplication, ApplicationManager


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who can sign in. Organisation membership lives on Employee."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[assignment, misc]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organization(models.Model):
    """A tenant. Its settings tune the proficiency scale use, matching and pairings."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    mentor_threshold_level = models.PositiveSmallIntegerField(
        default=4,
        help_text="Effective level at or above which a person counts as strong (a mentor).",
    )
    default_pairing_weeks = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    max_pairing_weeks = models.PositiveSmallIntegerField(
        default=12, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    recompute_interval_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_pairing_weeks__lte=models.F("max_pairing_weeks")),
                name="org_default_length_within_max",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("dashboard", kwargs={"org_slug": self.slug})


class TenantModel(models.Model):
    """Base for every tenant-owned table.

    `objects` is scoped: outside `django_scopes.scope(organization=...)` any query raises
    ScopeError, and inside one it only ever sees that organisation's rows.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


class Department(TenantModel):
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=50, help_text="Stable code used by HR systems.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="department_code_unique"),
            models.UniqueConstraint(fields=["organization", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Employee(TenantModel):
    """A user's membership in one organisation, with their place in the org chart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="employees"
    )
    # A string reference, not an import: the tenancy core stays below the competency layer.
    role = models.ForeignKey(
        "competencies.Role",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employees",
    )
    job_title = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The person's id in the HR system."
    )
    is_hr_admin = models.BooleanField("HR admin", default=False)
    is_active = models.BooleanField(default=True)
    mentor_available = models.BooleanField(
        default=True, help_text="Open to being suggested as a mentor."
    )
    mentor_capacity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="employee_user_unique"),
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="employee_external_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "manager"], name="employee_org_manager"),
            models.Index(fields=["organization", "department"], name="employee_org_department"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.email

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def initials(self) -> str:
        parts = [p for p in (self.user.first_name, self.user.last_name) if p]
        return "".join(p[0] for p in parts).upper() or self.user.email[:2].upper()


class AuditEntry(TenantModel):
    """Who changed what, and when. Written by services; shown as history on detail pages."""

    actor = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_type = models.CharField(max_length=50)
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=50)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(
                fields=["organization", "subject_type", "subject_id", "-created_at"],
                name="audit_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id}: {self.summary}"


class PeopleImport(TenantModel):
    """One uploaded people CSV: its dry-run preview, then its import in the background.

    `rows` holds the parsed rows (what `employees_bulk_upsert` takes) between the preview and the
    import, with `lines` (the CSV line of each row) to point errors at the file; both are emptied
    once the import is done.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATED = "validated", "Checked, ready to import"
        INVALID = "invalid", "Has errors"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    uploaded_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    counts = models.JSONField(
        default=dict, blank=True, help_text="created, updated, unchanged, deactivated, reactivated"
    )
    errors = models.JSONField(
        default=list, blank=True, help_text="[{line, external_id, errors: {column: [messages]}}]"
    )
    rows = models.JSONField(default=list, blank=True)
    lines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="people_import_recent")
        ]

    def __str__(self) -> str:
        return f"People import {self.pk} ({self.file_name}, {self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class ApiClient(AbstractApplication):
    """An HR system's OAuth2 client credentials, bound to exactly one organisation.

    Not a TenantModel: the token endpoint finds a client by its id before any organisation is
    known, so the default manager is the toolkit's, unscoped. Every query made on behalf of an
    organisation still filters by it.
    """

    class Scopes(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"
        READ_WRITE = "read write", "Read and write"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_clients"
    )
    scopes = models.CharField(
        max_length=20,
        choices=Scopes.choices,
        default=Scopes.READ,
        help_text="What the client may do: read, write, or both.",
    )
    created_by = models.ForeignKey(
        Employee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        ordering = ["name", "id"]
        verbose_name = "API client"
        indexes = [models.Index(fields=["organization", "name"], name="apiclient_org_name")]

    def natural_key(self) -> tuple[str]:
        return (self.client_id,)

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_usable(self, request: Any) -> bool:
        """The toolkit asks this when issuing a token and on every request with one."""
        return self.revoked_at is None


class Notification(TenantModel):
    """An in-app message to one person: a reminder or something that happened to them.

    Written by `mentorship.notifications.notify`; the navbar shows the unread count.
    """

    recipient = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50, help_text="What it is about, e.g. pairing_accepted.")
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=500, blank=True, help_text="Where to act on it.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "recipient", "read_at"], name="notification_unread"
            ),
            models.Index(
                fields=["organization", "recipient", "-created_at"], name="notification_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"To {self.recipient_id}: {self.message}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
