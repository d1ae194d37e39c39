"""Forms for people and departments. They shape input; the services hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q

from mentorship import hooks, selectors
from mentorship.forms import StyledForm
from mentorship.models import Department, Employee, Organization
from mentorship.services import MAX_MENTOR_CAPACITY, MIN_MENTOR_CAPACITY, time_zone_choices


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.job_title}" if obj.job_title else obj.name


class EmployeeForm(StyledForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(label="E-mail address")
    job_title = forms.CharField(max_length=200, required=False)
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="No department"
    )
    manager = PersonChoiceField(
        queryset=Employee.objects.none(), required=False, empty_label="Nobody (top of the chart)"
    )
    role: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # the organisation's roles, set per form
        required=False,
        empty_label="No role yet",
        help_text="The role sets which competencies this person is assessed against.",
    )
    external_id = forms.CharField(
        label="HR system id",
        max_length=100,
        required=False,
        help_text="The person's id in your HR system, used to keep records in sync.",
    )
    time_zone = forms.ChoiceField(initial="UTC")
    mentor_available = forms.BooleanField(
        label="Open to mentoring",
        required=False,
        initial=True,
        help_text="Can be suggested as a mentor for colleagues' gaps.",
    )
    mentor_capacity = forms.IntegerField(
        min_value=MIN_MENTOR_CAPACITY,
        max_value=MAX_MENTOR_CAPACITY,
        initial=2,
        help_text="How many people they can mentor at once.",
    )
    is_hr_admin = forms.BooleanField(
        label="HR admin",
        required=False,
        help_text="Can manage people, departments and the competency model.",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        instance: Employee | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault("initial", employee_initial(instance))
        super().__init__(*args, **kwargs)
        self.instance = instance
        fields: Any = self.fields
        fields["department"].queryset = Department.objects.filter(
            organization=organization
        ).order_by("name")
        managers = selectors.managers_for_choice(organization=organization)
        if instance is not None:
            managers = managers.exclude(pk=instance.pk)
        fields["manager"].queryset = managers
        current_roles = Q(archived_at__isnull=True)
        if instance is not None and instance.role_id:
            current_roles |= Q(
                pk=instance.role_id
            )  # an archived role stays selectable for its holder
        fields["role"].queryset = (
            hooks.roles_of(organization).filter(current_roles).order_by("name")
        )
        fields["time_zone"].choices = [(tz, tz) for tz in time_zone_choices()]


def employee_initial(employee: Employee) -> dict[str, Any]:
    return {
        "first_name": employee.user.first_name,
        "last_name": employee.user.last_name,
        "email": employee.user.email,
        "job_title": employee.job_title,
        "department": employee.department_id,
        "manager": employee.manager_id,
        "role": employee.role_id,
        "external_id": employee.external_id,
        "time_zone": employee.time_zone,
        "mentor_available": employee.mentor_available,
        "mentor_capacity": employee.mentor_capacity,
        "is_hr_admin": employee.is_hr_admin,
    }


STATUS_CHOICES = [("active", "Active"), ("inactive", "Deactivated"), ("all", "Everyone")]
STATUS_FILTER: dict[str, bool | None] = {"active": True, "inactive": False, "all": None}


class PeopleFilterForm(StyledForm):
    q = forms.CharField(label="Search", required=False, max_length=200)
    department: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        queryset=Department.objects.none(), required=False, empty_label="All departments"
    )
    manager = PersonChoiceField(
        queryset=Employee.objects.none(), required=False, empty_label="Any manager"
    )
    role: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # the organisation's roles, set per form
        required=False,
        empty_label="Any role",
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, initial="active")

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["department"].queryset = Department.objects.filter(
            organization=organization
        ).order_by("name")
        # Anyone who manages someone, so the list stays short.
        has_reports = Employee.objects.filter(organization=organization, manager=OuterRef("pk"))
        fields["manager"].queryset = (
            Employee.objects.filter(Exists(has_reports), organization=organization)
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "id")
        )
        fields["role"].queryset = hooks.roles_of(organization).order_by("name")

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.employee_list`; invalid values are ignored."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data  # holds only the fields that were valid
        department = data.get("department")
        manager = data.get("manager")
        role = data.get("role")
        return {
            "search": data.get("q") or "",
            "department_id": department.pk if department else None,
            "manager_id": manager.pk if manager else None,
            "role_id": role.pk if role else None,
            "active": STATUS_FILTER.get(data.get("status") or "active", True),
        }

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(
            self.data.get(name) for name in ("q", "department", "manager", "role")
        )


class DepartmentForm(StyledForm):
    name = forms.CharField(max_length=200)
    code = forms.CharField(max_length=50, help_text="A short, stable code, e.g. ENG.")
    parent: forms.ModelChoiceField[Department] = forms.ModelChoiceField(
        queryset=Department.objects.none(),
        required=False,
        empty_label="None (top level)",
        label="Part of",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        instance: Department | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {"name": instance.name, "code": instance.code, "parent": instance.parent_id},
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        parents = Department.objects.filter(organization=organization).order_by("name")
        if instance is not None:
            parents = parents.exclude(pk=instance.pk)
        fields: Any = self.fields
        fields["parent"].queryset = parents
