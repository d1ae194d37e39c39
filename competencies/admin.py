"""Django admin for platform operators: every organisation's competency model, read mostly.

Admin requests run with tenant scopes disabled (see TenantMiddleware); edits made here bypass the
services and so are not audited, which is why the organisation of a row cannot be changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement


class _TenantAdmin(admin.ModelAdmin):
    list_select_related = ["organization"]
    list_filter = ["organization"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "organization"] if obj is not None else readonly


@admin.register(ProficiencyLevel)
class ProficiencyLevelAdmin(_TenantAdmin):
    list_display = ["organization", "level", "name", "description"]
    ordering = ["organization__name", "level"]


class LevelBehaviourInline(admin.TabularInline):
    model = LevelBehaviour
    extra = 0
    fields = ["level", "description"]


@admin.register(Competency)
class CompetencyAdmin(_TenantAdmin):
    list_display = ["name", "category", "code", "organization", "archived_at"]
    list_filter = ["organization", "category", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code", "description"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [LevelBehaviourInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Inline behaviours belong to the competency's organisation.
        for behaviour in formset.save(commit=False):
            behaviour.organization = form.instance.organization
            behaviour.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class RoleRequirementInline(admin.TabularInline):
    model = RoleRequirement
    extra = 0
    fields = ["competency", "required_level", "importance", "source_level", "source_importance"]
    raw_id_fields = ["competency"]


@admin.register(Role)
class RoleAdmin(_TenantAdmin):
    list_display = ["name", "family", "code", "organization", "archived_at"]
    list_filter = ["organization", "family", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "code", "family"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [RoleRequirementInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for requirement in formset.save(commit=False):
            requirement.organization = form.instance.organization
            requirement.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()
