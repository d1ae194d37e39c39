from __future__ import annotations

from django.http import HttpResponse

from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest


@hr_admin_required
def onet_import(request: TenantRequest, org_slug: str) -> HttpResponse:
    return HttpResponse("Import")
