"""Access helpers: one per tenant-owned thing.

Each filters by the organisation inside the query and raises Http404 whether the row does not exist
or belongs to another organisation, so existence never leaks. The `_rw` variants also check the
role and raise PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse

from mentorship.http import TenantRequest
from mentorship.models import ApiClient, Department, Employee, PeopleImport

V = TypeVar("V", bound=Callable[..., HttpResponse])


def hr_admin_required(view: V) -> V:
    """Refuse the view (403) unless the signed-in member is an HR admin of this organisation."""

    @wraps(view)
    def wrapper(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.employee.is_hr_admin:
            raise PermissionDenied("Only HR admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def get_employee_for(request: TenantRequest, pk: int) -> Employee:
    employee = (
        Employee.objects.select_related("user", "department", "role", "manager__user")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if employee is None:
        raise Http404("No such person")
    return employee


def get_rw_employee_for(request: TenantRequest, pk: int) -> Employee:
    employee = get_employee_for(request, pk)
    if not request.employee.is_hr_admin:
        raise PermissionDenied("Only HR admins can change people.")
    return employee


def get_department_for(request: TenantRequest, pk: int) -> Department:
    department = Department.objects.filter(organization=request.organization, pk=pk).first()
    if department is None:
        raise Http404("No such department")
    return department


def get_people_import_for(request: TenantRequest, pk: int) -> PeopleImport:
    people_import = (
        PeopleImport.objects.select_related("uploaded_by__user", "confirmed_by__user")
        .filter(organization=request.organization, pk=pk)
        .first()
    )
    if people_import is None:
        raise Http404("No such import")
    return people_import


def get_api_client_for(request: TenantRequest, pk: int) -> ApiClient:
    client = ApiClient.objects.filter(organization=request.organization, pk=pk).first()
    if client is None:
        raise Http404("No such API client")
    return client
