"""REST API for the tenancy core: departments and people (what HR systems keep in sync).

HR systems address people by their own ids and departments by code:
`PUT /employees/by-external-id/{external_id}/` and `PUT /departments/by-code/{code}/` create or
update one; `POST /employees/bulk/` and `POST /departments/bulk/` sync many at once, all or nothing.
(The numeric-id routes stay as they are; an HR id containing "/" can only be sent in bulk.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mentorship import hooks, services, sync
from mentorship.api_base import IdFilter, TenantAPIView, TenantPrimaryKeyRelatedField
from mentorship.models import Department, Employee
from mentorship.sync import BulkResult


class RoleField(serializers.PrimaryKeyRelatedField):
    """A role id in a request body, looked up only inside the request's organisation (like
    TenantPrimaryKeyRelatedField). Roles belong to the competency layer above, which provides
    them through mentorship.hooks."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        organization = getattr(self.context.get("request"), "organization", None)
        if organization is None:  # no organisation, no role: any id "does not exist"
            return Employee.objects.none()
        return hooks.roles_of(organization)


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

    def respond_upsert(self, instance: models.Model, result: str, key: str) -> Response:
        """`{"result": created|updated|unchanged, <key>: the instance}`; 201 when created."""
        fresh = self.get_queryset().get(pk=instance.pk)
        code = status.HTTP_201_CREATED if result == "created" else status.HTTP_200_OK
        return Response({"result": result, key: self.get_serializer(fresh).data}, status=code)

    def upsert_fields(self, request: Request) -> dict[str, Any]:
        """The body of an upsert, as given: the service checks every field."""
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError({NON_FIELD_ERRORS: ["Send a JSON object."]})
        return dict(request.data)

    def bulk_input(
        self, request: Request, serializer_class: type[serializers.Serializer[Any]]
    ) -> dict[str, Any]:
        """A bulk body: its list of rows (checked by the service) and `dry_run`."""
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError({NON_FIELD_ERRORS: ["Send a JSON object."]})
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=False)
        errors = dict(serializer.errors)
        for key in request.data:
            if key not in serializer.fields:
                errors[str(key)] = ["Unknown field."]
        if errors:
            raise exceptions.ValidationError(errors)
        return dict(serializer.validated_data)


NON_FIELD_ERRORS = "non_field_errors"
API_BULK_MAX_ROWS = 5_000
UPSERT_RESULTS = ["created", "updated", "unchanged"]


class BulkRowsField(serializers.Field):
    """A list of row objects passed to a bulk service as they are: the service checks each row and
    reports every bad one with its index (a serializer per row would be slow for 5,000)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Send a list of rows.")
        if len(data) > API_BULK_MAX_ROWS:
            raise serializers.ValidationError(
                f"Send at most {API_BULK_MAX_ROWS:,} rows per request (this has {len(data):,})."
            )
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class BulkResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        help_text="true: nothing was written; the counts say what would be."
    )
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deactivated = serializers.IntegerField(help_text="Updated rows whose person was deactivated.")
    reactivated = serializers.IntegerField(help_text="Updated rows whose person was reactivated.")


def bulk_response(result: BulkResult, dry_run: bool) -> Response:
    return Response({"dry_run": dry_run, **result.as_dict()})


DRY_RUN_HELP = "Check everything and count what would change, without writing anything."


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


class DepartmentUpsertSerializer(serializers.Serializer):
    """A department as an HR system sends it; fields left out keep their value."""

    name = serializers.CharField(max_length=200, required=False)
    parent_code = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Code of the parent department (another row of a bulk request, or existing); "
        "blank or null for none.",
    )


class DepartmentRowSerializer(DepartmentUpsertSerializer):
    code = serializers.CharField(max_length=50, help_text="Stable code used by HR systems.")


@extend_schema_field(DepartmentRowSerializer(many=True))
class DepartmentRowsField(BulkRowsField):
    pass


class DepartmentBulkSerializer(serializers.Serializer):
    departments = DepartmentRowsField(help_text="At most 5,000 departments, keyed by code.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text=DRY_RUN_HELP)


class DepartmentUpsertResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=UPSERT_RESULTS)
    department = DepartmentSerializer()


CODE_PARAMETER = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The department's code."
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
    upsert=extend_schema(
        request=DepartmentUpsertSerializer,
        responses={200: DepartmentUpsertResultSerializer, 201: DepartmentUpsertResultSerializer},
        parameters=[CODE_PARAMETER],
    ),
    bulk=extend_schema(request=DepartmentBulkSerializer, responses=BulkResultSerializer),
)
class DepartmentViewSet(TenantViewSet):
    """Departments of the organisation (the org chart's units). HR admins and API clients with
    the write scope write."""

    api_client_writes = True

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

    @action(detail=False, methods=["put"], url_path=r"by-code/(?P<code>[^/]+)")
    def upsert(self, request: Request, code: str) -> Response:
        """Create or update the department with this code; says whether it was created, updated
        or unchanged (201 when created)."""
        department, result = sync.department_upsert(
            organization=self.organization,
            actor=self.member,
            code=code,
            fields=self.upsert_fields(request),
        )
        return self.respond_upsert(department, result, "department")

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Create or update up to 5,000 departments by code, all or nothing: any invalid row and
        nothing changes (400 lists every bad row). Sending the same rows again changes nothing."""
        data = self.bulk_input(request, DepartmentBulkSerializer)
        result = sync.departments_bulk_upsert(
            organization=self.organization,
            actor=self.member,
            rows=data["departments"],
            dry_run=data["dry_run"],
        )
        return bulk_response(result, data["dry_run"])


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
    role = RoleField(required=False, allow_null=True)
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


class EmployeeUpsertSerializer(serializers.Serializer):
    """A person as an HR system sends them; fields left out keep their value (or the default,
    for someone new). Booleans also accept "true"/"false", "yes"/"no", "1"/"0"."""

    email = serializers.EmailField(
        max_length=254, required=False, help_text="Needed for someone new."
    )
    first_name = serializers.CharField(
        max_length=150, required=False, help_text="Needed for someone new."
    )
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    department_code = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Blank or null: no department.",
    )
    manager_external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="The manager's HR id (another row of a bulk request, or an existing person); "
        "blank or null: nobody.",
    )
    role_code = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Blank or null: no role.",
    )
    time_zone = serializers.CharField(max_length=64, required=False, help_text="e.g. Europe/Paris")
    is_hr_admin = serializers.BooleanField(required=False)
    mentor_available = serializers.BooleanField(required=False)
    mentor_capacity = serializers.IntegerField(required=False, min_value=0, max_value=10)
    active = serializers.BooleanField(
        required=False,
        help_text="false deactivates (their reports move up to their manager, their sessions "
        "end); true reactivates.",
    )


