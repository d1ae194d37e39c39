"""PostgreSQL row-level security, the second tenant guard (mentorship.rls).

RLS never applies to a superuser, which the suite usually connects as, so these tests switch the
connection to a role that owns nothing and is not a superuser, as the app runs in deployment (on
a test database owned by a plain role they run as that role: the tables force RLS on their
owner). They show that each organisation sees and writes only its own rows, that a connection
with no scope sees nothing, and that the app still works: pages, the API, recompute, the daily
pairings task, the admin and the cross-organisation pages.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.transaction import TransactionManagementError
from django.db.utils import ProgrammingError
from django.test import Client
from django_scopes import scope, scopes_disabled

from matching.loader import fetch_columns
from matching.models import MatchRun, MatchSuggestion, Pairing
from matching.pairings.services import pairing_propose
from matching.tasks import pairings_daily_task, recompute_organization_task
from mentorship import rls, services
from mentorship.models import Department, Employee, Organization
from tests.factories import (
    CompetencyFactory,
    DepartmentFactory,
    EmployeeFactory,
    RoleFactory,
    RoleRequirementFactory,
    UserFactory,
)
from tests.matching.conftest import person, rate

ROLE = "mentorship_rls"
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app_role(postgres: None, db: None) -> Iterator[None]:
    """The test connection as a role RLS applies to: neither superuser nor exempt from RLS.

    A test database owned by such a role needs nothing (the tables force RLS on their owner);
    as a superuser, the connection switches to a role that owns nothing, as the app runs.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        exempt = cursor.fetchone()[0]
    if not exempt:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ROLE}")
        cursor.execute(f"SET ROLE {ROLE}")
        cursor.execute("SELECT current_user, current_setting('is_superuser')")
        assert cursor.fetchone() == (ROLE, "off")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def organisations_seen(table: str = "mentorship_employee") -> set[int]:
    """The organisations of the rows a plain SQL query (through Django's cursor) sees."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT organization_id FROM {table}")
        return {row[0] for row in cursor.fetchall()}


# --- The policies are there -------------------------------------------------------------------


def test_every_tenant_table_gets_its_policy_from_a_migration() -> None:
    covered = {
        table
        for migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.values()
        for operation in migration.operations
        if isinstance(operation, rls.TenantRowLevelSecurity)
        for table in operation.tables
    }
    assert covered == set(rls.tenant_tables())
    assert "mentorship_employee" in covered and "matching_matchsuggestion" in covered


def test_every_model_keyed_to_an_organisation_is_guarded_or_a_named_exception() -> None:
    keyed = {
        model._meta.label: model._meta.db_table
        for model in apps.get_models()
        if any(f.related_model is Organization for f in model._meta.concrete_fields)
    }
    assert set(rls.NOT_ROW_SECURED) <= set(keyed)
    guarded = {table for label, table in keyed.items() if label not in rls.NOT_ROW_SECURED}
    assert guarded == set(rls.tenant_tables())


@pytest.mark.postgres
def test_every_tenant_table_forces_row_level_security_with_the_policy(postgres, db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN information_schema.columns col ON col.table_schema = n.nspname "
            "AND col.table_name = c.relname AND col.column_name = 'organization_id' "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        with_organization = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity"
        )
        forced = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT tablename FROM pg_policies WHERE schemaname = current_schema() "
            "AND policyname = %s AND cmd = 'ALL' AND permissive = 'PERMISSIVE' "
            "AND qual IS NOT NULL AND with_check IS NOT NULL",
            [rls.POLICY],
        )
        with_policy = {row[0] for row in cursor.fetchall()}
    tables = set(rls.tenant_tables())
    assert forced == with_policy == tables
    exceptions = {apps.get_model(label)._meta.db_table for label in rls.NOT_ROW_SECURED}
    assert with_organization == tables | exceptions


# --- The settings follow django-scopes --------------------------------------------------------


def test_the_wanted_setting_follows_the_scope(org) -> None:
    assert rls.wanted({}) == ("", "off")
    assert rls.wanted({"_enabled": True}) == ("", "off")
    assert rls.wanted({"_enabled": False}) == ("", "on")
    assert rls.wanted({"_enabled": False, "organization": org}) == ("", "on")
    assert rls.wanted({"_enabled": True, "organization": org}) == (str(org.pk), "off")
    assert rls.wanted({"_enabled": True, "organization": 42}) == ("42", "off")
    with scope(organization=org):
        assert rls.wanted() == (str(org.pk), "off")
        with scopes_disabled():
            assert rls.wanted() == ("", "on")
    with pytest.raises(TypeError):
        rls.wanted({"_enabled": True, "organization": [org.pk]})


@pytest.mark.postgres
def test_the_policy_alone_shows_the_set_organisation_all_with_bypass_none_unset(
    app_role, hr, outsider
) -> None:
    # The driver's own cursor: past the wrapper, so only what is set here counts.
    raw = connection.connection.cursor()

    def seen_with(organization: str, bypass: str) -> set[int]:
        raw.execute(
            "SELECT set_config('app.organization_id', %s, false), "
            "set_config('app.rls_bypass', %s, false)",
            [organization, bypass],
        )
        raw.execute("SELECT DISTINCT organization_id FROM mentorship_employee")
        return {row[0] for row in raw.fetchall()}

    assert seen_with(str(hr.organization_id), "off") == {hr.organization_id}
    assert seen_with(str(outsider.organization_id), "off") == {outsider.organization_id}
    assert seen_with("", "off") == set()
    assert seen_with("", "on") == {hr.organization_id, outsider.organization_id}
    assert seen_with(str(hr.organization_id), "yes") == {hr.organization_id}
    connection.tenant_setting.forget()  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_each_scope_sees_only_its_organisation_and_no_scope_sees_nothing(
    app_role, org, other_org, hr, manager, employee, outsider
) -> None:
    with scope(organization=org):
        assert organisations_seen() == {org.pk}
        assert set(Employee.objects.values_list("pk", flat=True)) == {
            hr.pk,
            manager.pk,
            employee.pk,
        }
    with scope(organization=other_org.pk):
        assert organisations_seen() == {other_org.pk}
        assert organisations_seen("competencies_proficiencylevel") == {other_org.pk}
    with scope():
        assert organisations_seen() == set()
        assert organisations_seen("competencies_proficiencylevel") == set()
    assert organisations_seen() == {org.pk, other_org.pk}  # the test body: scopes disabled


@pytest.mark.postgres
def test_writes_for_another_organisation_are_refused(app_role, org, other_org, outsider) -> None:
    ours = DepartmentFactory(organization=org, name="Ops", code="OPS")
    theirs = DepartmentFactory(organization=other_org, name="Sales", code="SALES")
    with scope(organization=org):
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Department.objects.create(organization=other_org, name="Planted", code="X")
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Department.objects.filter(pk=ours.pk).update(organization=other_org)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE mentorship_department SET name = 'Taken' WHERE id = %s", [theirs.pk]
            )
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM mentorship_employee WHERE id = %s", [outsider.pk])
            assert cursor.rowcount == 0
    theirs.refresh_from_db()
    assert theirs.name == "Sales"
    assert Employee.objects.filter(pk=outsider.pk).exists()
    assert not Department.objects.filter(name="Planted").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("inside", ["scopes-disabled", "another-organisation"])
def test_a_rolled_back_savepoint_does_not_fool_the_connection(
    app_role, org, other_org, hr, outsider, inside: str
) -> None:
    def inner() -> AbstractContextManager[None]:
        return scopes_disabled() if inside == "scopes-disabled" else scope(organization=other_org)

    expected = {org.pk, other_org.pk} if inside == "scopes-disabled" else {other_org.pk}
    with scope(organization=org):
        assert organisations_seen() == {org.pk}
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with inner():
            assert organisations_seen() == expected
        1 / 0  # noqa: B018
    # The rollback undid what was set inside it: the server is back at acme.
    with inner():
        assert organisations_seen() == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_does_not_fool_the_connection(
    app_role, org, other_org, hr, outsider
) -> None:
    with scope(organization=org):
        assert organisations_seen() == {org.pk}  # set outside a transaction: it stays
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        with scope(organization=other_org):
            assert organisations_seen() == {other_org.pk}
        1 / 0  # noqa: B018
    with scope(organization=other_org):
        assert organisations_seen() == {other_org.pk}
    with transaction.atomic(), scope(organization=other_org):
        assert organisations_seen() == {other_org.pk}
    with scope(organization=other_org):
        assert organisations_seen() == {other_org.pk}  # committed: still set, and right


@pytest.mark.postgres
def test_a_broken_transaction_still_gets_djangos_own_error(app_role, org, other_org) -> None:
    DepartmentFactory(organization=org, name="Ops", code="OPS")
    DepartmentFactory(organization=other_org, name="Ops", code="OPS")
    departments = "mentorship_department"
    with transaction.atomic():
        with scope(organization=org):
            assert organisations_seen(departments) == {org.pk}
            with pytest.raises(IntegrityError):
                Department.objects.create(organization=org, name="Ops", code="OPS")
        # The scope changed, but nothing may be sent to the server before the rollback.
        with pytest.raises(TransactionManagementError), scope(organization=other_org):
            organisations_seen(departments)
    with scope(organization=other_org):
        assert organisations_seen(departments) == {other_org.pk}


@pytest.mark.postgres
def test_copy_through_the_driver_follows_the_scope(app_role, org, other_org, hr, outsider) -> None:
    with scope(organization=other_org):
        assert organisations_seen() == {other_org.pk}
    with scope(organization=org):
        # A COPY is the first statement in acme's scope: it must not run with globex set.
        rows = fetch_columns(Employee.objects.filter(organization=org), {"pk": "int8"})
    assert rows[:, 0].tolist() == [hr.pk]


# --- The app works as that role ---------------------------------------------------------------


@pytest.mark.postgres
def test_the_people_page_lists_exactly_its_organisation(
    app_role, client_for, hr, manager, employee, outsider
) -> None:
    EmployeeFactory(organization=outsider.organization, user=UserFactory(first_name="Gina"))
    response = client_for(hr).get("/o/acme/people/")
    assert response.status_code == 200
    shown = {person.pk for person in response.context["page"].object_list}
    assert shown == {hr.pk, manager.pk, employee.pk}
    body = response.content.decode()
    assert "Otto" not in body and "Gina" not in body
    assert client_for(outsider).get(f"/o/acme/people/{employee.pk}/").status_code == 404
    assert client_for(hr).get(f"/o/acme/people/{outsider.pk}/").status_code == 404


@pytest.mark.postgres
def test_an_api_client_lists_and_exports_exactly_its_organisation(
    app_role, org, hr, manager, employee, outsider
) -> None:
    client, secret = services.api_client_create(
        organization=org, actor=hr, name="Workday", scopes="read"
    )
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    token = Client().post(
        "/api/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert token.status_code == 200, token.content
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")

    people = api.get("/api/v1/employees/", {"page_size": 100})
    assert people.status_code == 200, people.content
    assert {row["id"] for row in people.json()["results"]} == {hr.pk, manager.pk, employee.pk}
    assert api.get(f"/api/v1/employees/{outsider.pk}/").status_code == 404

    export = api.get("/api/v1/exports/people.csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {row["email"] for row in rows} == {hr.email, manager.email, employee.email}


@pytest.fixture
def programme(app_role, org, manager, employee, other_org, outsider) -> dict[str, Any]:
    """Emma needs Programming 4 and rates herself 2; Pat rates himself 5. Globex has the same
    shape, which acme's work must neither read nor touch."""
    made: dict[str, Any] = {}
    for organization, mentee in ((org, employee), (other_org, outsider)):
        programming = CompetencyFactory(organization=organization, name="Programming")
        role = RoleFactory(organization=organization, name="Developers")
        RoleRequirementFactory(
            organization=organization,
            role=role,
            competency=programming,
            required_level=4,
            importance=5,
        )
        mentee.role = role
        mentee.save(update_fields=["role"])
        mentor = person(organization, "Pat", None)
        rate(mentee, {programming: 2})
        rate(mentor, {programming: 5})
        made[organization.slug] = (mentee, mentor, programming)
    return made


