from django.urls import path

from assessments import views

urlpatterns = [
    path("my-skills/", views.my_skills, name="my_skills"),
    path("my-skills/rate/", views.rating_save, name="rating_save"),
    path("my-skills/submit/", views.assessment_submit, name="assessment_submit"),
    path("my-skills/summary/", views.my_skills_summary, name="my_skills_summary"),
    path("my-skills/explore/", views.explore_role, name="explore_role"),
    path("my-skills/goals/role/", views.goal_role_save, name="goal_role_save"),
    path("my-skills/goals/competency/", views.goal_competency_save, name="goal_competency_save"),
    path("my-skills/goals/<int:pk>/remove/", views.goal_remove, name="goal_remove"),
    path("people/<int:employee_id>/skills/", views.skill_profile, name="skill_profile"),
    path("team/", views.my_team, name="my_team"),
    path("team/<int:employee_id>/assess/", views.assess_report, name="assess_report"),
    path(
        "team/<int:employee_id>/assess/rate/",
        views.report_rating_save,
        name="report_rating_save",
    ),
    path(
        "team/<int:employee_id>/assess/submit/",
        views.assess_report_submit,
        name="assess_report_submit",
    ),
    path("assessment-requests/", views.assessment_requests, name="assessment_requests"),
    path(
        "assessment-requests/<int:pk>/",
        views.assessment_request_detail,
        name="assessment_request_detail",
    ),
]
