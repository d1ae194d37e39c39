from django.apps import AppConfig


class CompetenciesConfig(AppConfig):
    name = "competencies"

    def ready(self) -> None:
        # Every new organisation starts with the default proficiency scale. The tenancy core
        # cannot import this layer, so this layer registers itself with it.
        from competencies.services import scale_ensure_default
        from mentorship import services as org_services

        org_services.organization_created_hooks.append(
            lambda org: scale_ensure_default(organization=org)
        )
