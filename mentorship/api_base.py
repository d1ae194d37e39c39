"""API foundations: tenant binding, permissions, pagination, one error format, schema defaults.

Every API view derives from `TenantAPIView`. It resolves the organisation and the acting membership
from the credential once, in `initial()`, and runs the rest of the request inside
`django_scopes.scope(organization=...)`, so a query that forgets the organisation still cannot
reach another tenant's rows.

Two credentials: an organisation's API client's bearer token (OAuth2 client credentials, see
mentorship.oauth) and the browser session. `bind_credential` is the one place that maps a
credential to its organisation. A request with no credential answers 403; a bearer token that is
unknown, expired or revoked answers 401 with a `WWW-Authenticate: Bearer` challenge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from django.http import Http404
from django_filters import rest_framework as filters
from django_scopes import scope
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.settings import oauth2_settings
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from mentorship import selectors
from mentorship.middleware import SESSION_ORG_KEY
from mentorship.models import ApiClient, Employee, Organization
from mentorship.oauth import (
    READ_SCOPE,
    WRITE_SCOPE,
    ApiClientPrincipal,
    acting_as_client,
    token_scopes,
)
from mentorship.parsers import JSONParser, too_large
from mentorship.sync import BulkValidationError

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
@dataclass(frozen=True)
class CredentialBinding:
    """Whom an authenticated API request acts for: an organisation, and either one of its members
    (a person signed in) or one of its API clients (an HR system, with no member behind it)."""

    organization: Organization
    member: Employee | None
    api_client: ApiClient | None


def bind_credential(request: Request) -> CredentialBinding:
    """The organisation and the member or client an authenticated API request acts as.

    An API client's token: the client's organisation, always (the `X-Organization` header is
    ignored). A session: see `membership_for_credential`.
    """
    if isinstance(request.user, ApiClientPrincipal):
        client = request.user.api_client
        return CredentialBinding(client.organization, None, client)
    member = membership_for_credential(request)
    return CredentialBinding(member.organization, member, None)


def membership_for_credential(request: Request) -> Employee:
    """The membership a request signed in through the browser session acts as.

    The `X-Organization: <slug>` header wins (404 unless they are an active member there); else
    the organisation the UI last put in the session, if still a membership; else their first
    active membership. No active membership at all is a 403.
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


def client_may(request: Request, view: APIView) -> bool:
    """An API client reads with the `read` scope; with `write` it changes what the view lets
    clients change (people, departments and roles: `api_client_writes = True`)."""
    scopes = token_scopes(request)
    if request.method in SAFE_METHODS:
        return READ_SCOPE in scopes
    return WRITE_SCOPE in scopes and bool(getattr(view, "api_client_writes", False))


class MemberReadHRAdminWrite(BasePermission):
    """Every member of the organisation reads; only its HR admins write. API clients read with
    the `read` scope and, where the view allows it, write with the `write` scope."""

    message = "Only HR admins can make changes."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(request, "api_client", None) is not None:
            if not client_may(request, view):
                self.message = CLIENT_SCOPE_MESSAGE
                return False
            return True
        member: Employee | None = getattr(request, "employee", None)
        if member is None:
            return False
        return request.method in SAFE_METHODS or member.is_hr_admin


CLIENT_SCOPE_MESSAGE = (
    "This API client may not do that: reading needs the read scope; changing people, "
    "departments and roles needs the write scope."
)


