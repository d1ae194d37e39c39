from django.urls import path

from mentorship.exports import views

urlpatterns = [
    path("exports/", views.export_list, name="exports"),
    path("exports/people.csv", views.people_export, name="export_people"),
]
