"""The root URLconf: sign-in, the admin, the health check, and each room's URLs under its
own namespace.

Django's own auth views reverse their un-namespaced names (`password_reset_done`, ...), so
they stay here at the root; everything the product adds lives in a namespaced `urls.py`.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("assurance.organisations.urls")),
    path("", include("assurance.casework.urls")),
    path("", include("assurance.escalations.urls")),
    path("", include("assurance.rating.urls")),
    path("", include("assurance.reviews.urls")),
    path("", include("evidence.urls")),
    path("", include("reports.urls")),
    path("", include("api.urls")),
]
