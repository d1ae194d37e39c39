from django.urls import path

from competencies.onet import views

urlpatterns = [
    path("", views.onet_import, name="onet_import"),
]
