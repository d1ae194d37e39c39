"""REST API for the competency model: the scale, competencies with behaviours, roles with requirements."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from competencies import services, sync
from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement
from mentorship.api import UPSERT_RESULTS, TenantViewSet


class ArchivedFilterSet(filters.FilterSet):
    """Filters are declared, never generated from the model (that would query outside a scope)."""

    archived = filters.BooleanFilter(
        method="filter_archived", help_text="true: only archived; false: only current."
    )

    def filter_archived(self, queryset: QuerySet[Any], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        return queryset.filter(archived_at__isnull=not value)


# --- Scale ---------------------------------------------------------------------------------------
class ProficiencyLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProficiencyLevel
        fields = ["level", "name", "description"]
        read_only_fields = fields


class ProficiencyLevelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60)
    description = serializers.CharField(max_length=300, allow_blank=True)


LEVEL_PARAMETER = OpenApiParameter(
    "level", OpenApiTypes.INT, OpenApiParameter.PATH, description="A level of the scale."
)


@extend_schema(tags=["scale"])
class ScaleViewSet(TenantViewSet):
    """The organisation's proficiency scale, lowest level first. HR admins rename levels."""

    queryset = ProficiencyLevel.objects.none()
    serializer_class = ProficiencyLevelSerializer
    input_serializer_class = ProficiencyLevelInputSerializer
    lookup_field = "level"
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ProficiencyLevel]:
        return ProficiencyLevel.objects.filter(organization=self.organization).order_by("level")

    @extend_schema(request=ProficiencyLevelInputSerializer, responses=ProficiencyLevelSerializer)
    def partial_update(self, request: Request, level: str) -> Response:
        step = self.get_object()
        data = self.validated_input(request, partial=True)
        step = services.scale_level_update(
            organization=self.organization,
            actor=self.member,
            level=step.level,
            name=data.get("name", step.name),
            description=data.get("description", step.description),
        )
        return self.respond(step)


# --- Competencies ------------------------------------------------------------------------------
class BehaviourSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelBehaviour
        fields = ["level", "description"]
        read_only_fields = fields


class BehaviourInputSerializer(serializers.Serializer):
    description = serializers.CharField(
        allow_blank=True, trim_whitespace=False, help_text="Blank removes the behaviour."
    )


class CompetencySerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    behaviours = BehaviourSerializer(many=True, read_only=True)

    class Meta:
        model = Competency
        fields = [
            "id",
            "name",
            "category",
            "description",
            "code",
            "archived",
            "archived_at",
            "behaviours",
            "updated_at",
        ]
        read_only_fields = fields


class CompetencyInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="Stable code, e.g. 2.A.1.a."
    )


class CompetencyFilter(ArchivedFilterSet):
    category = filters.CharFilter()
    code = filters.CharFilter()

    class Meta:
        model = Competency
        fields: list[str] = []


