from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("providers/<slug:slug>/reports/", views.provider_reports, name="provider_reports"),
    path(
        "providers/<slug:slug>/reports/quarterly/",
        views.request_quarterly,
        name="request_quarterly",
    ),
    path(
        "providers/<slug:slug>/reports/preview/",
        views.quarterly_preview,
        name="quarterly_preview",
    ),
    path("cases/<uuid:case_uuid>/summary/", views.case_summary_preview, name="case_summary"),
    path(
        "cases/<uuid:case_uuid>/summary/pdf/",
        views.request_case_summary,
        name="request_case_summary",
    ),
    path(
        "cases/<uuid:case_uuid>/evidence-pack/",
        views.request_case_pack,
        name="request_case_pack",
    ),
    path("locations/<uuid:location_uuid>/packs/", views.location_packs, name="location_packs"),
    path(
        "locations/<uuid:location_uuid>/packs/new/",
        views.request_location_pack,
        name="request_location_pack",
    ),
    path("reports/<uuid:run_uuid>/", views.report_run, name="report_run"),
    path("reports/<uuid:run_uuid>/download/", views.report_download, name="report_download"),
    path(
        "reports/<uuid:run_uuid>/evidence-index/",
        views.report_index_download,
        name="report_index_download",
    ),
    path("reports/<uuid:run_uuid>/retry/", views.report_retry, name="report_retry"),
    path(
        "locations/<uuid:location_uuid>/export/<slug:list_name>.<slug:fmt>",
        views.location_export,
        name="location_export",
    ),
    path(
        "providers/<slug:slug>/export/<slug:list_name>.<slug:fmt>",
        views.provider_export,
        name="provider_export",
    ),
]