@pytest.mark.postgres
def test_a_recompute_runs_under_the_app_role(programme, org, other_org) -> None:
    emma, pat, programming = programme["acme"]
    with scope(organization=other_org):
        assert organisations_seen() == {other_org.pk}  # the connection last set globex
    run_id = recompute_organization_task(org.pk, MatchRun.Trigger.MANUAL)
    run = MatchRun.objects.get(pk=run_id)
    assert run.status == MatchRun.Status.SUCCEEDED and run.gaps == 1
    suggested = MatchSuggestion.objects.values_list(
        "organization_id", "mentee_id", "mentor_id", "competency_id"
    )
    assert set(suggested) == {(org.pk, emma.pk, pat.pk, programming.pk)}
    assert run.rows_created == 1
    again = MatchRun.objects.get(pk=recompute_organization_task(org.pk, MatchRun.Trigger.MANUAL))
    assert (again.rows_created, again.rows_updated, again.rows_deleted) == (0, 0, 0)
    assert MatchSuggestion.objects.count() == 1


@pytest.mark.postgres
def test_the_daily_pairings_task_runs_under_the_app_role(
    programme, org, other_org, manager, django_capture_on_commit_callbacks
) -> None:
    emma, pat, programming = programme["acme"]
    with time_machine.travel(MONDAY, tick=False):
        pairing = pairing_propose(
            mentee=emma,
            mentor=pat,
            competency=programming,
            actor=manager,
            task="Rewrite the invoice export",
            start_date=MONDAY.date(),
            end_date=MONDAY.date() + dt.timedelta(weeks=6),
        )
    with (
        time_machine.travel(MONDAY + dt.timedelta(days=5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert pairings_daily_task(org.pk) == {"expired": 1, "ended": 0, "reminded": 0}
        assert pairings_daily_task(other_org.pk) == {"expired": 0, "ended": 0, "reminded": 0}
    pairing.refresh_from_db()
    assert pairing.state == Pairing.State.EXPIRED


@pytest.mark.postgres
def test_the_admin_changelist_sees_every_organisation(app_role, employee, outsider) -> None:
    operator = Client()
    operator.force_login(UserFactory(email="ops@platform.test", is_staff=True, is_superuser=True))
    response = operator.get("/admin/mentorship/employee/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "employee@acme.test" in body and "outsider@globex.test" in body


@pytest.mark.postgres
def test_the_switch_page_lists_every_organisation_of_the_user(
    app_role, client_for, employee, other_org
) -> None:
    EmployeeFactory(organization=other_org, user=employee.user)
    body = client_for(employee).get("/?switch=1").content.decode()
    assert "Acme" in body and "Globex" in body
    dashboard = client_for(employee).get("/o/globex/")
    assert dashboard.status_code == 200
