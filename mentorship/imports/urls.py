from django.urls import path

from mentorship.imports import views

urlpatterns = [
    path("people/import/", views.people_import, name="people_import"),
    path(
        "people/import/template.csv",
        views.people_import_template,
        name="people_import_template",
    ),
    path("people/import/<int:pk>/", views.people_import_detail, name="people_import_detail"),
    path(
        "people/import/<int:pk>/confirm/",
        views.people_import_confirm,
        name="people_import_confirm",
    ),
    path(
        "people/import/<int:pk>/errors.csv",
        views.people_import_errors,
        name="people_import_errors",
    ),
]
