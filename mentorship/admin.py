"""Django admin for platform operators: every organisation, read across tenants.

Organisation members never use it; HR admins manage their people in the app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from mentorship.models import AuditEntry, Department, Employee, Organization, User


class MembershipInline(admin.TabularInline):
    model = Employee
    fk_name = "user"
    extra = 0
    fields = ("organization", "job_title", "is_hr_admin", "is_active")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [MembershipInline]

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [] if obj is None else list(self.inlines)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "mentor_threshold_level", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("created_at",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "organization", "parent")
    list_filter = ("organization",)
    search_fields = ("name", "code", "organization__name")
    list_select_related = ("organization", "parent")
    raw_id_fields = ("parent",)


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "user_email",
        "organization",
        "department",
        "job_title",
        "is_hr_admin",
        "is_active",
    )
    list_filter = ("organization", "is_active", "is_hr_admin", "mentor_available")
    search_fields = (
        "user__email",
        "user__first_name",
        "user__last_name",
        "job_title",
        "external_id",
    )
    list_select_related = ("user", "organization", "department")
    raw_id_fields = ("user", "manager", "department", "role")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="e-mail", ordering="user__email")
    def user_email(self, obj: Employee) -> str:
        return obj.user.email


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "organization", "subject_type", "subject_id", "action", "summary")
    list_filter = ("organization", "subject_type", "action")
    search_fields = ("summary", "subject_type", "action")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        return super().get_queryset(request).select_related("actor__user")

    # The audit log is a record: operators read it, nobody rewrites it.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
