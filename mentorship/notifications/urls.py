from django.urls import path

from mentorship.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:pk>/open/", views.notification_open, name="notification_open"),
    path("read/", views.notifications_read_all, name="notifications_read_all"),
]
