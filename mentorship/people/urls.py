from django.urls import path

from mentorship.people import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/new/", views.employee_create, name="employee_create"),
    path("people/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("people/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
    path(
        "people/<int:pk>/deactivate/",
        views.employee_deactivate,
        name="employee_deactivate",
    ),
    path(
        "people/<int:pk>/reactivate/",
        views.employee_reactivate,
        name="employee_reactivate",
    ),
    path("org-chart/", views.org_chart, name="org_chart"),
    path("departments/", views.departments, name="departments"),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
]
