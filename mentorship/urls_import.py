from django.urls import path

from mentorship import views_import

urlpatterns = [
    path("people/import/", views_import.people_import, name="people_import"),
    path(
        "people/import/template.csv",
        views_import.people_import_template,
        name="people_import_template",
    ),
    path("people/import/<int:pk>/", views_import.people_import_detail, name="people_import_detail"),
    path(
        "people/import/<int:pk>/confirm/",
        views_import.people_import_confirm,
        name="people_import_confirm",
    ),
    path(
        "people/import/<int:pk>/errors.csv",
        views_import.people_import_errors,
        name="people_import_errors",
    ),
    path("exports/", views_import.export_list, name="exports"),
    path("exports/people.csv", views_import.people_export, name="export_people"),
]
