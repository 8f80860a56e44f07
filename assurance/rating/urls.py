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
]
