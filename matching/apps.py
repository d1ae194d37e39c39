from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        # The lower layers cannot import this one; it registers itself with their hooks so a
        # submitted assessment or a changed requirement schedules a recompute.
        from assessments.hooks import register_submit_hook
        from competencies.hooks import register_model_change_hook
        from matching.recompute import on_assessment_submitted, on_competency_model_changed

        register_submit_hook(on_assessment_submitted)
        register_model_change_hook(on_competency_model_changed)

        # People who leave: their proposed pairings are cancelled, active ones flagged.
        from matching.pairings.leavers import on_employees_deactivated
        from mentorship.hooks import register_deactivation_hook_in_transaction

        register_deactivation_hook_in_transaction(on_employees_deactivated)

        # Tasks are queued by name; registering them here makes that work in any process that
        # loaded the apps (web, worker, shell, tests), not only where Celery autodiscovered them.
        import matching.tasks  # noqa: F401
