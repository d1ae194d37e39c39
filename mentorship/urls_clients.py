from django.urls import path

from mentorship import views_clients

urlpatterns = [
    path("", views_clients.api_clients, name="api_clients"),
    path("new/", views_clients.api_client_create, name="api_client_create"),
    path("<int:pk>/rotate/", views_clients.api_client_rotate, name="api_client_rotate"),
    path("<int:pk>/revoke/", views_clients.api_client_revoke, name="api_client_revoke"),
]
