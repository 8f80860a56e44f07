from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("files/<uuid:file_uuid>/", views.file_download, name="file_download"),
    path(
        "locations/<uuid:location_uuid>/evidence/",
        views.location_register,
        name="location_register",
    ),
]
