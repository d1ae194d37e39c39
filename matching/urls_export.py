from django.urls import path

from matching import views_export

urlpatterns = [
    path("exports/pairings.csv", views_export.pairings_export, name="export_pairings"),
]
