"""REST API for the tenancy core: departments and people (what HR systems keep in sync)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mentorship import services
from mentorship.api_base import IdFilter, TenantAPIView, TenantPrimaryKeyRelatedField
from mentorship.models import Department, Employee

# The role model lives in the competency layer above; reach it through the relation, not an import.
Role: type[models.Model] = Employee._meta.get_field("role").related_model


class TenantViewSet(
    TenantAPIView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Read endpoints of a tenant resource, plus helpers for writes that go through a service."""

    input_serializer_class: type[serializers.Serializer[Any]] = serializers.Serializer

    def validated_input(
        self,
        request: Request,
        *,
        serializer_class: type[serializers.Serializer[Any]] | None = None,
        partial: bool = False,
    ) -> dict[str, Any]:
        """The validated request body.

        A key that is neither an input nor an output field is refused, so a misspelt field name
        is an error instead of a silent no-op; output fields are tolerated so that a client can
        send back what it read.
        """
        serializer = (serializer_class or self.input_serializer_class)(
            data=request.data, partial=partial, context=self.get_serializer_context()
        )
        valid = serializer.is_valid()
        errors: dict[str, Any] = {} if valid else dict(serializer.errors)
        if isinstance(request.data, Mapping):
            output = self.get_serializer_class()()
            known = set(serializer.fields) | set(getattr(output, "fields", ()))
            for key in request.data:
                if key not in known:
                    errors[str(key)] = ["Unknown field."]
        if errors:
            raise exceptions.ValidationError(errors)
        return dict(serializer.validated_data)

    def respond(self, instance: models.Model, code: int = status.HTTP_200_OK) -> Response:
        """The instance as the list shows it, re-read so nested data reflects the write."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=code)


# --- Departments ---------------------------------------------------------------------------------
class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "parent"]
        read_only_fields = fields


class DepartmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=50, help_text="Stable code used by HR systems.")
    parent = TenantPrimaryKeyRelatedField(  # type: ignore[assignment]
        Department, required=False, allow_null=True
    )


class DepartmentFilter(filters.FilterSet):
    # Every filter is declared: generating them from the model would query outside a tenant scope.
    parent = IdFilter(field_name="parent_id", help_text="Only the children of this department.")
    code = filters.CharFilter()

    class Meta:
        model = Department
        fields: list[str] = []


@extend_schema(tags=["departments"])
@extend_schema_view(
    create=extend_schema(request=DepartmentInputSerializer, responses={201: DepartmentSerializer}),
    update=extend_schema(request=DepartmentInputSerializer, responses=DepartmentSerializer),
    partial_update=extend_schema(request=DepartmentInputSerializer, responses=DepartmentSerializer),
)
class DepartmentViewSet(TenantViewSet):
    """Departments of the organisation (the org chart's units). HR admins write."""

    queryset = Department.objects.none()
    serializer_class = DepartmentSerializer
    input_serializer_class = DepartmentInputSerializer
    filterset_class = DepartmentFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "id"]

    def get_queryset(self) -> QuerySet[Department]:
        return Department.objects.filter(organization=self.organization).order_by("name")

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        department = services.department_create(
            organization=self.organization, actor=self.member, **data
        )
        return self.respond(department, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        department = self.get_object()
        data = self.validated_input(request, partial=partial)
        services.department_update(department=department, actor=self.member, **data)
        return self.respond(department)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)


# --- People --------------------------------------------------------------------------------------
class EmployeeSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)

    class Meta:
        model = Employee
        fields = [
            "id",
            "external_id",
            "email",
            "first_name",
            "last_name",
            "job_title",
            "department",
            "manager",
            "role",
            "time_zone",
            "is_hr_admin",
            "is_active",
            "mentor_available",
            "mentor_capacity",
        ]
        read_only_fields = fields


class EmployeeInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department = TenantPrimaryKeyRelatedField(Department, required=False, allow_null=True)
    manager = TenantPrimaryKeyRelatedField(Employee, required=False, allow_null=True)
    role = TenantPrimaryKeyRelatedField(Role, required=False, allow_null=True)
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="The person's id in HR."
    )
    time_zone = serializers.CharField(max_length=64, required=False, help_text="e.g. Europe/Paris")
    is_hr_admin = serializers.BooleanField(required=False)
    mentor_available = serializers.BooleanField(required=False)
    mentor_capacity = serializers.IntegerField(required=False, help_text="0 to 10.")


class EmployeeUpdateSerializer(EmployeeInputSerializer):
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates the membership, true reactivates it."
    )


class EmployeeFilter(filters.FilterSet):
    department = IdFilter(field_name="department_id")
    manager = IdFilter(field_name="manager_id", help_text="Direct reports of this person.")
    role = IdFilter(field_name="role_id")
    is_active = filters.BooleanFilter()
    external_id = filters.CharFilter(help_text="The person's id in the HR system.")

    class Meta:
        model = Employee
        fields: list[str] = []


@extend_schema(tags=["employees"])
@extend_schema_view(
    create=extend_schema(request=EmployeeInputSerializer, responses={201: EmployeeSerializer}),
    update=extend_schema(request=EmployeeUpdateSerializer, responses=EmployeeSerializer),
    partial_update=extend_schema(request=EmployeeUpdateSerializer, responses=EmployeeSerializer),
    deactivate=extend_schema(request=None, responses=EmployeeSerializer),
    reactivate=extend_schema(request=None, responses=EmployeeSerializer),
)
class EmployeeViewSet(TenantViewSet):
    """People of the organisation (memberships), keyed for HR systems by `external_id`.

    A new person's account has no password: they set one through password reset. Deactivating
    someone moves their direct reports up to their manager.
    """

    queryset = Employee.objects.none()
    serializer_class = EmployeeSerializer
    input_serializer_class = EmployeeInputSerializer
    filterset_class = EmployeeFilter
    search_fields = [
        "user__email",
        "user__first_name",
        "user__last_name",
        "job_title",
        "external_id",
    ]
    ordering_fields = ["id", "user__last_name", "user__first_name", "external_id", "job_title"]

    def get_queryset(self) -> QuerySet[Employee]:
        return Employee.objects.filter(organization=self.organization).select_related("user")

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        employee = services.employee_create(
            organization=self.organization, actor=self.member, **data
        )
        return self.respond(employee, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        employee = self.get_object()
        data = self.validated_input(
            request, serializer_class=EmployeeUpdateSerializer, partial=partial
        )
        services.employee_update(employee=employee, actor=self.member, **data)
        return self.respond(employee)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        """End the membership; their direct reports move up to their manager."""
        employee = services.employee_deactivate(employee=self.get_object(), actor=self.member)
        return self.respond(employee)

    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str) -> Response:
        employee = services.employee_reactivate(employee=self.get_object(), actor=self.member)
        return self.respond(employee)
