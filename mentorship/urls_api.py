"""The REST API, version 1: one router, one resource per tenant-owned thing."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from assessments.api import AssessmentViewSet, GapViewSet, GoalViewSet, SkillProfileViewSet
from assessments.exports.api import GapExportViewSet, SkillProfileExportViewSet
from competencies.api import CompetencyViewSet, RoleViewSet, ScaleViewSet
from matching.api import (
    MatchRunViewSet,
    MentorAvailabilityView,
    SuggestionViewSet,
)
from matching.exports.api import PairingExportViewSet
from matching.pairings.api import PairingLifecycleViewSet
from matching.programme.api import ProgrammeView
from mentorship.api import DepartmentViewSet, EmployeeViewSet
from mentorship.exports.api import PeopleExportViewSet


class ApiRouter(DefaultRouter):
    """No `.json` format-suffix twins: the API speaks JSON only and its handlers take no `format`.
    (An address without its trailing slash is completed, not redirected: see
    `mentorship.middleware.CommonMiddleware`.)"""

    include_format_suffixes = False


router = ApiRouter()
router.register("departments", DepartmentViewSet, basename="api-department")
router.register("employees", EmployeeViewSet, basename="api-employee")
router.register("competencies", CompetencyViewSet, basename="api-competency")
router.register("roles", RoleViewSet, basename="api-role")
router.register("scale", ScaleViewSet, basename="api-scale")
router.register("assessments", AssessmentViewSet, basename="api-assessment")
router.register("skill-profiles", SkillProfileViewSet, basename="api-skill-profile")
router.register(r"employees/(?P<employee_pk>[0-9]+)/gaps", GapViewSet, basename="api-employee-gaps")
router.register("goals", GoalViewSet, basename="api-goal")
router.register("suggestions", SuggestionViewSet, basename="api-suggestion")
router.register("pairings", PairingLifecycleViewSet, basename="api-pairing")
router.register("match-runs", MatchRunViewSet, basename="api-match-run")

urlpatterns = [
    *router.urls,
    path(
        "mentor-availability/",
        MentorAvailabilityView.as_view(),
        name="api-mentor-availability",
    ),
    path("programme/", ProgrammeView.as_view(), name="api-programme"),
    path(
        "exports/people.csv",
        PeopleExportViewSet.as_view({"get": "download"}),
        name="api-export-people",
    ),
    path(
        "exports/skill-profiles.csv",
        SkillProfileExportViewSet.as_view({"get": "download"}),
        name="api-export-skill-profiles",
    ),
    path(
        "exports/gaps.csv",
        GapExportViewSet.as_view({"get": "download"}),
        name="api-export-gaps",
    ),
    path(
        "exports/pairings.csv",
        PairingExportViewSet.as_view({"get": "download"}),
        name="api-export-pairings",
    ),
]
