from django.urls import path

from mentorship.clients import views

urlpatterns = [
    path("", views.api_clients, name="api_clients"),
    path("new/", views.api_client_create, name="api_client_create"),
    path("<int:pk>/rotate/", views.api_client_rotate, name="api_client_rotate"),
    path("<int:pk>/revoke/", views.api_client_revoke, name="api_client_revoke"),
]
