"""Resolve the tenant once per request and run the view inside its scope.

`/o/<slug>/...` needs a signed-in user with an active membership of that organisation; anything
else is a 404 (the same answer whether the organisation exists or not). The view then runs inside
`django_scopes.scope(organization=...)`, so every tenant query is confined to that organisation and
a query outside any scope raises. The API resolves its tenant from the credential (see api_base).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    QueryDict,
)
from django.middleware import common
from django.template.loader import render_to_string
from django_scopes import scope, scopes_disabled

from mentorship import selectors

ORG_PATH = re.compile(r"^/o/(?P<slug>[-a-zA-Z0-9_]+)/")
SESSION_ORG_KEY = "current_organization_id"


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None  # type: ignore[attr-defined]
        request.employee = None  # type: ignore[attr-defined]
        if request.path.startswith("/admin/"):
            # Platform operators work across organisations in Django admin only.
            with scopes_disabled():
                return self.get_response(request)

        match = ORG_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        membership = selectors.membership_for_user(user=request.user, org_slug=match["slug"])
        if membership is None:
            raise Http404("No such organisation")
        request.organization = membership.organization  # type: ignore[attr-defined]
        request.employee = membership  # type: ignore[attr-defined]
        if request.session.get(SESSION_ORG_KEY) != membership.organization_id:
            request.session[SESSION_ORG_KEY] = membership.organization_id
        with scope(organization=membership.organization):
            return self.get_response(request)


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that an API address missing its trailing slash is served as if it had one.

    APPEND_SLASH answers such a request with a redirect, and a client following a 301 or 302
    turns a POST into a GET without its body: a bulk sync would silently do nothing.
    """

    def process_request(self, request: HttpRequest) -> HttpResponsePermanentRedirect | None:
        if request.path_info.startswith("/api/") and self.should_redirect_with_slash(request):
            request.path_info += "/"
            request.path += "/"
        return super().process_request(request)


# C0 control characters other than tab, newline and carriage return, and DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ControlCharactersMiddleware:
    """Control characters in a query string: stripped on the API (its documented answers stay
    what they are), refused with a 400 page on the web pages.

    No search or filter needs them, and PostgreSQL refuses NUL in text outright, so letting one
    through turned a typo or a probe into a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value)
            for key, values in request.GET.lists()
            for value in values
        ):
            if not request.path_info.startswith("/api/"):
                message = "The address contains control characters; remove them and try again."
                return HttpResponseBadRequest(
                    render_to_string("400.html", {"message": message}, request)
                )
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(
                    CONTROL_CHARACTERS.sub("", key),
                    [CONTROL_CHARACTERS.sub("", v) for v in values],
                )
            cleaned._mutable = False
            request.GET = cleaned  # type: ignore[assignment]
        return self.get_response(request)
