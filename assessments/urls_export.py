from django.urls import path

from assessments import views_export

urlpatterns = [
    path(
        "exports/skill-profiles.csv",
        views_export.skill_profiles_export,
        name="export_skill_profiles",
    ),
    path("exports/gaps.csv", views_export.gaps_export, name="export_gaps"),
]
