"""`manage.py seed_demo`: the demo organisations, safe to run again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django_scopes import scope

from matching.demo import demo_logins, seed_demo
from matching.models import MatchRun
from matching.recompute import recompute_organization
from mentorship.models import Organization


class Command(BaseCommand):
    help = "Create the demo organisations acme and globex (people, org charts, O*NET model)."

    def handle(self, *args: Any, **options: Any) -> None:
        for result in seed_demo():
            self.stdout.write(result.line())
            if result.created:
                # Suggestions from the start, before the worker's first scheduled run.
                organization = Organization.objects.get(slug=result.slug)
                with scope(organization=organization):
                    run = recompute_organization(
                        organization_id=organization.pk, trigger=MatchRun.Trigger.MANUAL
                    )
                if run is not None:
                    self.stdout.write(
                        f"  matched {run.gaps:,} gaps: {run.suggestions:,} mentor suggestions "
                        f"in {run.total_ms / 1000:.1f} s"
                    )
        self.stdout.write(self._box())

    def _box(self) -> str:
        lines = [
            f"Open {settings.SITE_URL} and sign in as:",
            "",
            *(f"  {email:<24} {what}" for email, what in demo_logins()),
            "",
            f"Password for every account: {settings.DEMO_PASSWORD}",
        ]
        width = max(len(line) for line in lines) + 2
        body = [f"│ {line:<{width - 2}} │" for line in lines]
        return "\n".join(["┌" + "─" * width + "┐", *body, "└" + "─" * width + "┘"])
