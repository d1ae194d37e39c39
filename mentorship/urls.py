from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider.views import TokenView

from mentorship import views
from mentorship.forms import PasswordResetForm

org_patterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("", include("mentorship.people.urls")),
    path("model/import/", include("competencies.onet.urls")),
    path("model/", include("competencies.urls")),
    path("", include("assessments.urls")),
    path("", include("matching.urls")),
    path("", include("matching.pairings.urls")),
    path("notifications/", include("mentorship.notifications.urls")),
    path("", include("mentorship.imports.urls")),
    path("", include("mentorship.exports.urls")),
    path("", include("assessments.exports.urls")),
    path("", include("matching.exports.urls")),
    path("settings/api-clients/", include("mentorship.clients.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include("mentorship.urls_api")),
    path("api/oauth/token/", TokenView.as_view(), name="oauth-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler404 = "mentorship.views.page_not_found"
handler403 = "mentorship.views.permission_denied"
