from django.urls import path

from . import views

app_name = "evidence"
urlpatterns = [
    path("files/<uuid:file_uuid>/", views.file_download, name="file_download"),
]
