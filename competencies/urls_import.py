from django.urls import path

from competencies import views_import

urlpatterns = [
    path("", views_import.onet_import, name="onet_import"),
]
