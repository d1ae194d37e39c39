from django.urls import path

from mentorship import views_people

urlpatterns = [
    path("people/", views_people.people, name="people"),
    path("people/new/", views_people.employee_create, name="employee_create"),
    path("people/<int:pk>/", views_people.employee_detail, name="employee_detail"),
    path("people/<int:pk>/edit/", views_people.employee_edit, name="employee_edit"),
    path(
        "people/<int:pk>/deactivate/",
        views_people.employee_deactivate,
        name="employee_deactivate",
    ),
    path(
        "people/<int:pk>/reactivate/",
        views_people.employee_reactivate,
        name="employee_reactivate",
    ),
    path("org-chart/", views_people.org_chart, name="org_chart"),
    path("departments/", views_people.departments, name="departments"),
    path("departments/new/", views_people.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", views_people.department_edit, name="department_edit"),
]
