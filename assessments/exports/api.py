"""REST API: CSV exports of skill profiles and gaps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rest_framework.request import Request

from assessments.exports import builders as exports
from mentorship.exports.api import CSVExportViewSet, csv_download_schema


class SkillProfileExportViewSet(CSVExportViewSet):
    export_name = "skill-profiles"

    def rows(self) -> Iterable[Sequence[object]]:
        return exports.skill_profile_rows(organization=self.organization)

    @csv_download_schema(
        "skill-profiles",
        "Every active person's current level per competency, one row each: "
        f"{', '.join(exports.SKILL_PROFILE_COLUMNS)}.",
    )
    def download(self, request: Request) -> Any:
        return super().download(request)


class GapExportViewSet(CSVExportViewSet):
    export_name = "gaps"

    def rows(self) -> Iterable[Sequence[object]]:
        return exports.gap_rows(organization=self.organization)

    @csv_download_schema(
        "gaps",
        "Every active person's gaps against their role (required level above their effective "
        "level; never assessed counts as 0), highest priority (gap × importance) first within a "
        f"person: {', '.join(exports.GAP_COLUMNS)}.",
    )
    def download(self, request: Request) -> Any:
        return super().download(request)
