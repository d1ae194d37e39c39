"""Django admin for platform operators: match runs, suggestions and pairings of every organisation.

Runs and suggestions are written by the recompute only, so they are read-only here. Pairings and
settings can be corrected by an operator; such edits bypass the services and are not audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matching.models import (
    MatchRun,
    MatchSettings,
    MatchSuggestion,
    MentorOptOut,
    Pairing,
    RecomputeState,
)


class _TenantAdmin(admin.ModelAdmin):
    list_select_related = ["organization"]
    list_filter = ["organization"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "organization"] if obj is not None else readonly


class _ReadOnlyAdmin(_TenantAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MatchSettings)
class MatchSettingsAdmin(_TenantAdmin):
    list_display = ["organization", "k", "spread", "updated_at"]


@admin.register(MentorOptOut)
class MentorOptOutAdmin(_TenantAdmin):
    list_display = ["employee", "competency", "organization", "created_at"]
    list_select_related = ["organization", "employee__user", "competency"]
    raw_id_fields = ["employee", "competency"]


@admin.register(MatchRun)
class MatchRunAdmin(_ReadOnlyAdmin):
    list_display = [
        "started_at",
        "organization",
        "trigger",
        "status",
        "gaps",
        "suggestions",
        "coverage",
        "total_ms",
        "rows_created",
        "rows_updated",
        "rows_deleted",
    ]
    list_filter = ["organization", "status", "trigger"]
    date_hierarchy = "started_at"


@admin.register(MatchSuggestion)
class MatchSuggestionAdmin(_ReadOnlyAdmin):
    list_display = ["mentee", "competency", "mentor", "rank", "score", "recommended", "status"]
    list_filter = ["organization", "status", "recommended"]
    list_select_related = ["organization", "mentee__user", "mentor__user", "competency"]
    raw_id_fields = ["mentee", "mentor", "competency", "decided_by", "run"]


@admin.register(Pairing)
class PairingAdmin(_TenantAdmin):
    list_display = ["mentee", "mentor", "competency", "state", "start_date", "end_date"]
    list_filter = ["organization", "state", "outcome"]
    list_select_related = ["organization", "mentee__user", "mentor__user", "competency"]
    raw_id_fields = ["mentee", "mentor", "competency", "suggestion", "created_by"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(RecomputeState)
class RecomputeStateAdmin(_TenantAdmin):
    list_display = ["organization", "running_since", "rerun_requested", "scheduled_for"]
