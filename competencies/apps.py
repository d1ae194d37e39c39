from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"

    def ready(self) -> None:
        # The tenancy core cannot import this layer, so this layer registers itself with its hooks:
        # every new organisation starts with the default proficiency scale, and the people sync
        # finds roles (by id or HR code) through this layer.
        from competencies.services import scale_ensure_default
        from competencies.sync import RoleDirectory
        from mentorship import hooks

        hooks.register_organization_created_hook_in_transaction(
            lambda organization: scale_ensure_default(organization=organization)
        )
        hooks.register_role_directory(RoleDirectory())
