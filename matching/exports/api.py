"""REST API: CSV export of pairings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rest_framework.request import Request

from matching.exports import builders
from mentorship.exports.api import CSVExportViewSet, csv_download_schema


class PairingExportViewSet(CSVExportViewSet):
    export_name = "pairings"

    def rows(self) -> Iterable[Sequence[object]]:
        return builders.pairing_rows(organization=self.organization)

    @csv_download_schema(
        "pairings",
        "Every pairing of the organisation, newest first, one row each: "
        f"{', '.join(builders.PAIRING_COLUMNS)}.",
    )
    def download(self, request: Request) -> Any:
        return super().download(request)
