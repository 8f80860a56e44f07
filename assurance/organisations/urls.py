from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.home, name="home"),
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
