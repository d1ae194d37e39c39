"""REST API for assessments: drafts, ratings and submits; skill profiles; gaps; development goals.

Everyone in the organisation writes here (their own assessments and goals), so these views admit
any member and leave who may change what to the services. What a member may read follows the UI:
their own records, those of the people below them in the org chart, and everything for HR admins.
Rows a member may not read answer 404 like another organisation's; an action on a row they may
read but not change answers 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import services
from assessments.models import Assessment, DevelopmentGoal, Rating, SkillProfile
from assessments.selectors import gaps_for, open_draft, subtree_of
from competencies.access import get_competency_for
from competencies.models import Competency, Role
from mentorship.api import TenantViewSet
from mentorship.api_base import IdFilter, TenantAPIView, TenantPrimaryKeyRelatedField
from mentorship.models import Employee

if TYPE_CHECKING:
    from rest_framework.permissions import _PermissionClass


class IsMember(BasePermission):
    """Any active member of the organisation; the services decide what they may change."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return getattr(request, "employee", None) is not None


MEMBER_PERMISSIONS: Sequence[_PermissionClass] = [IsAuthenticated, IsMember]


class MemberEndpoint:
    """For the endpoints only a person can use: with MEMBER_PERMISSIONS an API client (no member
    behind it) is refused before any handler runs, so handlers act as `signed_in_member`."""

    member: Employee | None

    @property
    def signed_in_member(self) -> Employee:
        if self.member is None:  # unreachable behind IsMember; never act as nobody
            raise exceptions.PermissionDenied("Only a signed-in member can do this.")
        return self.member


def visible_people(member: Employee) -> list[int] | None:
    """The ids of the people whose records `member` may read; None for everyone (HR admins)."""
    if member.is_hr_admin:
        return None
    direct, deeper = subtree_of(manager=member)
    return [member.pk, *direct, *deeper]


def may_see(member: Employee, person: Employee) -> bool:
    """The person themselves, anyone above them in the org chart, and HR admins."""
    if member.is_hr_admin or member.pk == person.pk:
        return True
    direct, deeper = subtree_of(manager=member)
    return person.pk in direct or person.pk in deeper


# --- Assessments ---------------------------------------------------------------------------------
class RatingSerializer(serializers.ModelSerializer):
    competency_name = serializers.CharField(source="competency.name", read_only=True)

    class Meta:
        model = Rating
        fields = ["competency", "competency_name", "level", "evidence"]
        read_only_fields = fields


class RatingInputSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="A level of the organisation's scale.")
    evidence = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="What the person did that shows this level (optional).",
    )


class AssessmentSerializer(serializers.ModelSerializer):
    ratings = RatingSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "subject",
            "assessor",
            "kind",
            "status",
            "role",
            "created_at",
            "updated_at",
            "submitted_at",
            "ratings",
        ]
        read_only_fields = fields


class AssessmentInputSerializer(serializers.Serializer):
    subject = TenantPrimaryKeyRelatedField(
        Employee, help_text="Whom the assessment is about: yourself, or a direct report."
    )
    kind = serializers.ChoiceField(choices=Assessment.Kind.choices)


class AssessmentFilter(filters.FilterSet):
    # Every filter is declared: generating them from the model would query outside a tenant scope.
    subject = IdFilter(field_name="subject_id", help_text="Assessments about this person.")
    assessor = IdFilter(field_name="assessor_id", help_text="Assessments by this person.")
    kind = filters.ChoiceFilter(choices=Assessment.Kind.choices)
    status = filters.ChoiceFilter(choices=Assessment.Status.choices)

    class Meta:
        model = Assessment
        fields: list[str] = []


COMPETENCY_PARAMETER = OpenApiParameter(
    "competency_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="A competency's id."
)