class TenantAPIView(APIView):
    """Binds an API view to the organisation of its credential and confines it to that scope.

    Use it as the base of a plain API view, or first among the bases of a viewset.

    After `initial()`, `self.organization`, `self.member` and `self.api_client` (also
    `request.organization`, `request.employee` and `request.api_client`) are set for every
    authenticated request: `member` is the person signed in, None for an API client; `api_client`
    the other way round. Pass `self.member` as a service's `actor` (None for a client: the audit log
    names the client instead). `get_queryset` must still filter by
    `organization=self.organization` explicitly.

    Views that let API clients with the `write` scope change things set `api_client_writes`.
    """

    permission_classes: Sequence[_PermissionClass] = [IsAuthenticated, MemberReadHRAdminWrite]
    # JSON only: the browsable renderer would run its queries after the tenant scope has closed.
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    api_client_writes = False

    organization: Organization
    member: Employee | None
    api_client: ApiClient | None = None
    _tenant_scope: ExitStack | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # The scope entered in initial() closes when the request is done, however it ends
        # (an unhandled exception skips finalize_response, so closing there would leak it).
        with ExitStack() as self._tenant_scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.perform_authentication(request)
        if request.user is not None and request.user.is_authenticated:
            binding = bind_credential(request)
            self.organization = binding.organization
            self.member = binding.member
            self.api_client = binding.api_client
            request.organization = binding.organization  # type: ignore[attr-defined]
            request.employee = binding.member  # type: ignore[attr-defined]
            request.api_client = binding.api_client  # type: ignore[attr-defined]
            assert self._tenant_scope is not None
            self._tenant_scope.enter_context(scope(organization=binding.organization))
            if binding.api_client is not None:
                self._tenant_scope.enter_context(acting_as_client(binding.api_client))
        super().initial(request, *args, **kwargs)

    def get_authenticate_header(self, request: Request) -> str | None:  # type: ignore[override]
        """A Bearer challenge, so a request without valid credentials is a 401 (RFC 6750); 403
        stays for a known client or person without the right."""
        for authenticator in self.get_authenticators():
            if isinstance(authenticator, OAuth2Authentication):
                return authenticator.authenticate_header(request)
        return None


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
    """Filter by a related row's id (a positive 64-bit integer; anything else is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


MAX_ID = 2**63 - 1


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


def _not_authenticated_detail(request: Any) -> str:
    """Say which: no credential at all, or a bearer token that was refused (and why)."""
    header = request.META.get("HTTP_AUTHORIZATION", "") if request is not None else ""
    if not header.lower().startswith("bearer"):
        return (
            "No credentials were sent: send `Authorization: Bearer <token>` with a token from "
            "/api/oauth/token/ (or sign in to the app)."
        )
    error = getattr(request, "oauth2_error", None) or {}
    reason = error.get("error_description") or "The access token is invalid."
    return (
        f"{reason.rstrip('.')}: the token is unknown, expired or revoked. Get a new one from "
        "/api/oauth/token/."
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as `{"detail": str, "errors": {field: [str]}}` (errors for validation only).

    A domain `ValidationError` raised by a service becomes a 400 like a serializer's; a bulk
    service's `BulkValidationError` lists each bad row under the payload's name (`{"employees":
    [{"index", "external_id", "errors"}]}`). A 404 never says what was looked for, so the answer is
    the same whether the row is missing or another organisation's.
    """
    if isinstance(exc, BulkValidationError):
        count = len(exc.errors)
        detail = f"{count} row{'s are' if count != 1 else ' is'} invalid; nothing was changed."
        return Response({"detail": detail, "errors": {exc.key: exc.errors}}, status=400)
    if isinstance(exc, RequestDataTooBig):
        exc = too_large()
    elif isinstance(exc, exceptions.NotAuthenticated):
        challenge = getattr(exc, "auth_header", None)
        exc = exceptions.NotAuthenticated(_not_authenticated_detail(context.get("request")))
        if challenge:
            exc.auth_header = challenge  # type: ignore[attr-defined]
    elif isinstance(exc, DjangoValidationError):
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
ROW_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "One invalid row of a bulk request: its position (from 0), its key (`external_id` for "
        "people, `code` for departments and roles) and its messages per field."
    ),
    "properties": {
        "index": {"type": "integer"},
        "external_id": {"type": "string", "nullable": True},
        "code": {"type": "string", "nullable": True},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["index", "errors"],
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error format of the API.",
    "properties": {
        "detail": {"type": "string", "description": "A human-readable summary."},
        "errors": {
            "type": "object",
            "description": (
                "Validation errors only: messages per field; errors about the request as a whole "
                f'are under "{NON_FIELD_ERRORS}". A bulk request lists its invalid rows instead, '
                'under the payload\'s name (e.g. `{"employees": [{"index": 3, "external_id": '
                '"E17", "errors": {"email": ["..."]}}]}`).'
            ),
            "additionalProperties": {
                "type": "array",
                "items": {"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/RowError"}]},
            },
        },
    },
    "required": ["detail"],
}
ERROR_RESPONSES = {
    "400": "Invalid input: the messages per field are in `errors`.",
    "401": (
        "The bearer token is unknown, expired or its client revoked (get a new token; a "
        "revoked client cannot)."
    ),
    "403": (
        "No credential, not a member of the organisation, or not allowed (HR admins write; API "
        "clients need the read or write scope)."
    ),
    "404": "No such object in this organisation.",
    "429": "Too many requests from this API client: wait for the seconds in `Retry-After`.",
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before the next request.",
    }
}
ORGANIZATION_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": ORGANIZATION_HEADER,
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "Slug of the organisation to act in, for people with several memberships. Defaults to "
        "the organisation last opened in the web app, else the first membership. Ignored for API "
        "clients, which always act in their own organisation."
    ),
}


def schema_add_tenant_conventions(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the shared error responses and organisation header.

    Every tenant operation can answer 403; writes and lists (bad filters) 400; anything with an id
    in its path 404. All of them reference the one `Error` component.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["RowError"] = ROW_ERROR_SCHEMA
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            codes = ["401", "403", "429"]
            if method in ("post", "put", "patch") or "{" not in path:
                codes.append("400")
            is_list = method == "get" and "{" not in path
            if "{" in path or is_list:
                codes.append("404")
            responses = operation.setdefault("responses", {})
            for code in codes:
                description = ERROR_RESPONSES[code]
                if code == "404" and is_list:
                    description = "No such page: `page` is past the last one."
                response = {"description": description, "content": error_ref}
                if code == "429":
                    response["headers"] = RETRY_AFTER_HEADER
                responses.setdefault(code, response)
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == ORGANIZATION_HEADER for p in parameters):
                parameters.append(ORGANIZATION_PARAMETER)
    return result


class ApiClientAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema's `oauth2` security scheme: client credentials, scope read for reads and write
    for writes."""

    target_class = "mentorship.oauth.ApiClientAuthentication"
    name = "oauth2"

    def get_security_requirement(self, auto_schema: Any) -> Any:
        view = auto_schema.view
        admits_clients = any(
            isinstance(permission, MemberReadHRAdminWrite) for permission in view.get_permissions()
        )
        if auto_schema.method in SAFE_METHODS:
            return {self.name: [READ_SCOPE]} if admits_clients else None
        if admits_clients and getattr(view, "api_client_writes", False):
            return {self.name: [WRITE_SCOPE]}
        return None

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from django.conf import settings

        return {
            "type": "oauth2",
            "description": (
                "OAuth2 client credentials. HR admins create a client (read, write or both) "
                "under Settings → API clients; exchange its id and secret at the token URL for "
                f"a bearer token valid {settings.API_TOKEN_SECONDS // 60} minutes."
            ),
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/oauth/token/",
                    "scopes": oauth2_settings.SCOPES,
                }
            },
        }
