from django.urls import path

from matching import views
from matching.programme import views as programme_views

urlpatterns = [
    path("team/mentors/", views.team_mentors, name="team_mentors"),
    path("suggestions/<int:pk>/accept/", views.suggestion_accept, name="suggestion_accept"),
    path("suggestions/<int:pk>/dismiss/", views.suggestion_dismiss, name="suggestion_dismiss"),
    path("me/mentoring/", views.mentor_availability, name="mentor_availability"),
    path("me/mentoring/summary/", views.mentoring_summary, name="mentoring_summary"),
    path("matching/runs/", views.match_runs, name="match_runs"),
    path("matching/runs/recompute/", views.match_recompute, name="match_recompute"),
    path("matching/settings/", views.match_settings, name="match_settings"),
    path("programme/", programme_views.programme_overview, name="programme"),
    path("programme/summary/", programme_views.programme_summary, name="programme_summary"),
]
