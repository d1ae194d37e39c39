"""REST API for the pairing lifecycle: the pairings resource with its transitions (accept,
decline, cancel, finish, extend, reassess, confirm, thank), practice plan items, check-ins,
reflections and the timeline.

`PairingLifecycleViewSet` extends the read-only pairings resource above (same list,
detail and visibility, plus the `role` filter) and replaces it on the router:

    router.register("pairings", PairingLifecycleViewSet, basename="api-pairing")

Transitions and the nested resources answer for the people involved: the mentee, the mentor,
the mentee's manager and HR admins (read-only); for anyone else the pairing does not exist (404).
Who may do what is the services' rule (403), a wrong state or bad input a 400 in the one format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

from matching.api_base import NUMERIC_ID, PERSON, below
from matching.models import CheckIn, Pairing, PlanItem, Reflection
from matching.pairings import checkins, plan_items, rules, selectors, services
from matching.pairings.access import get_pairing_for, get_plan_item_for
from mentorship.api import TenantViewSet
from mentorship.api_base import IdFilter
from mentorship.dates import validate_date_in_range
from mentorship.models import Employee


# --- The pairings resource ------------------------------------------------------------------------
class PairingSerializer(serializers.ModelSerializer):
    mentee_name = serializers.CharField(source="mentee.name", read_only=True)
    mentor_name = serializers.CharField(source="mentor.name", read_only=True)
    competency_name = serializers.CharField(source="competency.name", read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "mentee",
            "mentee_name",
            "mentor",
            "mentor_name",
            "competency",
            "competency_name",
            "suggestion",
            "task",
            "baseline_level",
            "target_level",
            "start_date",
            "end_date",
            "state",
            "outcome",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PairingFilter(filters.FilterSet):
    # Every filter is declared: generating them from the model would query outside a tenant scope.
    mentee = IdFilter(field_name="mentee_id")
    mentor = IdFilter(field_name="mentor_id")
    competency = IdFilter(field_name="competency_id")
    state = filters.ChoiceFilter(choices=Pairing.State.choices)

    class Meta:
        model = Pairing
        fields: list[str] = []


def pairing_queryset(member: Employee) -> QuerySet[Pairing]:
    pairings = Pairing.objects.filter(organization_id=member.organization_id)
    if not member.is_hr_admin:
        people = [member.pk, *below(member)]
        pairings = pairings.filter(Q(mentee_id__in=people) | Q(mentor_id__in=people))
    return pairings.select_related("mentee__user", "mentor__user", "competency").order_by(
        "-created_at", "-id"
    )


@extend_schema(tags=["pairings"])
class PairingViewSet(TenantViewSet):
    """Mentoring pairings: one mentor, one mentee, one competency and one real piece of work, for
    a few weeks. Read-only here; accept a suggestion to propose one. Visible to the mentee, the
    mentor, anyone above either of them in the org chart and HR admins."""

    permission_classes = PERSON
    queryset = Pairing.objects.none()
    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["created_at", "start_date", "end_date", "id"]
    lookup_value_regex = NUMERIC_ID

    def get_queryset(self) -> QuerySet[Pairing]:
        assert self.member is not None
        return pairing_queryset(self.member)


# --- Serializers ----------------------------------------------------------------------------------


class PairingDetailSerializer(PairingSerializer):
    """A pairing with its lifecycle: when each step happened, the levels recorded at the end,
    and what the caller can do now."""

    actions = serializers.SerializerMethodField(
        help_text="What the caller can do now: accept, decline, cancel, finish, extend, "
        "check_in, edit_plan, tick, confirm_item, reflect, reassess, confirm, thank."
    )

    class Meta(PairingSerializer.Meta):
        fields = [
            *PairingSerializer.Meta.fields,
            "cohort",
            "accepted_at",
            "original_end_date",
            "extension_reason",
            "finished_at",
            "reassessed_level",
            "reassessed_at",
            "confirmed_level",
            "completed_at",
            "days_to_proficiency",
            "thank_you_note",
            "thanked_at",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, pairing: Pairing) -> list[str]:
        roles: set[str] = self.context.get("roles", set())
        return sorted(selectors.available_actions(pairing, roles))


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Required to decline or cancel (up to 500 characters); optional to finish.",
    )


class ExtendInput(serializers.Serializer):
    end_date = serializers.DateField(
        validators=[validate_date_in_range],
        help_text="After the current end, within the organisation's maximum length from the start.",
    )
    reason = serializers.CharField(allow_blank=True, trim_whitespace=False)


class LevelInput(serializers.Serializer):
    level = serializers.IntegerField(help_text="A level of the organisation's scale.")
    evidence = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Optional note."
    )


class ThankInput(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, trim_whitespace=False)


class PlanItemSerializer(serializers.ModelSerializer):
    done = serializers.BooleanField(source="is_done", read_only=True)
    confirmed = serializers.BooleanField(source="is_confirmed", read_only=True)

    class Meta:
        model = PlanItem
        fields = [
            "id",
            "text",
            "source",
            "position",
            "done",
            "done_at",
            "confirmed",
            "confirmed_at",
            "created_at",
        ]
        read_only_fields = fields


class PlanItemInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)


class PlanItemPatch(serializers.Serializer):
    text = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="Mentee or mentor."
    )
    done = serializers.BooleanField(required=False, help_text="The mentee ticks an item.")
    confirmed = serializers.BooleanField(
        required=False, help_text="The mentor confirms an item the mentee ticked."
    )


class CheckInSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.name", read_only=True, default="")
    shared_with_cohort = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "date",
            "author",
            "author_name",
            "notes",
            "went_well",
            "to_improve",
            "why_it_matters",
            "next_check_in",
            "shared_with_cohort",
            "created_at",
        ]
        read_only_fields = fields

    def get_shared_with_cohort(self, check_in: CheckIn) -> bool:
        return check_in.cohort_id is not None


class CheckInInputSerializer(serializers.Serializer):
    date = serializers.DateField(
        validators=[validate_date_in_range], help_text="When it happened: not in the future."
    )
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    went_well = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    to_improve = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    why_it_matters = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    next_check_in = serializers.DateField(
        validators=[validate_date_in_range],
        required=False,
        allow_null=True,
        help_text="After `date`.",
    )


class ReflectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reflection
        fields = [
            "id",
            "what_i_did",
            "why",
            "what_i_would_change",
            "shared_with_mentor",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReflectionInput(serializers.Serializer):
    what_i_did = serializers.CharField(allow_blank=True, trim_whitespace=False)
    why = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    what_i_would_change = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False
    )
    shared_with_mentor = serializers.BooleanField(required=False, default=False)


class ReflectionPatch(serializers.Serializer):
    shared_with_mentor = serializers.BooleanField()


class TimelineEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()


# --- Filters ---------------------------------------------------------------------------------------


class PairingLifecycleFilter(PairingFilter):
    role = filters.ChoiceFilter(
        choices=[("mentor", "As mentor"), ("mentee", "As mentee")],
        method="filter_role",
        help_text="Only the caller's pairings as mentor, or as mentee.",
    )

    class Meta(PairingFilter.Meta):
        pass

    def filter_role(self, queryset: QuerySet[Pairing], name: str, value: str) -> QuerySet[Pairing]:
        member = getattr(self.request, "employee", None)
        if member is None:
            return queryset.none()
        return queryset.filter(**{f"{value}_id": member.pk})


# --- The viewset -----------------------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(
        {"$ref": "#/components/schemas/Error"},
        description="Invalid input, or the pairing is not in a state that allows this.",
    ),
    403: OpenApiResponse(
        {"$ref": "#/components/schemas/Error"},
        description="Not yours to do (e.g. only the mentor accepts; only the mentee's manager, "
        "or an HR admin when there is none, confirms).",
    ),
}
ITEM_ID = OpenApiParameter("item_pk", OpenApiTypes.INT, OpenApiParameter.PATH)
REFLECTION_ID = OpenApiParameter("reflection_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _transition(request_serializer: type[serializers.Serializer] | None, text: str) -> Any:
    return extend_schema(
        request=request_serializer,
        responses={200: PairingDetailSerializer, **ERRORS},
        description=text,
    )


@extend_schema(tags=["pairings"])
@extend_schema_view(
    accept=_transition(
        None,
        "The mentor accepts: the pairing becomes active and its practice "
        "plan is seeded from the target level's behaviours.",
    ),
    decline=_transition(ReasonInput, "The mentor declines, with a reason."),
    cancel=_transition(
        ReasonInput,
        "The mentor, the mentee or the mentee's manager cancels a proposed or active pairing, "
        "with a reason.",
    ),
    finish=_transition(
        ReasonInput, "The mentor or the mentee finishes early: the pairing goes to review."
    ),
    extend=_transition(
        ExtendInput,
        "Once, with a reason, up to the organisation's maximum length from the start.",
    ),
    reassess=_transition(
        LevelInput, "The mentee re-assesses the competency (a focused self-assessment)."
    ),
    confirm=_transition(
        LevelInput,
        "The mentee's manager confirms a level (an HR admin when the mentee has no active "
        "manager, or the manager is the mentor; never the mentee or the mentor): the skill "
        "profile updates, the outcome is achieved if it reaches the target, and the pairing "
        "completes.",
    ),
    thank=_transition(ThankInput, "The mentee's thank-you note, once the pairing is complete."),
    timeline=extend_schema(responses=TimelineEntrySerializer(many=True)),
)
class PairingLifecycleViewSet(PairingViewSet):
    """Mentoring pairings and their lifecycle. Lists and details are visible to the mentee, the
    mentor, anyone above either of them in the org chart and HR admins; `role=mentor|mentee`
    keeps the caller's own. Transitions, plan items, check-ins and reflections belong to the
    mentee, the mentor and the mentee's manager (HR admins read, and confirm the outcome when
    the mentee has no manager to do it)."""

    filterset_class = PairingLifecycleFilter

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        inputs: dict[str, type[serializers.BaseSerializer[Any]]] = {
            "decline": ReasonInput,
            "cancel": ReasonInput,
            "finish": ReasonInput,
            "extend": ExtendInput,
            "reassess": LevelInput,
            "confirm": LevelInput,
            "thank": ThankInput,
            "plan_items": PlanItemInput,
            "plan_item": PlanItemPatch,
            "check_ins": CheckInInputSerializer,
            "reflections": ReflectionInput,
            "reflection": ReflectionPatch,
        }
        return inputs.get(self.action or "", PairingSerializer)

    # --- access --------------------------------------------------------------------------

    def involved(self, pk: str) -> tuple[Pairing, set[str]]:
        """The pairing and the caller's part in it; 404 unless they are involved (or HR)."""
        assert self.member is not None
        return get_pairing_for(self.member, int(pk))

    def detail_response(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        pairing, roles = self.involved(str(pk))
        data = PairingDetailSerializer(pairing, context={"roles": roles}).data
        return Response(data, status=code)

    def transition(
        self,
        request: Request,
        pk: str,
        service: Callable[..., object],
        serializer_class: type[serializers.Serializer] | None = None,
        **defaults: Any,
    ) -> Response:
        """Run one lifecycle service on the pairing as the caller, with the validated body as its
        keyword arguments (`defaults` stand in for optional fields left out), and answer the
        pairing as it is now."""
        pairing, _ = self.involved(pk)
        assert self.member is not None
        data = (
            self.validated_input(request, serializer_class=serializer_class)
            if serializer_class
            else {}
        )
        service(pairing=pairing, actor=self.member, **{**defaults, **data})
        return self.detail_response(pairing.pk)

    # --- transitions ---------------------------------------------------------------------

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_accept)

    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_decline, ReasonInput, reason="")

    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_cancel, ReasonInput, reason="")

    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_finish, ReasonInput, reason="")

    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_extend, ExtendInput)

    @action(detail=True, methods=["post"])
    def reassess(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_reassess, LevelInput, evidence="")

    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_confirm, LevelInput, evidence="")

    @action(detail=True, methods=["post"])
    def thank(self, request: Request, pk: str) -> Response:
        return self.transition(request, pk, services.pairing_thank, ThankInput)

    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str) -> Response:
        pairing, _ = self.involved(pk)
        entries = selectors.timeline(pairing)
        return Response(TimelineEntrySerializer(entries, many=True).data)

    # --- plan items ----------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses=PlanItemSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=PlanItemInput, responses={201: PlanItemSerializer, **ERRORS}
    )
    @action(detail=True, methods=["get", "post"], url_path="plan-items", url_name="plan-items")
    def plan_items(self, request: Request, pk: str) -> Response:
        pairing, _ = self.involved(pk)
        if request.method == "GET":
            return Response(PlanItemSerializer(selectors.plan_items(pairing), many=True).data)
        assert self.member is not None
        data = self.validated_input(request, serializer_class=PlanItemInput)
        item = plan_items.plan_item_add(pairing=pairing, actor=self.member, text=data["text"])
        return Response(PlanItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        parameters=[ITEM_ID],
        request=PlanItemPatch,
        responses={200: PlanItemSerializer, **ERRORS},
        description="Change the text (mentee or mentor), tick it (`done`, the mentee) or "
        "confirm it (`confirmed`, the mentor).",
    )
    @extend_schema(methods=["DELETE"], parameters=[ITEM_ID], responses={204: None, **ERRORS})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"plan-items/(?P<item_pk>[0-9]+)",
        url_name="plan-item",
    )
    def plan_item(self, request: Request, pk: str, item_pk: str) -> Response:
        me = self.member
        assert me is not None
        item, _ = get_plan_item_for(me, int(item_pk), pairing_pk=int(pk))
        if request.method == "DELETE":
            plan_items.plan_item_remove(item=item, actor=me)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self.validated_input(request, serializer_class=PlanItemPatch)
        if "text" in data:
            item = plan_items.plan_item_update(item=item, actor=me, text=data["text"])
        if "done" in data:
            item = plan_items.plan_item_tick(item=item, actor=me, done=data["done"])
        if "confirmed" in data:
            item = plan_items.plan_item_confirm(item=item, actor=me, confirmed=data["confirmed"])
        return Response(PlanItemSerializer(item).data)

    # --- check-ins -----------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses=CheckInSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=CheckInInputSerializer,
        responses={201: CheckInSerializer, **ERRORS},
        description="The mentor or the mentee logs a check-in of an active pairing: what went "
        "well, what to improve, why it matters, and the next date.",
    )
    @action(detail=True, methods=["get", "post"], url_path="check-ins", url_name="check-ins")
    def check_ins(self, request: Request, pk: str) -> Response:
        pairing, _ = self.involved(pk)
        if request.method == "GET":
            return Response(CheckInSerializer(selectors.check_ins_of(pairing), many=True).data)
        assert self.member is not None
        data = self.validated_input(request, serializer_class=CheckInInputSerializer)
        created = checkins.check_in_add(
            pairing=pairing, actor=self.member, data=rules.CheckInInput(**data)
        )
        fresh = CheckIn.objects.select_related("author__user").get(
            organization=self.organization, pk=created.pk
        )
        return Response(CheckInSerializer(fresh).data, status=status.HTTP_201_CREATED)

    # --- reflections ---------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        responses=ReflectionSerializer(many=True),
        description="The mentee sees all their reflections, the mentor the shared ones, others "
        "none.",
    )
    @extend_schema(
        methods=["POST"], request=ReflectionInput, responses={201: ReflectionSerializer, **ERRORS}
    )
    @action(detail=True, methods=["get", "post"], url_path="reflections", url_name="reflections")
    def reflections(self, request: Request, pk: str) -> Response:
        pairing, roles = self.involved(pk)
        if request.method == "GET":
            visible = selectors.reflections_for(pairing, roles)
            return Response(ReflectionSerializer(visible, many=True).data)
        assert self.member is not None
        data = self.validated_input(request, serializer_class=ReflectionInput)
        reflection = checkins.reflection_add(pairing=pairing, actor=self.member, **data)
        return Response(ReflectionSerializer(reflection).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        parameters=[REFLECTION_ID],
        request=ReflectionPatch,
        responses={200: ReflectionSerializer, **ERRORS},
        description="The mentee shares a reflection with the mentor, or makes it private again.",
    )
    @action(
        detail=True,
        methods=["patch"],
        url_path=r"reflections/(?P<reflection_pk>[0-9]+)",
        url_name="reflection",
    )
    def reflection(self, request: Request, pk: str, reflection_pk: str) -> Response:
        pairing, roles = self.involved(pk)
        visible = {r.pk: r for r in selectors.reflections_for(pairing, roles)}
        found = visible.get(int(reflection_pk))
        if found is None:
            raise Http404
        assert self.member is not None
        data = self.validated_input(request, serializer_class=ReflectionPatch)
        updated = checkins.reflection_share(
            reflection=found, actor=self.member, shared=data["shared_with_mentor"]
        )
        return Response(ReflectionSerializer(updated).data)
