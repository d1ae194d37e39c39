from django.urls import path

from competencies import views

urlpatterns = [
    path("competencies/", views.competency_list, name="competency_list"),
]
