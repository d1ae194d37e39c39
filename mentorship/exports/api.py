"""REST API: CSV exports. `GET /api/v1/exports/people.csv` here; the other apps add theirs on the
same base (`CSVExportViewSet`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from mentorship.api_base import MemberReadHRAdminWrite, TenantAPIView, client_may
from mentorship.exports import builders as exports
from mentorship.models import Employee


class HRAdminExport(MemberReadHRAdminWrite):
    """Exports hold the whole organisation's people data: its HR admins, and its API clients
    with the `read` scope (as for every read, hence the base class, which the schema's security
    requirements also go by)."""

    message = "Only HR admins and API clients with the read scope can export."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if getattr(request, "api_client", None) is not None:
            return client_may(request, view)
        member: Employee | None = getattr(request, "employee", None)
        return member is not None and member.is_hr_admin


def csv_download_schema(what: str, description: str) -> Any:
    return extend_schema(
        operation_id=f"exports_{what.replace('-', '_')}_csv",
        summary=f"Download {what.replace('-', ' ')} as CSV",
        description=description,
        tags=["exports"],
        request=None,
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="A CSV file with a header row (UTF-8), streamed.",
            )
        },
    )


class CSVExportViewSet(TenantAPIView, viewsets.ViewSet):
    """Streams one CSV export of the credential's organisation; routed as `{"get": "download"}`."""

    permission_classes = [IsAuthenticated, HRAdminExport]
    export_name = ""

    def rows(self) -> Iterable[Sequence[object]]:
        raise NotImplementedError

    def download(self, request: Request) -> Any:
        return exports.csv_response(
            self.rows(),
            organization=self.organization,
            filename=exports.export_filename(self.organization, self.export_name),
        )

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The export is CSV whatever the Accept header says; only errors are rendered, in the
        # API's one JSON format.
        return JSONRenderer(), JSONRenderer.media_type


class PeopleExportViewSet(CSVExportViewSet):
    """Everyone in the organisation, in the columns the people CSV import takes."""

    export_name = "people"

    def rows(self) -> Iterable[Sequence[object]]:
        return exports.people_rows(organization=self.organization)

    @csv_download_schema(
        "people",
        "Everyone in the organisation, active or not, one row each: "
        f"{', '.join(exports.PEOPLE_COLUMNS)}. The same columns as the people CSV import.",
    )
    def download(self, request: Request) -> Any:
        return super().download(request)
