from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from . import ratelimits, views
from .accounts import views as account_views
from .accounts.oidc import views as oidc_views
from .accounts.password_reset import password_reset

if settings.TWO_FACTOR_REQUIRED:
    # The admin demands a verified second factor too, not only the middleware.
    admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("language/", views.set_language, name="set_language"),
    path(
        "login/",
        ratelimits.rate_limited("login", key=ratelimits.by_address)(
            account_views.LoginView.as_view()
        ),
        name="login",
    ),
    path("logout/", oidc_views.LogoutView.as_view(), name="logout"),
    # City log-in (OpenID Connect); both answer 404 unless OIDC_ISSUER is set.
    path("login/city/", oidc_views.start, name="oidc_login"),
    path("login/city/callback/", oidc_views.callback, name="oidc_callback"),
    path("login/verify/", account_views.two_factor_verify, name="two_factor_verify"),
    path("account/two-factor/", account_views.two_factor_setup, name="two_factor_setup"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("cases/", include("k0.cases.urls")),
    path("indicators/", include("k0.indicators.urls")),
    path("jobs/", include("k0.jobs.urls")),
    path("work/", include("k0.reminders.urls")),
    path("documents/", include("k0.documents.urls")),
    path("privacy/", include("k0.privacy.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
