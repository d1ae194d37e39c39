from django.urls import path

from competencies import views

urlpatterns = [
    path("competencies/", views.competency_list, name="competency_list"),
    path("competencies/new/", views.competency_create, name="competency_create"),
    path("competencies/<int:pk>/", views.competency_detail, name="competency_detail"),
    path("competencies/<int:pk>/edit/", views.competency_edit, name="competency_edit"),
    path("competencies/<int:pk>/archive/", views.competency_archive, name="competency_archive"),
    path("competencies/<int:pk>/restore/", views.competency_restore, name="competency_restore"),
    path("competencies/<int:pk>/delete/", views.competency_delete, name="competency_delete"),
    path(
        "competencies/<int:pk>/behaviours/<int:level>/",
        views.behaviour_row,
        name="behaviour_row",
    ),
    path(
        "competencies/<int:pk>/behaviours/<int:level>/edit/",
        views.behaviour_edit,
        name="behaviour_edit",
    ),
    path("scale/", views.scale, name="scale"),
    path("scale/setup/", views.scale_setup, name="scale_setup"),
    path("scale/<int:level>/", views.scale_level_row, name="scale_level_row"),
    path("scale/<int:level>/edit/", views.scale_level_edit, name="scale_level_edit"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_detail, name="role_detail"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("roles/<int:pk>/archive/", views.role_archive, name="role_archive"),
    path("roles/<int:pk>/restore/", views.role_restore, name="role_restore"),
    path("roles/<int:pk>/delete/", views.role_delete, name="role_delete"),
    path(
        "roles/<int:pk>/requirements/<int:competency_pk>/",
        views.requirement_save,
        name="requirement_save",
    ),
]
