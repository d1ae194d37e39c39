"""Row-level security on every tenant table (PostgreSQL only): see mentorship.rls."""

from django.db import migrations

from mentorship.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [
        ("mentorship", "0004_notification"),
        ("competencies", "0002_initial"),
        ("assessments", "0002_assessment_focus_competency"),
        ("matching", "0003_suggestion_lean_writes"),
    ]

    operations = [
        TenantRowLevelSecurity(
            tables=[
                "assessments_assessment",
                "assessments_assessmentrequest",
                "assessments_assessmentrequestrecipient",
                "assessments_developmentgoal",
                "assessments_rating",
                "assessments_skillprofile",
                "competencies_competency",
                "competencies_levelbehaviour",
                "competencies_proficiencylevel",
                "competencies_role",
                "competencies_rolerequirement",
                "matching_checkin",
                "matching_cohort",
                "matching_matchrun",
                "matching_matchsettings",
                "matching_matchsuggestion",
                "matching_mentoroptout",
                "matching_pairing",
                "matching_pairingevent",
                "matching_planitem",
                "matching_recomputestate",
                "matching_reflection",
                "matching_remindersent",
                "mentorship_auditentry",
                "mentorship_department",
                "mentorship_employee",
                "mentorship_notification",
                "mentorship_peopleimport",
            ]
        ),
    ]
