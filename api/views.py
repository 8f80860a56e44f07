"""Read-only endpoints. Each one reads through the fetchers and list functions the pages use
(`visible_locations`, `visible_cases`, the rooms' `lists.py`), so it shows exactly what its
caller may see, with the pages' own filters; anything else, another provider's above all, is
a 404. File reads go through the pages' permission checks and are recorded as downloads."""

from django.db.models import Exists, OuterRef, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from assurance.cases.access import visible_cases
from assurance.cases.models import CaseStatus, Indicator, StepRecord
from assurance.casework import lists as case_lists
from assurance.common.lists import uuid_value
from assurance.escalations import lists as escalation_lists
from assurance.escalations.models import Escalation
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement
from assurance.organisations import lists as organisation_lists
from assurance.organisations.access import (
    roles_at_locations,
    visible_locations,
    visible_providers,
)
from assurance.organisations.models import ServiceType, Team, TeamKind
from assurance.reviews import lists as review_lists
from assurance.reviews.access import visible_reviews
from assurance.reviews.models import ReviewKind
from evidence import lists as evidence_lists
from evidence import services as evidence_services
from evidence.access import get_evidence_file_for_user
from evidence.models import DownloadVia, EvidenceItem, Source, Stance
from evidence.views import file_response
from reports import services as report_services
from reports.access import filter_report_runs, get_report_run_for_user, visible_report_runs
from reports.models import DownloadedFile, ReportKind, RunStatus
from reports.views import index_file_response, run_file_response

from . import serializers


def _refuse(errors):
    if errors:
        raise ValidationError(errors)


def _narrow(queryset, params, *, location=None, provider=None, case=None):
    """The scope a page's URL gives (a location, a provider, a case), as query parameters."""
    errors = {}
    if location and (value := uuid_value(params, "location", errors)):
        queryset = queryset.filter(**{f"{location}__uuid": value})
    if provider and (value := (params.get("provider") or "").strip()):
        queryset = queryset.filter(**{f"{provider}__slug": value})
    if case and (value := uuid_value(params, "case", errors)):
        queryset = queryset.filter(**{f"{case}__uuid": value})
    _refuse(errors)
    return queryset


def _choices(values) -> str:
    return ", ".join(sorted(values))


LOCATION = OpenApiParameter("location", OpenApiTypes.UUID, description="Only this location.")
PROVIDER = OpenApiParameter("provider", str, description="Only this provider (its slug).")
CASE = OpenApiParameter("case", OpenApiTypes.UUID, description="Only this case.")


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    lookup_field = "uuid"
    lookup_value_converter = "uuid"

    def filter_queryset(self, queryset):
        if self.action == "list":
            return self.filter_list(queryset, self.request.query_params)
        return queryset

    def filter_list(self, queryset, params):
        return queryset


@extend_schema_view(list=extend_schema(summary="Providers you hold a role at"))
class ProviderViewSet(ReadOnly):
    serializer_class = serializers.ProviderSerializer
    lookup_field = "slug"
    lookup_value_converter = "slug"

    def get_queryset(self):
        return visible_providers(self.request.user)


class _WithRoles:
    """Adds the caller's roles at each location of the page, read in one query."""

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else None
        if instance is not None:
            rows = instance if isinstance(instance, list | tuple) else [instance]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["roles"] = roles_at_locations(self.request.user, rows)
        return super().get_serializer(*args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="Locations you can see",
        parameters=[
            PROVIDER,
            OpenApiParameter("service_type", str, enum=ServiceType.values),
            OpenApiParameter("active", bool, description="true (the default) or false."),
        ],
    )
)
class LocationViewSet(_WithRoles, ReadOnly):
    serializer_class = serializers.LocationSerializer

    def get_queryset(self):
        return visible_locations(self.request.user).select_related("provider")

    def filter_list(self, queryset, params):
        listed = organisation_lists.filter_locations(queryset, params)
        _refuse(listed.errors)
        return _narrow(listed.rows, params, provider="provider")