class EmployeeRowSerializer(EmployeeUpsertSerializer):
    external_id = serializers.CharField(
        max_length=100, help_text="The person's id in the HR system."
    )


@extend_schema_field(EmployeeRowSerializer(many=True))
class EmployeeRowsField(BulkRowsField):
    pass


class EmployeeBulkSerializer(serializers.Serializer):
    employees = EmployeeRowsField(help_text="At most 5,000 people, keyed by external_id.")
    dry_run = serializers.BooleanField(required=False, default=False, help_text=DRY_RUN_HELP)


class EmployeeUpsertResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=UPSERT_RESULTS)
    employee = EmployeeSerializer()


EXTERNAL_ID_PARAMETER = OpenApiParameter(
    "external_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The person's id in the HR system.",
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
    upsert=extend_schema(
        request=EmployeeUpsertSerializer,
        responses={200: EmployeeUpsertResultSerializer, 201: EmployeeUpsertResultSerializer},
        parameters=[EXTERNAL_ID_PARAMETER],
    ),
    bulk=extend_schema(request=EmployeeBulkSerializer, responses=BulkResultSerializer),
)
class EmployeeViewSet(TenantViewSet):
    """People of the organisation (memberships), keyed for HR systems by `external_id`.

    A new person's account has no password: they set one through password reset. Deactivating
    someone moves their direct reports up to their manager.
    """

    api_client_writes = True

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

    @action(detail=False, methods=["put"], url_path=r"by-external-id/(?P<external_id>[^/]+)")
    def upsert(self, request: Request, external_id: str) -> Response:
        """Create or update the person with this HR id; says whether they were created, updated or
        unchanged (201 when created). The manager, department and role are given by HR id and
        code."""
        employee, result = sync.employee_upsert(
            organization=self.organization,
            actor=self.member,
            external_id=external_id,
            fields=self.upsert_fields(request),
        )
        return self.respond_upsert(employee, result, "employee")

    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Create or update up to 5,000 people by HR id, all or nothing: any invalid row and
        nothing changes (400 lists every bad row with its index and field errors: unknown
        manager, department or role, a loop of managers, a duplicate id or e-mail...). Sending
        the same rows again changes nothing and the counts say so."""
        data = self.bulk_input(request, EmployeeBulkSerializer)
        result = sync.employees_bulk_upsert(
            organization=self.organization,
            actor=self.member,
            rows=data["employees"],
            dry_run=data["dry_run"],
        )
        return bulk_response(result, data["dry_run"])
