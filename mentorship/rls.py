"""PostgreSQL row-level security: the second tenant guard, behind django-scopes.

Every tenant table (a table with an `organization` foreign key, see `tenant_tables`) has RLS
enabled and forced, with one policy: a statement sees and writes only the rows of the
organisation named by the session setting `app.organization_id`, or every row when
`app.rls_bypass` is `on`. With neither set it sees no row and may write none: the guard fails
closed. RLS never applies to a superuser (or a role with BYPASSRLS); forced, it applies to the
tables' owner too, but an owner can switch it off, so the app connects as a role that is neither
owner nor superuser (see docker-compose.yml) and migrations run as the owner.

The two settings follow django-scopes by themselves; no call site sets them. Before each
statement the connection compares what the current scope asks for (`wanted`) with what it last
set, and only when they differ sends one `set_config` on the driver's connection: a small query
after the scope changes (or a rollback), none otherwise. A scope with an organisation sets its
id; `scopes_disabled()` sets the bypass; no scope sets neither. Values set inside a transaction
or savepoint are undone by its rollback, so a rollback makes the connection forget what it set.
COPY through the driver's cursor (the matching loader and writer use it) is covered too.

A data migration that reads or writes tenant rows must run under `scopes_disabled()`: the
tables force RLS, so even their owner sees nothing otherwise.

A new tenant table gets its policy in the migration that creates it:
`TenantRowLevelSecurity(tables=["app_model"])` after its CreateModel. A test checks that every
tenant table is covered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.state import ProjectState
from django.db.models import Model
from django_scopes.state import get_scope

POLICY = "tenant_isolation"
ORGANIZATION_SETTING = "app.organization_id"
BYPASS_SETTING = "app.rls_bypass"

# Models with an `organization` key that stay out of RLS, and why.
NOT_ROW_SECURED: Mapping[str, str] = {
    "mentorship.ApiClient": (
        "the token endpoint and bearer authentication find a client by its id before any "
        "organisation is known"
    ),
}

# Transaction control must reach the server untouched: after an error only ROLLBACK works.
_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK")

Setting = tuple[str, str]  # (app.organization_id, app.rls_bypass)
NOTHING: Setting = ("", "off")


# --- Which tables, and their SQL ---------------------------------------------------------------
def tenant_tables(apps: Apps = global_apps) -> list[str]:
    """The tables RLS guards: every concrete model with an `organization` foreign key to
    Organization, but those in NOT_ROW_SECURED."""
    organization = apps.get_model("mentorship", "Organization")
    tables = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label in NOT_ROW_SECURED:
            continue
        field = next((f for f in meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.related_model is organization:
            tables.add(meta.db_table)
    return sorted(tables)


def _condition() -> str:
    return (
        f"current_setting('{BYPASS_SETTING}', true) = 'on' OR organization_id = "
        f"NULLIF(current_setting('{ORGANIZATION_SETTING}', true), '')::bigint"
    )


def enable_sql(table: str, quote: Callable[[str], str]) -> list[str]:
    name = quote(table)
    return [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY} ON {name} USING ({_condition()}) WITH CHECK ({_condition()})",
    ]


def disable_sql(table: str, quote: Callable[[str], str]) -> list[str]:
    name = quote(table)
    return [
        f"DROP POLICY IF EXISTS {POLICY} ON {name}",
        f"ALTER TABLE {name} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY",
    ]


class TenantRowLevelSecurity(Operation):
    """Migration operation: RLS and the tenant policy on `tables` (PostgreSQL only; elsewhere,
    and in the migration state, nothing). Reversible."""

    category = OperationCategory.SQL

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables = list(tables)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__qualname__, [], {"tables": self.tables})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, enable_sql)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(schema_editor, disable_sql)

    def _run(
        self,
        schema_editor: BaseDatabaseSchemaEditor,
        build: Callable[[str, Callable[[str], str]], list[str]],
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in self.tables:
            for statement in build(table, schema_editor.quote_name):
                schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Row-level security on {len(self.tables)} tenant tables"

    @property
    def migration_name_fragment(self) -> str:
        return "tenant_row_level_security"


# --- Keeping the settings in step with django-scopes ------------------------------------------
def wanted(state: Mapping[str, Any] | None = None) -> Setting:
    """The (organisation id, bypass) a django-scopes state asks for (default: the current one)."""
    state = get_scope() if state is None else state
    if not state.get("_enabled", True):
        return ("", "on")
    value = state.get("organization")
    if value is None:
        return NOTHING
    if isinstance(value, Model):
        value = value.pk
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"Row-level security needs one organisation (or its id) per scope, got {value!r}"
        )
    return (str(value), "off")


class TenantSetting:
    """Per connection: what it last set on the server (None: not known), and the wrapper that
    sets what the current scope wants before a statement runs."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.current: Setting | None = NOTHING
        self.cursor_class: type[Any] | None = None

    def __call__(
        self, execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
    ) -> Any:
        if isinstance(sql, str) and sql.startswith(_TRANSACTION_CONTROL):
            if sql.startswith("ROLLBACK"):
                self.forget()
            return execute(sql, params, many, context)
        self.sync()
        return execute(sql, params, many, context)

    def sync(self) -> None:
        if self.connection.needs_rollback:
            return  # Django refuses the statement itself, with its own error
        setting = wanted()
        if setting == self.current:
            return
        self.current = None  # until the server has confirmed it
        with self.connection.wrap_database_errors, self.connection.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT set_config('{ORGANIZATION_SETTING}', %s, false), "
                f"set_config('{BYPASS_SETTING}', %s, false)",
                setting,
            )
        self.current = setting

    def forget(self) -> None:
        self.current = None


def _psycopg2_cursor_class(guard: TenantSetting) -> type[Any]:
    import psycopg2.extensions

    class TenantCursor(psycopg2.extensions.cursor):
        """The driver's cursor, syncing before COPY (its execute goes through Django's wrapper,
        or is the wrapper's own set_config)."""

        def copy_expert(self, *args: Any, **kwargs: Any) -> Any:
            guard.sync()
            return super().copy_expert(*args, **kwargs)

        def copy_from(self, *args: Any, **kwargs: Any) -> Any:
            guard.sync()
            return super().copy_from(*args, **kwargs)

        def copy_to(self, *args: Any, **kwargs: Any) -> Any:
            guard.sync()
            return super().copy_to(*args, **kwargs)

    return TenantCursor


def install(connection: BaseDatabaseWrapper) -> None:
    """Keep this PostgreSQL connection's settings in step with django-scopes. Called on every
    new connection (the `connection_created` signal); a new session starts with nothing set."""
    if connection.vendor != "postgresql":
        return
    guard: TenantSetting | None = getattr(connection, "tenant_setting", None)
    if guard is None:
        guard = TenantSetting(connection)
        connection.tenant_setting = guard  # type: ignore[attr-defined]
        # First in the list: outermost, and safe from `connection.execute_wrapper()`, which pops
        # the last one on exit. The set_config goes to the driver's connection, so no other
        # wrapper (nor a test counting queries) sees it.
        connection.execute_wrappers.insert(0, guard)
        # A rollback undoes what was set inside the transaction. Django offers no hook for it.
        rollback = connection.rollback

        def rollback_and_forget() -> None:
            guard.forget()
            rollback()

        connection.rollback = rollback_and_forget  # type: ignore[method-assign]
    guard.current = NOTHING
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    if not is_psycopg3:  # the COPY in matching is psycopg2's copy_expert
        if guard.cursor_class is None:
            guard.cursor_class = _psycopg2_cursor_class(guard)
        connection.connection.cursor_factory = guard.cursor_class


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    install(connection)