@extend_schema_view(
    list=extend_schema(
        summary="Teams, units and shift patterns",
        parameters=[
            LOCATION,
            PROVIDER,
            OpenApiParameter("status", str, enum=["active", "archived", "all"]),
            OpenApiParameter("kind", str, enum=TeamKind.values),
        ],
    )
)
class TeamViewSet(ReadOnly):
    serializer_class = serializers.TeamSerializer

    def get_queryset(self):
        return Team.objects.filter(
            location__in=visible_locations(self.request.user)
        ).select_related("location")

    def filter_list(self, queryset, params):
        listed = organisation_lists.filter_teams(queryset, params)
        _refuse(listed.errors)
        return _narrow(listed.rows, params, location="location", provider="location__provider")


@extend_schema_view(
    list=extend_schema(
        summary="Improvement cases",
        description="The filters of the case lists: location, domain, status, current step and "
        "the current judgement (its level, above the evidence, evidence changed since).",
        parameters=[
            LOCATION,
            PROVIDER,
            OpenApiParameter("domain", str, description="A domain's slug, e.g. governance."),
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("step", int, enum=[1, 2, 3, 4, 5], description="Open cases only."),
            OpenApiParameter("level", str, enum=InfluenceLevel.values),
            OpenApiParameter(
                "overclaim", int, enum=[1], description="Judgement above the evidence."
            ),
            OpenApiParameter("stale", int, enum=[1], description="Evidence changed since."),
        ],
    )
)
class CaseViewSet(ReadOnly):
    serializer_class = serializers.CaseSerializer

    def get_queryset(self):
        return (
            visible_cases(self.request.user)
            .select_related("location__provider", "domain")
            .prefetch_related(
                Prefetch("steps", queryset=StepRecord.objects.select_related("completed_by")),
                Prefetch(
                    "judgements",
                    queryset=ProportionalityJudgement.objects.current()
                    .select_related("recorded_by")
                    .prefetch_related("key_questions"),
                    to_attr="current_judgements",
                ),
                # What the readiness figures and the evidence fingerprint read.
                Prefetch(
                    "evidence",
                    queryset=EvidenceItem.objects.prefetch_related("files"),
                    to_attr="all_evidence",
                ),
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.prefetch_related("readings"),
                    to_attr="all_indicators",
                ),
                Prefetch("links", to_attr="all_links"),
                Prefetch("location__teams", queryset=Team.objects.active(), to_attr="active_teams"),
            )
            .annotate(
                has_overdue_escalation=Exists(
                    Escalation.objects.overdue().filter(case=OuterRef("pk"))
                )
            )
        )

    def filter_list(self, queryset, params):
        locations = list(visible_locations(self.request.user))
        listed = case_lists.filter_cases(queryset, params, locations=locations)
        _refuse(listed.errors)
        return _narrow(listed.rows, params, provider="location__provider")


@extend_schema_view(
    list=extend_schema(
        summary="Evidence items",
        description="The evidence register's filters: case, source, stance, status, team and "
        "the dates the evidence describes.",
        parameters=[
            LOCATION,
            PROVIDER,
            CASE,
            OpenApiParameter("source", str, enum=Source.values),
            OpenApiParameter("stance", str, enum=Stance.values),
            OpenApiParameter("status", str, enum=list(evidence_lists.STATUS_FILTERS)),
            OpenApiParameter("team", OpenApiTypes.UUID),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Dated on or after."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Dated on or before."),
        ],
    )
)
class EvidenceViewSet(ReadOnly):
    serializer_class = serializers.EvidenceItemSerializer

    def get_queryset(self):
        items = EvidenceItem.objects.filter(case__location__in=visible_locations(self.request.user))
        return evidence_lists.with_list_data(items).select_related("case__location")

    def filter_list(self, queryset, params):
        listed = evidence_lists.filter_evidence(queryset, params)
        _refuse(listed.errors)
        return _narrow(
            listed.rows, params, location="case__location", provider="case__location__provider"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Escalations",
        description="As the escalation lists: open and in progress by default.",
        parameters=[
            LOCATION,
            PROVIDER,
            CASE,
            OpenApiParameter("status", str, enum=list(escalation_lists.STATUS_FILTERS)),
        ],
    )
)
class EscalationViewSet(ReadOnly):
    serializer_class = serializers.EscalationSerializer

    def get_queryset(self):
        return Escalation.objects.filter(
            case__location__in=visible_locations(self.request.user)
        ).select_related("case__location", "owner")

    def get_object(self):
        escalation = super().get_object()
        escalation.is_overdue = escalation.overdue
        return escalation

    def filter_list(self, queryset, params):
        listed = escalation_lists.filter_escalations(queryset, params)
        _refuse(listed.errors)
        return _narrow(
            listed.rows,
            params,
            location="case__location",
            provider="case__location__provider",
            case="case",
        )


