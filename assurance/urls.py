from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("providers/<slug:slug>/", views.provider_detail, name="provider_detail"),
    path(
        "providers/<slug:slug>/members/add/", views.provider_member_add, name="provider_member_add"
    ),
    path("locations/<uuid:location_uuid>/", views.location_detail, name="location_detail"),
    path(
        "locations/<uuid:location_uuid>/members/add/",
        views.location_member_add,
        name="location_member_add",
    ),
    path("locations/<uuid:location_uuid>/teams/add/", views.team_add, name="team_add"),
    path("teams/<uuid:team_uuid>/", views.team_detail, name="team_detail"),
    path("teams/<uuid:team_uuid>/archive/", views.team_archive, name="team_archive"),
    path("members/<uuid:membership_uuid>/end/", views.member_end, name="member_end"),
]
