from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Tenancy and people"

    def ready(self) -> None:
        import mentorship.tasks  # noqa: F401  (tasks are queued by name; see matching.apps)
        from mentorship import rls

        connection_created.connect(rls.on_connection_created, dispatch_uid="tenant_rls")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                rls.install(connection)