@extend_schema_view(
    list=extend_schema(
        summary="Monthly and quarterly reviews",
        parameters=[
            LOCATION,
            PROVIDER,
            CASE,
            OpenApiParameter("kind", str, enum=ReviewKind.values),
            OpenApiParameter("status", str, enum=sorted(review_lists.STATUS_FILTERS)),
        ],
    )
)
class ReviewViewSet(ReadOnly):
    serializer_class = serializers.ReviewSerializer

    def get_queryset(self):
        return review_lists.with_list_data(visible_reviews(self.request.user))

    def filter_list(self, queryset, params):
        listed = review_lists.filter_reviews(queryset, params)
        _refuse(listed.errors)
        return _narrow(listed.rows, params, location="location", provider="provider", case="case")


class AnyAccept(BaseContentNegotiation):
    """A file is a file whatever the client asks for; errors still come back as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FILE_RESPONSE = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


@extend_schema_view(
    list=extend_schema(
        summary="Report runs and evidence packs you may open",
        parameters=[
            LOCATION,
            PROVIDER,
            CASE,
            OpenApiParameter("kind", str, enum=ReportKind.values),
            OpenApiParameter("status", str, enum=RunStatus.values),
        ],
    )
)
class ReportRunViewSet(ReadOnly):
    serializer_class = serializers.ReportRunSerializer

    def get_queryset(self):
        return visible_report_runs(self.request.user).select_related(
            "provider", "location", "case", "requested_by"
        )

    def filter_list(self, queryset, params):
        listed = filter_report_runs(queryset, params)
        _refuse(listed.errors)
        return _narrow(listed.rows, params, location="location", provider="provider", case="case")

    @extend_schema(
        summary="The archived PDF or ZIP (recorded as a download)", responses=FILE_RESPONSE
    )
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAccept)
    def download(self, request, uuid=None):
        run = get_report_run_for_user(request.user, uuid)
        response = run_file_response(run)
        report_services.report_record_download(actor=request.user, run=run, via=DownloadVia.API)
        return response

    @extend_schema(
        summary="A quarterly report's evidence index, XLSX (recorded as a download)",
        responses=FILE_RESPONSE,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="evidence-index",
        url_name="evidence-index",
        content_negotiation_class=AnyAccept,
    )
    def evidence_index(self, request, uuid=None):
        run = get_report_run_for_user(request.user, uuid)
        response = index_file_response(run)
        report_services.report_record_download(
            actor=request.user, run=run, via=DownloadVia.API, file=DownloadedFile.INDEX
        )
        return response


class EvidenceFileDownloadView(APIView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary="An evidence file (recorded as a download)",
        responses=FILE_RESPONSE,
        operation_id="evidence_file_download",
    )
    def get(self, request, uuid):
        stored = get_evidence_file_for_user(request.user, uuid)
        response = file_response(stored)
        evidence_services.evidence_file_record_download(
            actor=request.user, stored=stored, via=DownloadVia.API
        )
        return response


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files, with no inline script or style."""

    template_name = "api/swagger_ui.html"
