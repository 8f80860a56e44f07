from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import account, views

app_name = "api"

router = SimpleRouter()
router.register("providers", views.ProviderViewSet, basename="provider")
router.register("locations", views.LocationViewSet, basename="location")
router.register("teams", views.TeamViewSet, basename="team")
router.register("cases", views.CaseViewSet, basename="case")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("escalations", views.EscalationViewSet, basename="escalation")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("report-runs", views.ReportRunViewSet, basename="reportrun")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path(
        "api/v1/files/<uuid:uuid>/download/",
        views.EvidenceFileDownloadView.as_view(),
        name="evidence-file-download",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", views.DocsView.as_view(url_name="api:schema"), name="docs"),
    path("account/api-tokens/", account.tokens, name="tokens"),
    path("account/api-tokens/<uuid:token_uuid>/revoke/", account.token_revoke, name="token_revoke"),
]
