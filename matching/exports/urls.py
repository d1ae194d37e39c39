from django.urls import path

from matching.exports import views

urlpatterns = [
    path("exports/pairings.csv", views.pairings_export, name="export_pairings"),
]
