"""Schema-driven fuzzing: every operation of the OpenAPI schema, in process, with generated input.

Two callers of organisation acme, with globex's people, competency model and assessments present
(and untouched at the end):
an HR admin signed in to the web app (session cookie and CSRF header, as the browser sends them)
sends valid and invalid input; an HR system's API client (a bearer token with the read and write
scopes) sends valid input. Every response must be free of server errors and conform to the
schema: its status code, content type, headers and body documented. Hypothesis runs a bounded
number of examples per operation without shrinking, so the run stays under a minute; a failure
names the operation, the check and a curl command to replay it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.db.models import Model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assessments.models import Assessment, DevelopmentGoal, Rating, SkillProfile
from competencies.models import Competency, Role, RoleRequirement
from mentorship import services
from mentorship.models import Department, Employee, Organization, User
from mentorship.wsgi import application
from tests.api.helpers import DEVELOPER_SKILLS, assess, give_role
from tests.factories import DepartmentFactory, EmployeeFactory

# With the export routes as they are wired (see tests/mentorship/test_exports.py).

# FUZZ_EXAMPLES=200 FUZZ_SEED=random for a deeper run than the suite's.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "8"))
DERANDOMIZE = os.environ.get("FUZZ_SEED", "fixed") != "random"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process_requests() -> Iterator[None]:
    """Keep the test's database connection open across requests, as Django's test client does:
    the WSGI handler would otherwise close it when each request starts and ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def populate(member: Employee) -> None:
    """A small organisation around `member`: a department, a manager chain, a role with
    requirements, and submitted self and manager assessments."""
    org = member.organization
    department = DepartmentFactory(organization=org)
    boss = EmployeeFactory(organization=org, department=department)
    report = EmployeeFactory(organization=org, department=department, manager=boss)
    skills = give_role(report, *DEVELOPER_SKILLS)
    assess(report, report, *((skill, 2) for skill in skills))
    assess(report, boss, *((skill, 3) for skill in skills))


@dataclass(frozen=True)
class Caller:
    name: str
    headers: dict[str, str]
    cookies: dict[str, str]
    modes: tuple[GenerationMode, ...]


def hr_session(hr: Employee) -> Caller:
    client = Client()
    client.force_login(hr.user)
    csrf = _get_new_csrf_string()
    return Caller(
        "HR admin (session)",
        # The organisation header is for people with several memberships: always acme here.
        {"X-CSRFToken": csrf, "X-Organization": "acme"},
        {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
        (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )


def api_client(org: Any) -> Caller:
    client, secret = services.api_client_create(
        organization=org, actor=None, name="Fuzzing HRIS", scopes="read write"
    )
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    response = Client().post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    token = response.json()["access_token"]
    return Caller(
        "API client (read write)",
        {"Authorization": f"Bearer {token}"},
        {},
        (GenerationMode.POSITIVE,),
    )


@pytest.fixture
def callers(org, hr, manager, employee, outsider) -> list[Caller]:
    populate(hr)
    populate(outsider)
    return [hr_session(hr), api_client(org)]


def fuzz_operation(operation: Any, caller: Caller, mode: GenerationMode) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        headers = {**(case.headers or {}), **caller.headers}
        response = case.call(app=application, headers=headers, cookies=caller.cookies)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def snapshot(org: Organization) -> dict[str, list[dict[str, Any]]]:
    """Everything of an organisation the API can reach, as plain values."""
    models: list[type[Model]] = [
        Employee,
        Department,
        Role,
        RoleRequirement,
        Competency,
        Assessment,
        Rating,
        SkillProfile,
        DevelopmentGoal,
    ]
    rows = {
        model.__name__: list(
            model._default_manager.filter(organization=org).order_by("pk").values()
        )
        for model in models
    }
    members = Employee.objects.filter(organization=org).values("user_id")
    rows["User"] = list(User.objects.filter(pk__in=members).order_by("pk").values())
    return rows


def test_every_operation_answers_without_server_errors_and_as_documented(
    callers, other_org, in_process_requests
) -> None:
    # `in_process_requests` comes last: Django's test client, used to build the callers,
    # reconnects the signal handlers that close connections after each of its requests.
    globex_before = snapshot(other_org)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures: list[str] = []
    labels: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        for caller in callers:
            cache.clear()  # the API client's rate limit counts per operation here
            for mode in caller.modes:
                try:
                    fuzz_operation(operation, caller, mode)
                except Unsatisfiable:
                    # Nothing invalid to send: every input the operation takes is free text.
                    assert mode == GenerationMode.NEGATIVE, operation.label
                except (Exception, BaseExceptionGroup) as exc:  # every failure, together
                    failures.append(f"{operation.label}, {caller.name}, {mode.value} data\n{exc}")

    assert "GET /api/v1/exports/people.csv" in labels and len(labels) > 20, labels
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
    assert snapshot(other_org) == globex_before, "acme's callers changed globex's data"
