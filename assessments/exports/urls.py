from django.urls import path

from assessments.exports import views

urlpatterns = [
    path(
        "exports/skill-profiles.csv",
        views.skill_profiles_export,
        name="export_skill_profiles",
    ),
    path("exports/gaps.csv", views.gaps_export, name="export_gaps"),
]
