from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import case_views, proportionality_views, views

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
    path("my-work/", case_views.my_work, name="my_work"),
    path("providers/<slug:slug>/cases/", case_views.provider_cases, name="provider_cases"),
    path("locations/<uuid:location_uuid>/cases/", case_views.location_cases, name="location_cases"),
    path("locations/<uuid:location_uuid>/cases/new/", case_views.case_create, name="case_create"),
    path("cases/<uuid:case_uuid>/", case_views.case_detail, name="case_detail"),
    path("cases/<uuid:case_uuid>/edit/", case_views.case_edit, name="case_edit"),
    path("cases/<uuid:case_uuid>/status/", case_views.case_status, name="case_status"),
    path("cases/<uuid:case_uuid>/steps/<int:number>/", case_views.step_form, name="step_form"),
    path(
        "cases/<uuid:case_uuid>/steps/<int:number>/reopen/",
        case_views.step_reopen,
        name="step_reopen",
    ),
    path("cases/<uuid:case_uuid>/indicators/add/", case_views.indicator_add, name="indicator_add"),
    path(
        "indicators/<uuid:indicator_uuid>/readings/add/", case_views.reading_add, name="reading_add"
    ),
    path(
        "cases/<uuid:case_uuid>/judgement/confirm/",
        case_views.judgement_confirm,
        name="judgement_confirm",
    ),
    path(
        "locations/<uuid:location_uuid>/escalations/",
        proportionality_views.location_escalations,
        name="location_escalations",
    ),
    path(
        "providers/<slug:slug>/escalations/",
        proportionality_views.provider_escalations,
        name="provider_escalations",
    ),
    path(
        "cases/<uuid:case_uuid>/escalations/new/",
        proportionality_views.escalation_new,
        name="escalation_new",
    ),
    path(
        "escalations/<uuid:escalation_uuid>/",
        proportionality_views.escalation_detail,
        name="escalation_detail",
    ),
    path(
        "locations/<uuid:location_uuid>/rating/",
        proportionality_views.location_rating,
        name="location_rating",
    ),
    path(
        "locations/<uuid:location_uuid>/rating/update/",
        proportionality_views.location_rating_update,
        name="location_rating_update",
    ),
    path("", include("evidence.urls")),
    path("", include("reports.urls")),
    path("", include("assurance.review_urls")),
]
