"""The HR page that imports O*NET skills and occupations into the competency model."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import trigger_client_event

from competencies.models import Role
from competencies.onet import services as onet
from competencies.selectors import scale_for
from mentorship.access import hr_admin_required
from mentorship.http import TenantRequest

TEMPLATE = "competencies/import_onet.html"
MAX_ROLES_PER_IMPORT = 50


@hr_admin_required
def onet_import(request: TenantRequest, org_slug: str) -> HttpResponse:
    """GET: search occupations and preview the import. POST: run it and show the counts."""
    if request.method == "POST":
        return _run(request)
    context = _context(
        request, query=request.GET.get("q", ""), codes=request.GET.getlist("occupation")
    )
    if request.htmx and request.htmx.target == "picker":
        return render(request, f"{TEMPLATE}#picker", context)
    return render(request, TEMPLATE, context)


def _run(request: TenantRequest) -> HttpResponse:
    codes = onet.normalise_codes(request.POST.getlist("occupation"))
    errors: dict[str, list[str]] = {}
    result = None
    if len(codes) > MAX_ROLES_PER_IMPORT:
        errors["occupation"] = [f"Choose at most {MAX_ROLES_PER_IMPORT} occupations per import."]
    else:
        try:
            result = onet.onet_import(
                organization=request.organization,
                actor=request.employee,
                occupation_codes=codes,
            )
        except ValidationError as exc:
            errors = _errors_by_field(exc)
    context = _context(request, query="", codes=[] if result is not None else codes, errors=errors)
    context["result"] = result
    # An htmx import also refreshes the side list of roles, out of band.
    context["oob"] = bool(request.htmx and result is not None)
    template = f"{TEMPLATE}#panel" if request.htmx else TEMPLATE
    response = render(request, template, context)
    if request.htmx and result is not None:
        message = "Import finished" if result.changed else "Already up to date: nothing changed"
        trigger_client_event(response, "toast", {"message": message})
    return response


def _errors_by_field(exc: ValidationError) -> dict[str, list[str]]:
    """Unreadable data files show on top; everything else by the occupation picker."""
    if not hasattr(exc, "error_dict"):
        return {"file": exc.messages}
    errors: dict[str, list[str]] = {}
    for name, messages in exc.message_dict.items():
        errors.setdefault("file" if name == "file" else "occupation", []).extend(messages)
    return errors


def _context(
    request: TenantRequest,
    *,
    query: str,
    codes: list[str],
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    errors = dict(errors or {})
    organization = request.organization
    query = query.strip()[:100]
    try:
        library = onet.load_library()
    except ValidationError as exc:
        errors.setdefault("file", []).extend(exc.messages)
        library = None

    existing_roles = {
        role.code: role for role in Role.objects.filter(organization=organization).exclude(code="")
    }
    chosen: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    if library is not None:
        for code in onet.normalise_codes(codes):
            occupation = library.occupations.get(code)
            if occupation is not None:
                chosen.append(
                    {
                        "code": code,
                        "title": occupation.title,
                        "family": occupation.family,
                        "role": existing_roles.get(code),
                    }
                )
        chosen_codes = {item["code"] for item in chosen}
        results = [
            {"code": code, "title": title, "role": existing_roles.get(code)}
            for code, title in onet.onet_occupation_search(query)
            if code not in chosen_codes
        ]
    scale = scale_for(organization=organization)
    names = {step.level: step.name for step in scale}
    lo, hi = (scale[0].level, scale[-1].level) if scale else (0, 5)
    mapping = [
        {"lv_from": lv_from, "lv_to": lv_to, "level": level, "name": names.get(level, "")}
        for lv_from, lv_to, level in onet.level_mapping_table(lo=lo, hi=hi)
    ]
    anchors = [
        {"lv": lv, "level": onet.level_from_lv(Decimal(lv), lo=lo, hi=hi)} for lv in (2, 4, 6)
    ]
    return {
        "nav": "model",
        "tab": "import",
        "page_url": reverse("onet_import", kwargs={"org_slug": organization.slug}),
        "query": query,
        "results": results,
        "chosen": chosen,
        "existing_roles": sorted(existing_roles.values(), key=lambda r: r.name),
        "skills_count": len(library.skills) if library else 0,
        "occupations_count": len(library.occupations) if library else 0,
        "mapping": mapping,
        "anchors": anchors,
        "lowest_level": lo,
        "highest_level": hi,
        "lowest_level_name": names.get(lo, ""),
        "errors": errors,
        "max_roles": MAX_ROLES_PER_IMPORT,
    }
