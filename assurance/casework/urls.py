from django.urls import path

from . import evidence_views, mywork_views, views

app_name = "casework"
urlpatterns = [
    path("my-work/", mywork_views.my_work, name="my_work"),
    path("my-work/<slug:group>/", mywork_views.my_work_group, name="my_work_group"),
    path("providers/<slug:slug>/cases/", views.provider_cases, name="provider_cases"),
    path("locations/<uuid:location_uuid>/cases/", views.location_cases, name="location_cases"),
    path("locations/<uuid:location_uuid>/cases/new/", views.case_create, name="case_create"),
    path("cases/sections/", views.case_sections, name="case_sections"),
    path("cases/<uuid:case_uuid>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:case_uuid>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:case_uuid>/status/", views.case_status, name="case_status"),
    path("cases/<uuid:case_uuid>/steps/<int:number>/", views.step_form, name="step_form"),
    path(
        "cases/<uuid:case_uuid>/steps/<int:number>/reopen/", views.step_reopen, name="step_reopen"
    ),
    path("cases/<uuid:case_uuid>/indicators/add/", views.indicator_add, name="indicator_add"),
    path("indicators/<uuid:indicator_uuid>/readings/add/", views.reading_add, name="reading_add"),
    path(
        "cases/<uuid:case_uuid>/judgement/confirm/",
        views.judgement_confirm,
        name="judgement_confirm",
    ),
    path("cases/<uuid:case_uuid>/evidence/", evidence_views.case_evidence, name="case_evidence"),
    path("cases/<uuid:case_uuid>/evidence/add/", evidence_views.evidence_add, name="evidence_add"),
    path(
        "evidence/<uuid:item_uuid>/withdraw/",
        evidence_views.evidence_withdraw,
        name="evidence_withdraw",
    ),
    path("cases/<uuid:case_uuid>/links/add/", evidence_views.link_add, name="link_add"),
    path("cases/<uuid:case_uuid>/checks/add/", evidence_views.check_add, name="check_add"),
    path("cases/<uuid:case_uuid>/actions/add/", evidence_views.action_add, name="action_add"),
]
