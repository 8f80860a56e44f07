from django.urls import path

from . import views

app_name = "rating"
urlpatterns = [
    path("locations/<uuid:location_uuid>/rating/", views.location_rating, name="location_rating"),
    path(
        "locations/<uuid:location_uuid>/rating/update/",
        views.location_rating_update,
        name="location_rating_update",
    ),
    path(
        "locations/<uuid:location_uuid>/framework/",
        views.location_framework,
        name="location_framework",
    ),
    path("providers/<slug:slug>/framework/", views.provider_framework, name="provider_framework"),
]
