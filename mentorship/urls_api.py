"""The REST API, version 1: one router, one resource per tenant-owned thing."""

from rest_framework.routers import DefaultRouter

from competencies.api import CompetencyViewSet, RoleViewSet, ScaleViewSet
from mentorship.api import DepartmentViewSet, EmployeeViewSet

router = DefaultRouter()
router.register("departments", DepartmentViewSet, basename="api-department")
router.register("employees", EmployeeViewSet, basename="api-employee")
router.register("competencies", CompetencyViewSet, basename="api-competency")
router.register("roles", RoleViewSet, basename="api-role")
router.register("scale", ScaleViewSet, basename="api-scale")

urlpatterns = router.urls
