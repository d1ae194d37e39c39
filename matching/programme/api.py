"""REST API: the mentoring programme's figures, as on HR's programme page, for reporting tools."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from matching.programme import selectors
from mentorship.api_base import TenantAPIView
from mentorship.exports.api import HRAdminExport


class ProgrammeReader(HRAdminExport):
    message = "Only HR admins and API clients with the read scope can read the programme figures."


class HeadlineSerializer(serializers.Serializer):
    proposed = serializers.IntegerField(help_text="Waiting for the mentor's answer.")
    active = serializers.IntegerField()
    awaiting_review = serializers.IntegerField()
    completed = serializers.IntegerField()
    achieved = serializers.IntegerField(help_text="Completed with the target level reached.")
    declined = serializers.IntegerField()
    expired = serializers.IntegerField(help_text="The mentor did not answer in time.")
    cancelled = serializers.IntegerField()
    total = serializers.IntegerField()
    stalled_reviews = serializers.IntegerField(
        help_text=f"Awaiting review for over {selectors.STALLED_REVIEW_DAYS} days."
    )
    met = serializers.IntegerField(help_text="Pairings that went ahead (the mentor accepted).")
    cross_department = serializers.IntegerField(
        help_text="Of those, the ones where mentor and mentee are in different departments."
    )
    mentors = serializers.IntegerField(help_text="Distinct people who have mentored.")
    mentees = serializers.IntegerField(help_text="Distinct people who have been mentored.")
    active_people = serializers.IntegerField()
    median_days_to_proficiency = serializers.IntegerField(allow_null=True)
    achieved_rate = serializers.IntegerField(allow_null=True, help_text="Percent of completed.")
    acceptance_rate = serializers.IntegerField(
        allow_null=True, help_text="Percent of answered proposals the mentor accepted."
    )
    cross_department_rate = serializers.IntegerField(allow_null=True, help_text="Percent of met.")
    mentor_share = serializers.IntegerField(
        allow_null=True, help_text="Percent of active people who have mentored."
    )


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    started = serializers.IntegerField(help_text="Pairings proposed that month.")
    achieved = serializers.IntegerField(help_text="Completed that month, target reached.")
    not_achieved = serializers.IntegerField(help_text="Completed that month, target not reached.")


class CompetencyRowSerializer(serializers.Serializer):
    competency_id = serializers.IntegerField()
    name = serializers.CharField()
    pairings = serializers.IntegerField()
    running = serializers.IntegerField()
    completed = serializers.IntegerField()
    achieved = serializers.IntegerField()
    achieved_rate = serializers.IntegerField(allow_null=True)


class FlowsSerializer(serializers.Serializer):
    departments = serializers.ListField(child=serializers.CharField())
    cells = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="cells[i][j]: pairings with a mentor in departments[i] and a mentee in "
        "departments[j].",
    )


class ProgrammeSerializer(serializers.Serializer):
    headline = HeadlineSerializer()
    months = MonthSerializer(many=True, help_text="The last twelve months, oldest first.")
    competencies = CompetencyRowSerializer(many=True, help_text="The most mentored, at most ten.")
    department_flows = FlowsSerializer()


class ProgrammeView(TenantAPIView):
    """The organisation's mentoring programme in figures: pairings by state, outcomes, time to
    proficiency, how much mentoring crosses departments, the last twelve months, the most
    mentored competencies and the department-to-department map. HR admins, and API clients with
    the read scope."""

    permission_classes = [IsAuthenticated, ProgrammeReader]

    @extend_schema(responses=ProgrammeSerializer, tags=["programme"])
    def get(self, request: Request) -> Response:
        org = self.organization
        body: dict[str, Any] = {
            "headline": selectors.headline(organization=org),
            "months": selectors.monthly(organization=org),
            "competencies": selectors.by_competency(organization=org),
            "department_flows": selectors.department_flows(organization=org),
        }
        return Response(ProgrammeSerializer(body).data)
