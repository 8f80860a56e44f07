from django.urls import path

from . import views

app_name = "escalations"
urlpatterns = [
    path(
        "locations/<uuid:location_uuid>/escalations/",
        views.location_escalations,
        name="location_escalations",
    ),
    path(
        "providers/<slug:slug>/escalations/",
        views.provider_escalations,
        name="provider_escalations",
    ),
    path("cases/<uuid:case_uuid>/escalations/new/", views.escalation_new, name="escalation_new"),
    path("escalations/<uuid:escalation_uuid>/", views.escalation_detail, name="escalation_detail"),
]