@extend_schema(tags=["competencies"])
@extend_schema_view(
    create=extend_schema(request=CompetencyInputSerializer, responses={201: CompetencySerializer}),
    update=extend_schema(request=CompetencyInputSerializer, responses=CompetencySerializer),
    partial_update=extend_schema(request=CompetencyInputSerializer, responses=CompetencySerializer),
    archive=extend_schema(request=None, responses=CompetencySerializer),
    restore=extend_schema(request=None, responses=CompetencySerializer),
    behaviour=extend_schema(
        request=BehaviourInputSerializer,
        responses={
            200: BehaviourSerializer,
            204: OpenApiResponse(description="The behaviour was removed (blank description)."),
        },
        parameters=[LEVEL_PARAMETER],
    ),
)
class CompetencyViewSet(TenantViewSet):
    """Competencies with their observable behaviours per level. Archived, never deleted, once used."""

    queryset = Competency.objects.none()
    serializer_class = CompetencySerializer
    input_serializer_class = CompetencyInputSerializer
    filterset_class = CompetencyFilter
    search_fields = ["name", "category", "description", "code"]
    ordering_fields = ["name", "category", "code", "id", "updated_at"]

    def get_queryset(self) -> QuerySet[Competency]:
        behaviours = LevelBehaviour.objects.filter(organization=self.organization).order_by("level")
        return Competency.objects.filter(organization=self.organization).prefetch_related(
            Prefetch("behaviours", queryset=behaviours)
        )

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        competency = services.competency_create(
            organization=self.organization, actor=self.member, **data
        )
        return self.respond(competency, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        competency = self.get_object()
        data = self.validated_input(request, partial=partial)
        services.competency_update(competency=competency, actor=self.member, **data)
        return self.respond(competency)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Hide it from new requirements; existing requirements and ratings keep it."""
        competency = services.competency_archive(competency=self.get_object(), actor=self.member)
        return self.respond(competency)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        competency = services.competency_restore(competency=self.get_object(), actor=self.member)
        return self.respond(competency)

    @action(detail=True, methods=["put"], url_path=r"behaviours/(?P<level>[0-9]+)")
    def behaviour(self, request: Request, pk: str, level: str) -> Response:
        """Describe what a person observably does at this level; a blank description removes it."""
        competency = self.get_object()
        data = self.validated_input(request, serializer_class=BehaviourInputSerializer)
        behaviour = services.behaviour_set(
            competency=competency, actor=self.member, level=int(level), **data
        )
        if behaviour is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(BehaviourSerializer(behaviour).data)


# --- Roles ---------------------------------------------------------------------------------------
class RequirementSerializer(serializers.ModelSerializer):
    competency_name = serializers.CharField(source="competency.name", read_only=True)

    class Meta:
        model = RoleRequirement
        fields = ["competency", "competency_name", "required_level", "importance"]
        read_only_fields = fields


class RequirementInputSerializer(serializers.Serializer):
    required_level = serializers.IntegerField(help_text="A level of the scale, above its lowest.")
    importance = serializers.IntegerField(help_text="1 (nice to have) to 5 (essential).")


class RoleSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    requirements = RequirementSerializer(many=True, read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "name",
            "code",
            "family",
            "description",
            "archived",
            "archived_at",
            "requirements",
            "updated_at",
        ]
        read_only_fields = fields


class RoleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    code = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="Stable code, e.g. 15-1252.00."
    )
    family = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class RoleUpsertSerializer(serializers.Serializer):
    """A role as an HR system sends it; fields left out keep their value."""

    name = serializers.CharField(max_length=200, required=False, help_text="Needed for a new role.")
    family = serializers.CharField(max_length=120, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)


class RoleUpsertResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=UPSERT_RESULTS)
    role = RoleSerializer()


ROLE_CODE_PARAMETER = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="The role's stable code."
)


class RoleFilter(ArchivedFilterSet):
    family = filters.CharFilter()
    code = filters.CharFilter()

    class Meta:
        model = Role
        fields: list[str] = []


COMPETENCY_PARAMETER = OpenApiParameter(
    "competency_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A competency's id."
)


@extend_schema(tags=["roles"])
@extend_schema_view(
    create=extend_schema(request=RoleInputSerializer, responses={201: RoleSerializer}),
    update=extend_schema(request=RoleInputSerializer, responses=RoleSerializer),
    partial_update=extend_schema(request=RoleInputSerializer, responses=RoleSerializer),
    archive=extend_schema(request=None, responses=RoleSerializer),
    restore=extend_schema(request=None, responses=RoleSerializer),
    upsert=extend_schema(
        request=RoleUpsertSerializer,
        responses={200: RoleUpsertResultSerializer, 201: RoleUpsertResultSerializer},
        parameters=[ROLE_CODE_PARAMETER],
    ),
)
class RoleViewSet(TenantViewSet):
    """Roles and what they require: a level of each competency, with an importance from 1 to 5.

    HR admins and API clients with the write scope write; HR systems address roles by code
    (`PUT /roles/by-code/{code}/`).
    """

    api_client_writes = True

    queryset = Role.objects.none()
    serializer_class = RoleSerializer
    input_serializer_class = RoleInputSerializer
    filterset_class = RoleFilter
    search_fields = ["name", "code", "family", "description"]
    ordering_fields = ["name", "family", "code", "id", "updated_at"]

    def get_queryset(self) -> QuerySet[Role]:
        requirements = (
            RoleRequirement.objects.filter(organization=self.organization)
            .select_related("competency")
            .order_by("competency__category", "competency__name")
        )
        return Role.objects.filter(organization=self.organization).prefetch_related(
            Prefetch("requirements", queryset=requirements)
        )

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        role = services.role_create(organization=self.organization, actor=self.member, **data)
        return self.respond(role, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        role = self.get_object()
        data = self.validated_input(request, partial=partial)
        services.role_update(role=role, actor=self.member, **data)
        return self.respond(role)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=False, methods=["put"], url_path=r"by-code/(?P<code>[^/]+)")
    def upsert(self, request: Request, code: str) -> Response:
        """Create or update the role with this code (name, family, description); says whether it
        was created, updated or unchanged (201 when created). Requirements are set per
        competency."""
        role, result = sync.role_upsert(
            organization=self.organization,
            actor=self.member,
            code=code,
            fields=self.upsert_fields(request),
        )
        return self.respond_upsert(role, result, "role")

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        """Retire the role; people who hold it keep it until HR moves them."""
        role = services.role_archive(role=self.get_object(), actor=self.member)
        return self.respond(role)

    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        role = services.role_restore(role=self.get_object(), actor=self.member)
        return self.respond(role)

    def _competency(self, competency_id: str) -> Competency:
        competency = Competency.objects.filter(
            organization=self.organization, pk=int(competency_id)
        ).first()
        if competency is None:
            raise Http404
        return competency

    @extend_schema(
        request=RequirementInputSerializer,
        responses=RequirementSerializer,
        parameters=[COMPETENCY_PARAMETER],
        description="Require the competency at a level (creates or changes the requirement).",
    )
    @action(detail=True, methods=["put"], url_path=r"requirements/(?P<competency_id>[0-9]+)")
    def requirement(self, request: Request, pk: str, competency_id: str) -> Response:
        role = self.get_object()
        competency = self._competency(competency_id)
        data = self.validated_input(request, serializer_class=RequirementInputSerializer)
        requirement = services.requirement_set(
            role=role, actor=self.member, competency=competency, **data
        )
        return Response(RequirementSerializer(requirement).data)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[COMPETENCY_PARAMETER],
        description="Stop requiring the competency for this role.",
    )
    @requirement.mapping.delete
    def remove_requirement(self, request: Request, pk: str, competency_id: str) -> Response:
        role = self.get_object()
        competency = self._competency(competency_id)
        if not RoleRequirement.objects.filter(
            organization=self.organization, role=role, competency=competency
        ).exists():
            raise Http404
        services.requirement_remove(role=role, actor=self.member, competency=competency)
        return Response(status=status.HTTP_204_NO_CONTENT)
