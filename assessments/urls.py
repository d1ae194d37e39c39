from django.urls import path

from assessments import views

urlpatterns = [
    path("my-skills/", views.my_skills, name="my_skills"),
    path("team/", views.my_team, name="my_team"),
]
