"""API foundations: tenant binding, permissions, pagination, one error format, schema defaults.

Every API view derives from `TenantAPIView`. It resolves the organisation and the acting membership
from the credential once, in `initial()`, and runs the rest of the request inside
`django_scopes.scope(organization=...)`, so a query that forgets the organisation still cannot
reach another tenant's rows.

Authentication is the browser session for now: an anonymous request answers 403 (session
authentication sends no `WWW-Authenticate` challenge, so DRF never answers 401 here). Organisation-
bound client credentials will be resolved in `membership_for_credential`, the one place that maps a
credential to its organisation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404
from django_filters import rest_framework as filters
from django_scopes import scope
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from mentorship import selectors
from mentorship.middleware import SESSION_ORG_KEY
from mentorship.models import Employee, Organization

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass

ORGANIZATION_HEADER = "X-Organization"
NON_FIELD_ERRORS = api_settings.NON_FIELD_ERRORS_KEY  # "non_field_errors"
VALIDATION_SUMMARY = "Invalid input."
NOT_FOUND = "Not found."


# --- Pagination ------------------------------------------------------------------------------
class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


# --- Tenant binding --------------------------------------------------------------------------
def membership_for_credential(request: Request) -> Employee:
    """The membership an authenticated API request acts as.

    Session user: the `X-Organization: <slug>` header wins (404 unless they are an active member
    there); else the organisation the UI last put in the session, if still a membership; else their
    first active membership. No active membership at all is a 403.
    """
    user = request.user
    slug = request.headers.get(ORGANIZATION_HEADER, "").strip()
    if slug:
        membership = selectors.membership_for_user(user=user, org_slug=slug)  # type: ignore[arg-type]
        if membership is None:
            raise exceptions.NotFound()
        return membership
    memberships = selectors.memberships_for_user(user=user)  # type: ignore[arg-type]
    if not memberships:
        raise exceptions.PermissionDenied("You are not an active member of any organisation.")
    current = request.session.get(SESSION_ORG_KEY)
    chosen = next((m for m in memberships if m.organization_id == current), memberships[0])
    chosen.user = user  # type: ignore[assignment]
    return chosen


class MemberReadHRAdminWrite(BasePermission):
    """Every member of the organisation reads; only its HR admins write."""

    message = "Only HR admins can make changes."

    def has_permission(self, request: Request, view: APIView) -> bool:
        member: Employee | None = getattr(request, "employee", None)
        if member is None:
            return False
        return request.method in SAFE_METHODS or member.is_hr_admin


class TenantAPIView(APIView):
    """Binds an API view to the organisation of its credential and confines it to that scope.

    Use it as the base of a plain API view, or first among the bases of a viewset.

    After `initial()`, `self.organization` and `self.member` (also `request.organization` and
    `request.employee`) are set for every authenticated request. `get_queryset` must still filter by
    `organization=self.organization` explicitly.
    """

    permission_classes: Sequence[_PermissionClass] = [IsAuthenticated, MemberReadHRAdminWrite]
    # JSON only: the browsable renderer would run its queries after the tenant scope has closed.
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    organization: Organization
    member: Employee
    _tenant_scope: ExitStack | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The scope entered in initial() closes when the request is done, however it ends
        # (an unhandled exception skips finalize_response, so closing there would leak it).
        with ExitStack() as self._tenant_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)
        if request.user is not None and request.user.is_authenticated:
            member = membership_for_credential(request)
            self.organization = member.organization
            self.member = member
            request.organization = member.organization  # type: ignore[attr-defined]
            request.employee = member  # type: ignore[attr-defined]
            assert self._tenant_scope is not None
            self._tenant_scope.enter_context(scope(organization=member.organization))
        super().initial(request, *args, **kwargs)


# --- Serializer and filter building blocks -------------------------------------------------
class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id in a request body, looked up only inside the request's organisation.

    Another organisation's id gets the same "does not exist" answer as an unknown one.
    """

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        self.model = model
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        organization = getattr(self.context.get("request"), "organization", None)
        if organization is None:
            return self.model._default_manager.none()
        return self.model._default_manager.filter(organization=organization)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """Filter by a related row's id (an integer)."""

    field_class = forms.IntegerField


# --- One error format ------------------------------------------------------------------------
def _flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{field: [messages]} from DRF's nested error detail; nested keys become "a.b"."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = NON_FIELD_ERRORS if key == "__all__" else str(key)
            flat.update(_flatten_errors(value, f"{prefix}.{name}" if prefix else name))
        return flat
    key = prefix or NON_FIELD_ERRORS
    if isinstance(detail, list | tuple):
        messages: list[str] = []
        nested: dict[str, list[str]] = {}
        for index, item in enumerate(detail):
            if isinstance(item, Mapping | list | tuple):
                nested.update(_flatten_errors(item, f"{key}.{index}"))
            else:
                messages.append(str(item))
        return ({key: messages} if messages else {}) | nested
    return {key: [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as `{"detail": str, "errors": {field: [str]}}` (errors for validation only).

    A domain `ValidationError` raised by a service becomes a 400 like a serializer's; a 404 never
    says what was looked for, so the answer is the same whether the row is missing or another
    organisation's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, Http404 | exceptions.NotFound):
        exc = exceptions.NotFound(NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": VALIDATION_SUMMARY, "errors": _flatten_errors(exc.detail)}
    elif not (isinstance(response.data, dict) and set(response.data) == {"detail"}):
        response.data = {"detail": str(response.data)}
    return response


# --- Schema ------------------------------------------------------------------------------------
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error format of the API.",
    "properties": {
        "detail": {"type": "string", "description": "A human-readable summary."},
        "errors": {
            "type": "object",
            "description": (
                "Validation errors only: messages per field; errors about the request as a whole "
                f'are under "{NON_FIELD_ERRORS}".'
            ),
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": "Invalid input: the messages per field are in `errors`.",
    "403": "Not signed in, not a member of the organisation, or not allowed (HR admins write).",
    "404": "No such object in this organisation.",
}
ORGANIZATION_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": ORGANIZATION_HEADER,
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "Slug of the organisation to act in, for people with several memberships. Defaults to "
        "the organisation last opened in the web app, else the first membership."
    ),
}


def schema_add_tenant_conventions(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the shared error responses and organisation header.

    Every tenant operation can answer 403; writes and lists (bad filters) 400; anything with an id
    in its path 404. All of them reference the one `Error` component.
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = ["403"]
            if method in ("post", "put", "patch") or "{" not in path:
                codes.append("400")
            if "{" in path:
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code, {"description": ERROR_RESPONSES[code], "content": error_ref}
                )
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == ORGANIZATION_HEADER for p in parameters):
                parameters.append(ORGANIZATION_PARAMETER)
    return result