@extend_schema(tags=["assessments"])
@extend_schema_view(
    create=extend_schema(
        request=AssessmentInputSerializer,
        responses={
            200: OpenApiResponse(AssessmentSerializer, description="Your open draft, unchanged."),
            201: OpenApiResponse(AssessmentSerializer, description="A new draft."),
        },
        description=(
            "Start an assessment: your open draft for this person and kind, created if there is "
            "none. `self` is about yourself; `manager` about one of your direct reports (anyone "
            "else answers 403)."
        ),
    ),
    submit=extend_schema(
        request=None,
        responses=AssessmentSerializer,
        description=(
            "Submit your draft: every competency of the subject's role must be rated. Their skill "
            "profile is updated in the same transaction."
        ),
    ),
)
class AssessmentViewSet(MemberEndpoint, TenantViewSet):
    """Self- and manager assessments with their ratings.

    You see the assessments you wrote or that are about you; managers also those about anyone
    below them; HR admins all of the organisation's. Only the assessor changes an assessment, and
    only while it is a draft.
    """

    permission_classes = MEMBER_PERMISSIONS
    queryset = Assessment.objects.none()
    serializer_class = AssessmentSerializer
    input_serializer_class = AssessmentInputSerializer
    filterset_class = AssessmentFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at", "updated_at", "submitted_at", "id"]

    def get_queryset(self) -> QuerySet[Assessment]:
        ratings = Rating.objects.filter(organization=self.organization).select_related("competency")
        # A draft is private to its assessor until submitted; submitted ones are visible to the
        # subject, their manager chain and HR.
        assessments = Assessment.objects.filter(organization=self.organization).filter(
            Q(status=Assessment.Status.SUBMITTED) | Q(assessor=self.signed_in_member)
        )
        people = visible_people(self.signed_in_member)
        if people is not None:
            assessments = assessments.filter(
                Q(subject_id__in=people) | Q(assessor=self.signed_in_member)
            )
        return assessments.prefetch_related(Prefetch("ratings", queryset=ratings))

    def get_writable_object(self) -> Assessment:
        """The assessment in the URL, if the caller may see it (else 404) and wrote it (else 403)."""
        assessment: Assessment = self.get_object()
        if assessment.assessor_id != self.signed_in_member.pk:
            raise PermissionDenied("Only the assessor can change this assessment.")
        return assessment

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action in ("rating", "clear_rating"):
            return RatingSerializer
        return AssessmentSerializer

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        subject: Employee = data["subject"]
        kind: str = data["kind"]
        if kind == Assessment.Kind.MANAGER and subject.manager_id != self.signed_in_member.pk:
            raise PermissionDenied(
                f"Only {subject.name}'s manager can assess them; they do not report to you."
            )
        existing = open_draft(subject=subject, assessor=self.signed_in_member, kind=kind)
        assessment = services.assessment_start(
            subject=subject, assessor=self.signed_in_member, kind=kind
        )
        created = existing is None or existing.pk != assessment.pk
        return self.respond(assessment, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=RatingInputSerializer,
        responses=RatingSerializer,
        parameters=[COMPETENCY_PARAMETER],
        description="Rate a competency in your draft (creates or changes the rating).",
    )
    @action(detail=True, methods=["put"], url_path=r"ratings/(?P<competency_id>[0-9]+)")
    def rating(self, request: Request, pk: str, competency_id: str) -> Response:
        assessment = self.get_writable_object()
        competency = get_competency_for(self.signed_in_member, competency_id)
        data = self.validated_input(request, serializer_class=RatingInputSerializer)
        rating = services.rating_set(
            assessment=assessment, actor=self.signed_in_member, competency=competency, **data
        )
        return Response(RatingSerializer(rating).data)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[COMPETENCY_PARAMETER],
        description="Remove the rating of a competency from your draft.",
    )
    @rating.mapping.delete
    def clear_rating(self, request: Request, pk: str, competency_id: str) -> Response:
        assessment = self.get_writable_object()
        competency = get_competency_for(self.signed_in_member, competency_id)
        services.rating_clear(
            assessment=assessment, actor=self.signed_in_member, competency=competency
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        assessment = services.assessment_submit(
            assessment=self.get_writable_object(), actor=self.signed_in_member
        )
        return self.respond(assessment)


# --- Skill profiles ------------------------------------------------------------------------------
class SkillProfileSerializer(serializers.ModelSerializer):
    competency_name = serializers.CharField(source="competency.name", read_only=True)

    class Meta:
        model = SkillProfile
        fields = [
            "employee",
            "competency",
            "competency_name",
            "self_level",
            "self_assessed_at",
            "manager_level",
            "manager_assessed_at",
            "effective_level",
            "manager_confirmed",
        ]
        read_only_fields = fields


class SkillProfileFilter(filters.FilterSet):
    employee = IdFilter(field_name="employee_id")
    competency = IdFilter(field_name="competency_id")
    min_level = IdFilter(
        field_name="effective_level",
        lookup_expr="gte",
        help_text="Only effective levels at or above this level.",
    )
    manager_confirmed = filters.BooleanFilter()

    class Meta:
        model = SkillProfile
        fields: list[str] = []


@extend_schema(tags=["skill-profiles"])
class SkillProfileViewSet(
    MemberEndpoint, TenantAPIView, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Current levels per person and competency: self and manager side by side, never averaged.

    The effective level is the manager's when there is one, else the self level. You see your own
    and those of everyone below you in the org chart; HR admins see everyone's.
    """

    permission_classes = MEMBER_PERMISSIONS
    queryset = SkillProfile.objects.none()
    serializer_class = SkillProfileSerializer
    filterset_class = SkillProfileFilter
    search_fields = ["competency__name", "competency__category"]
    ordering_fields = ["effective_level", "self_assessed_at", "manager_assessed_at", "employee"]

    def get_queryset(self) -> QuerySet[SkillProfile]:
        profiles = SkillProfile.objects.filter(organization=self.organization)
        people = visible_people(self.signed_in_member)
        if people is not None:
            profiles = profiles.filter(employee_id__in=people)
        return profiles.select_related("competency").order_by(
            "employee_id", "competency__category", "competency__name", "id"
        )


# --- Gaps ----------------------------------------------------------------------------------------
class GapSerializer(serializers.Serializer):
    competency = serializers.IntegerField(source="competency_id")
    competency_name = serializers.CharField()
    category = serializers.CharField()
    required_level = serializers.IntegerField()
    effective_level = serializers.IntegerField(
        allow_null=True, help_text="null: never assessed (counted as the lowest level)."
    )
    gap = serializers.IntegerField(source="size", help_text="Required minus effective level.")
    importance = serializers.IntegerField()
    priority = serializers.IntegerField(help_text="Gap × importance; the list is sorted by it.")
    aspiration = serializers.BooleanField(
        help_text="From a target role or a development goal, not the current role."
    )
    source = serializers.CharField(  # type: ignore[assignment]
        help_text='"role", "target role: <name>" or "goal".'
    )


class GapQuerySerializer(serializers.Serializer):
    target_role = TenantPrimaryKeyRelatedField(
        Role, required=False, help_text="Gaps against this role instead (a move being explored)."
    )


EMPLOYEE_PARAMETER = OpenApiParameter(
    "employee_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="A person's id."
)


@extend_schema(tags=["employees"])
class GapViewSet(MemberEndpoint, TenantAPIView, viewsets.GenericViewSet):
    """A person's gaps: required level − effective level > 0, highest priority first."""

    permission_classes = MEMBER_PERMISSIONS
    serializer_class = GapSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        parameters=[EMPLOYEE_PARAMETER, GapQuerySerializer],
        responses={
            200: GapSerializer(many=True),
            400: OpenApiResponse(
                {"$ref": "#/components/schemas/Error"},
                description="`target_role` is not a role of this organisation.",
            ),
        },
        description=(
            "Gaps against the person's role and their development goals (flagged as aspirations), "
            "or, with `target_role`, against that role only. Readable by the person, anyone above "
            "them in the org chart and HR admins."
        ),
    )
    def list(self, request: Request, employee_pk: str) -> Response:
        person = Employee.objects.filter(
            organization=self.organization, pk=int(employee_pk)
        ).first()
        if person is None:
            raise Http404
        if not may_see(self.signed_in_member, person):
            raise exceptions.PermissionDenied(
                "Only the person, their managers and HR admins can see their gaps."
            )
        query = GapQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        person.organization = self.organization
        gaps = gaps_for(employee=person, target_role=query.validated_data.get("target_role"))
        page = self.paginate_queryset(gaps)
        return self.get_paginated_response(GapSerializer(page, many=True).data)


# --- Development goals ---------------------------------------------------------------------------
class GoalSerializer(serializers.ModelSerializer):
    target_role_name = serializers.CharField(
        source="target_role.name", read_only=True, allow_null=True, default=None
    )
    competency_name = serializers.CharField(
        source="competency.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = DevelopmentGoal
        fields = [
            "id",
            "target_role",
            "target_role_name",
            "competency",
            "competency_name",
            "target_level",
            "created_at",
        ]
        read_only_fields = fields


class GoalInputSerializer(serializers.Serializer):
    target_role = TenantPrimaryKeyRelatedField(
        Role, required=False, help_text="A role to grow into (without competency)."
    )
    competency = TenantPrimaryKeyRelatedField(
        Competency, required=False, help_text="A competency to grow in (with target_level)."
    )
    target_level = serializers.IntegerField(
        required=False, help_text="The level of `competency` to reach."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "target_role" in attrs:
            if "competency" in attrs or "target_level" in attrs:
                raise serializers.ValidationError(
                    {"target_role": "Set a target role or a competency goal, not both."}
                )
            return attrs
        if "competency" not in attrs and "target_level" not in attrs:
            raise serializers.ValidationError(
                "Set a target role, or a competency with a target level."
            )
        for name in ("competency", "target_level"):
            if name not in attrs:
                raise serializers.ValidationError({name: "Required for a competency goal."})
        return attrs


@extend_schema(tags=["goals"])
@extend_schema_view(
    create=extend_schema(
        request=GoalInputSerializer,
        responses={
            200: OpenApiResponse(GoalSerializer, description="The goal existed (level updated)."),
            201: OpenApiResponse(GoalSerializer, description="A new goal."),
        },
    ),
)
class GoalViewSet(MemberEndpoint, TenantViewSet):
    """Your development goals: a role to grow into, or a competency and the level to reach.

    Their gaps show up among yours, flagged as aspirations.
    """

    permission_classes = MEMBER_PERMISSIONS
    queryset = DevelopmentGoal.objects.none()
    serializer_class = GoalSerializer
    input_serializer_class = GoalInputSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[DevelopmentGoal]:
        return (
            DevelopmentGoal.objects.filter(
                organization=self.organization, employee=self.signed_in_member
            )
            .select_related("target_role", "competency")
            .order_by("-created_at", "-id")
        )

    def create(self, request: Request) -> Response:
        data = self.validated_input(request)
        mine = self.get_queryset()
        if "target_role" in data:
            existed = mine.filter(target_role=data["target_role"]).exists()
            goal = services.goal_set_role(
                employee=self.signed_in_member,
                actor=self.signed_in_member,
                role=data["target_role"],
            )
        else:
            existed = mine.filter(competency=data["competency"]).exists()
            goal = services.goal_set_competency(
                employee=self.signed_in_member, actor=self.signed_in_member, **data
            )
        return self.respond(goal, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        services.goal_remove(goal=self.get_object(), actor=self.signed_in_member)
        return Response(status=status.HTTP_204_NO_CONTENT)
