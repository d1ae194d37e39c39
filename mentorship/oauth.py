"""OAuth2 client credentials for HR systems: scopes, authentication, rate limits, audit notes.

An `ApiClient` (mentorship.models) belongs to one organisation and is granted the scopes `read`,
`write` or both. It obtains a token from `/api/oauth/token/` with the client credentials grant
and sends it as `Authorization: Bearer <token>`. The API then acts in the client's organisation
with no member behind it: `request.employee` is None and `request.api_client` is the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from mentorship.models import ApiClient, AuditEntry

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

READ_SCOPE = "read"
WRITE_SCOPE = "write"


# --- Scopes --------------------------------------------------------------------------------------
class ApiClientScopes(BaseScopes):
    """A client is offered exactly the scopes HR granted it; asking for more is refused."""

    def get_all_scopes(self) -> dict[str, str]:
        return dict(oauth2_settings.SCOPES)

    def get_available_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if isinstance(application, ApiClient):
            return application.scope_list
        return list(oauth2_settings.SCOPES)

    def get_default_scopes(
        self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any
    ) -> list[str]:
        if isinstance(application, ApiClient):
            return application.scope_list
        return [READ_SCOPE]


# --- Authentication ------------------------------------------------------------------------------
class ApiClientPrincipal:
    """Who `request.user` is for a request made with a client's token.

    Not a person: it has no e-mail and no membership. It only answers the questions DRF and Django
    ask of any user, so that "is this request authenticated?" is true for a valid token.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: ApiClient) -> None:
        self.api_client = client

    def __str__(self) -> str:
        return f"API client {self.api_client.name}"

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def get_username(self) -> str:
        return str(self)


class ApiClientAuthentication(OAuth2Authentication):
    """Bearer tokens issued to an organisation's API clients.

    A token of a revoked client never authenticates (revoking deletes its tokens, and the client
    is refused at once even if one survived).
    """

    def authenticate(self, request: Request) -> tuple[ApiClientPrincipal, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        _, token = result
        client = getattr(token, "application", None)
        if not isinstance(client, ApiClient) or client.is_revoked:
            raise exceptions.AuthenticationFailed("This API client has been revoked.")
        return ApiClientPrincipal(client), token


def token_scopes(request: Request) -> set[str]:
    """The scopes a request may use: those of its token that its client still holds."""
    client: ApiClient | None = getattr(request, "api_client", None)
    token = request.auth
    if client is None or token is None:
        return set()
    return set(getattr(token, "scope", "").split()) & set(client.scope_list)


# --- Rate limits ---------------------------------------------------------------------------------
class ApiClientRateThrottle(SimpleRateThrottle):
    """`API_RATE` requests per client (e.g. 600/min); people signed in to the web app are not
    limited here. Over the limit: 429 with Retry-After."""

    scope = "api_client"

    def get_rate(self) -> str | None:
        return str(settings.API_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        client: ApiClient | None = getattr(request, "api_client", None)
        if client is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client.client_id}


# --- Audit: which client made a change -----------------------------------------------------------
_acting_client: ContextVar[str | None] = ContextVar("acting_api_client", default=None)


@contextmanager
def acting_as_client(client: ApiClient) -> Iterator[None]:
    """While the block runs, audit entries note that the change came through this client."""
    token = _acting_client.set(f"api client {client.name}")
    try:
        yield
    finally:
        _acting_client.reset(token)


def audit_via() -> str | None:
    """ "api client <name>" while a client's request is being served, else None."""
    return _acting_client.get()


@receiver(pre_save, sender=AuditEntry, dispatch_uid="audit_entry_via_api_client")
def _note_api_client(sender: type[AuditEntry], instance: AuditEntry, **kwargs: Any) -> None:
    # Services take `actor: Employee | None` and a client is no employee: the audit entry says
    # which client acted, whichever service wrote it.
    via = _acting_client.get()
    if via and instance._state.adding:
        instance.changes = {**(instance.changes or {}), "via": via}
