from django.urls import path

from mentorship import views_people

urlpatterns = [
    path("people/", views_people.people, name="people"),
    path("org-chart/", views_people.org_chart, name="org_chart"),
]
