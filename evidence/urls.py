from django.urls import path

from . import views

urlpatterns = [
    path("cases/<uuid:case_uuid>/evidence/add/", views.evidence_add, name="evidence_add"),
    path("evidence/<uuid:item_uuid>/withdraw/", views.evidence_withdraw, name="evidence_withdraw"),
    path("files/<uuid:file_uuid>/", views.file_download, name="file_download"),
    path("cases/<uuid:case_uuid>/links/add/", views.link_add, name="link_add"),
    path("cases/<uuid:case_uuid>/checks/add/", views.check_add, name="check_add"),
    path("cases/<uuid:case_uuid>/actions/add/", views.action_add, name="action_add"),
]
