"""REST API for matching: mentor suggestions (accept, dismiss), match runs and the caller's mentor
availability (pairings: `matching.pairings.api`).

These endpoints act for a person, like the web app: API clients (HR systems) do not reach them.
Suggestions are the manager's tool: the mentee's managers (anyone above them in the org chart) and
HR admins see them; the mentee's manager and HR admins decide on them. Pairings are visible to the
mentee, the mentor, anyone above either of them and HR admins. Rows a member may not read answer
404 like another organisation's; a decision they may not take answers 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from competencies.models import Competency
from matching import recompute, selectors, services
from matching.api_base import HR_ADMIN, NUMERIC_ID, PERSON, below
from matching.models import MatchRun, MatchSuggestion
from matching.pairings.api import PairingSerializer, pairing_queryset
from matching.pairings.rules import default_pairing_dates
from mentorship.api import TenantViewSet
from mentorship.api_base import IdFilter, TenantAPIView, TenantPrimaryKeyRelatedField
from mentorship.dates import validate_date_in_range
from mentorship.models import Employee


# --- Suggestions ---------------------------------------------------------------------------------
class SuggestionSerializer(serializers.ModelSerializer):
    mentee_name = serializers.CharField(source="mentee.name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)
    competency_name = serializers.CharField(source="competency.name", read_only=True)
    factors = serializers.DictField(
        child=serializers.FloatField(),
        read_only=True,
        help_text="Each factor's contribution to the score: priority, margin, confirmed, "
        "other_department, low_load, new_connection.",
    )

    class Meta:
        model = MatchSuggestion
        fields = [
            "id",
            "mentee",
            "mentee_name",
            "competency",
            "competency_name",
            "mentor",
            "mentor_name",
            "rank",
            "score",
            "factors",
            "target_level",
            "mentor_level",
            "recommended",
            "status",
            "dismissed_reason",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SuggestionFilter(filters.FilterSet):
    mentee = IdFilter(field_name="mentee_id", help_text="Suggestions for this person's gaps.")
    competency = IdFilter(field_name="competency_id")
    mentor = IdFilter(field_name="mentor_id")
    recommended = filters.BooleanFilter(
        help_text="true: only the mentor the organisation-wide plan recommends for each gap."
    )
    status = filters.ChoiceFilter(choices=MatchSuggestion.Status.choices)

    class Meta:
        model = MatchSuggestion
        fields: list[str] = []


class AcceptInputSerializer(serializers.Serializer):
    task = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The real piece of work they will do together (10 to 2,000 characters).",
    )
    start_date = serializers.DateField(
        validators=[validate_date_in_range],
        required=False,
        help_text="Not in the past. Default: next Monday.",
    )
    end_date = serializers.DateField(
        validators=[validate_date_in_range],
        required=False,
        help_text="After the start, within the organisation's maximum length. Default: the "
        "organisation's default length after the start.",
    )


class DismissInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Why not this mentor (optional, up to 500 characters).",
    )


SUGGESTION_ERRORS = {
    400: OpenApiResponse(
        {"$ref": "#/components/schemas/Error"},
        description="Invalid input, or the suggestion is no longer open, or the mentor no longer "
        "has a free slot or is no longer eligible.",
    ),
    403: OpenApiResponse(
        {"$ref": "#/components/schemas/Error"},
        description="Only the mentee's manager and HR admins decide on their mentors.",
    ),
}


@extend_schema(tags=["suggestions"])
@extend_schema_view(
    accept=extend_schema(
        request=AcceptInputSerializer,
        responses={201: PairingSerializer, **SUGGESTION_ERRORS},
        description="Propose the suggested mentor: creates a pairing in state `proposed`. The "
        "mentor's capacity is re-checked under a lock, so of two managers racing for a last "
        "free slot one gets the pairing and the other a 400 saying the mentor is no longer "
        "available.",
    ),
    dismiss=extend_schema(
        request=DismissInputSerializer,
        responses={200: SuggestionSerializer, **SUGGESTION_ERRORS},
        description="Set the suggestion aside; the mentor is not suggested for this gap again "
        "until their level in the competency changes.",
    ),
)
class SuggestionViewSet(TenantViewSet):
    """Mentors suggested for people's gaps, best first, with each factor's part of the score.

    Recomputed by the worker every few minutes and soon after assessments, requirement or
    availability changes. Visible to the mentee's managers and HR admins.
    """

    permission_classes = PERSON
    queryset = MatchSuggestion.objects.none()
    serializer_class = SuggestionSerializer
    filterset_class = SuggestionFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["rank", "score", "created_at", "id"]
    lookup_value_regex = NUMERIC_ID

    def get_queryset(self) -> QuerySet[MatchSuggestion]:
        assert self.member is not None
        suggestions = MatchSuggestion.objects.filter(organization=self.organization)
        if not self.member.is_hr_admin:
            suggestions = suggestions.filter(mentee_id__in=below(self.member))
        return suggestions.select_related("mentee__user", "mentor__user", "competency").order_by(
            "mentee_id", "competency_id", "rank", "id"
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "accept":
            return AcceptInputSerializer
        if self.action == "dismiss":
            return DismissInputSerializer
        return SuggestionSerializer

    def _input(self, request: Request, serializer_class: type[serializers.Serializer[Any]]) -> Any:
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        return self.validated_input(request, serializer_class=serializer_class)

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        suggestion: MatchSuggestion = self.get_object()
        data = self._input(request, AcceptInputSerializer)
        default_start, _ = default_pairing_dates(
            organization=self.organization, today=timezone.localdate()
        )
        start = data.get("start_date", default_start)
        length = dt.timedelta(weeks=self.organization.default_pairing_weeks)
        end = data.get("end_date", start + length)
        assert self.member is not None
        pairing = services.suggestion_accept(
            suggestion=suggestion,
            actor=self.member,
            task=data["task"],
            start_date=start,
            end_date=end,
        )
        fresh = pairing_queryset(self.member).get(pk=pairing.pk)
        return Response(PairingSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        suggestion: MatchSuggestion = self.get_object()
        data = self._input(request, DismissInputSerializer)
        assert self.member is not None
        services.suggestion_dismiss(
            suggestion=suggestion, actor=self.member, reason=data.get("reason", "")
        )
        fresh = self.get_queryset().get(pk=suggestion.pk)
        return Response(SuggestionSerializer(fresh).data)


# --- Match runs ----------------------------------------------------------------------------------
class MatchRunSerializer(serializers.ModelSerializer):
    rows_written = serializers.IntegerField(read_only=True)

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "trigger",
            "status",
            "started_at",
            "finished_at",
            "gaps",
            "total_priority",
            "eligible_mentors",
            "free_slots",
            "suggestions",
            "distinct_mentors",
            "recommended",
            "coverage",
            "load_ms",
            "engine_ms",
            "plan_ms",
            "write_ms",
            "total_ms",
            "rows_created",
            "rows_updated",
            "rows_deleted",
            "rows_written",
            "error",
        ]
        read_only_fields = fields


class QueuedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class MatchRunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MatchRun.Status.choices)
    trigger = filters.ChoiceFilter(choices=MatchRun.Trigger.choices)

    class Meta:
        model = MatchRun
        fields: list[str] = []


@extend_schema(tags=["match-runs"])
@extend_schema_view(
    recompute=extend_schema(
        request=None,
        responses={202: QueuedSerializer},
        description="Queue a recompute of the organisation's suggestions now (HR admins). The "
        "run appears in the list once the worker has started it.",
    ),
)
class MatchRunViewSet(TenantViewSet):
    """Recomputes of the organisation's suggestions, newest first: what triggered them, how long
    each phase took, gaps, suggestions, distinct mentors against eligible ones with free slots,
    and coverage (covered priority / total priority). HR admins only."""

    permission_classes = HR_ADMIN
    queryset = MatchRun.objects.none()
    serializer_class = MatchRunSerializer
    filterset_class = MatchRunFilter
    filter_backends = [filters.DjangoFilterBackend]
    lookup_value_regex = NUMERIC_ID

    def get_queryset(self) -> QuerySet[MatchRun]:
        return MatchRun.objects.filter(organization=self.organization).order_by(
            "-started_at", "-id"
        )

    @action(detail=False, methods=["post"])
    def recompute(self, request: Request) -> Response:
        assert self.member is not None
        recompute.recompute_request(organization=self.organization, actor=self.member)
        return Response({"detail": "Recompute queued."}, status=status.HTTP_202_ACCEPTED)


# --- Mentor availability -------------------------------------------------------------------------
class MentorAvailabilitySerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="Open to being suggested as a mentor.")
    capacity = serializers.IntegerField(help_text="How many people at once, 0 to 10.")
    opted_out_competencies = serializers.ListField(
        child=serializers.IntegerField(), help_text="Competencies you do not want to mentor."
    )
    slots_used = serializers.IntegerField(help_text="Proposed and active pairings as mentor.")


class MentorAvailabilityInputSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="Open to being suggested as a mentor.")
    capacity = serializers.IntegerField(help_text="How many people at once, 0 to 10.")
    opted_out_competencies = TenantPrimaryKeyRelatedField(
        Competency, many=True, help_text="Ids of competencies you do not want to mentor."
    )


@extend_schema(tags=["mentor-availability"])
class MentorAvailabilityView(TenantAPIView):
    """Your own mentor availability: whether you mentor, how many people at once, and the
    competencies you do not want to mentor."""

    permission_classes = PERSON

    def _answer(self, employee: Employee) -> Response:
        load = selectors.mentor_load(employee=employee)
        body = {
            "available": employee.mentor_available,
            "capacity": employee.mentor_capacity,
            "opted_out_competencies": sorted(selectors.opted_out_competency_ids(employee=employee)),
            "slots_used": load.used,
        }
        return Response(MentorAvailabilitySerializer(body).data)

    @extend_schema(responses=MentorAvailabilitySerializer)
    def get(self, request: Request) -> Response:
        assert self.member is not None
        return self._answer(self.member)

    @extend_schema(
        request=MentorAvailabilityInputSerializer, responses=MentorAvailabilitySerializer
    )
    def put(self, request: Request) -> Response:
        assert self.member is not None
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = MentorAvailabilityInputSerializer(
            data=request.data, context={"request": request}
        )
        valid = serializer.is_valid()
        errors: dict[str, Any] = {} if valid else dict(serializer.errors)
        known = set(serializer.fields) | {"slots_used"}
        errors.update({str(k): ["Unknown field."] for k in request.data if k not in known})
        if errors:
            raise exceptions.ValidationError(errors)
        data = serializer.validated_data
        try:
            updated = services.availability_update(
                employee=self.member,
                actor=self.member,
                available=data["available"],
                capacity=data["capacity"],
                opted_out_competency_ids=[c.pk for c in data["opted_out_competencies"]],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "opted_out_competency_ids" in exc.error_dict:
                exc.error_dict["opted_out_competencies"] = exc.error_dict.pop(
                    "opted_out_competency_ids"
                )
            raise
        return self._answer(updated)
