"""`manage.py import_onet --org acme --occupation 15-1251.00 ...`: import O*NET skills and roles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from competencies.onet.services import DEFAULT_DIR, onet_import
from mentorship.models import Organization


class Command(BaseCommand):
    help = "Import the 35 O*NET skills and the chosen occupations as competencies and roles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Slug of the organisation.")
        parser.add_argument(
            "--occupation",
            action="append",
            default=[],
            metavar="CODE",
            help="O*NET-SOC code of an occupation to import as a role (repeatable).",
        )
        parser.add_argument(
            "--all-skills-only",
            action="store_true",
            help="Import only the 35 skills (competencies with their behaviours), no roles.",
        )
        parser.add_argument(
            "--data-dir", type=Path, default=DEFAULT_DIR, help="Directory of the O*NET files."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["occupation"]
        if options["all_skills_only"] and codes:
            raise CommandError("--all-skills-only imports no roles; leave out --occupation.")
        if not options["all_skills_only"] and not codes:
            raise CommandError("Name at least one --occupation, or pass --all-skills-only.")
        with scopes_disabled():
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organisation with slug '{options['org']}'.")
            try:
                result = onet_import(
                    organization=organization,
                    actor=None,
                    occupation_codes=codes,
                    data_dir=options["data_dir"],
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"O*NET import into {organization.name}:")
        for line in result.lines():
            self.stdout.write(f"  {line}")
        for role in result.imported_roles:
            self.stdout.write(f"  role {role.code}  {role.name}")
        if not result.changed:
            self.stdout.write("Nothing changed: already up to date.")
