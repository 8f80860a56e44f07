from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from assurance.cases.access import visible_cases
from assurance.common.lists import Filtered, choice
from assurance.organisations.access import (
    locations_with_role,
    providers_with_role,
    roles_at_location,
    roles_at_provider,
    visible_locations,
    visible_providers,
)
from assurance.organisations.permissions import (
    LOCATION_REPORT_ROLES,
    QUARTERLY_REPORT_READER_ROLES,
)

from .models import ReportKind, ReportRun, RunStatus


def can_see_run(user, run) -> bool:
    """Case summaries and evidence packs follow what they show (checked by the fetcher);
    quarterly reports their requesters' roles, and provider-wide viewers read them all."""
    if run.kind in (ReportKind.CASE, ReportKind.PACK):
        return True
    provider_wide = roles_at_provider(user, run.provider)
    if QUARTERLY_REPORT_READER_ROLES & provider_wide:
        return True
    if run.location_id:
        return bool(LOCATION_REPORT_ROLES & roles_at_location(user, run.location))
    return False


def visible_report_runs(user):
    """Every run the user may open, as one queryset: the rule of `get_report_run_for_user`
    without a query per run (for lists, exports and the API)."""
    locations = visible_locations(user)
    return ReportRun.objects.filter(
        Q(kind=ReportKind.CASE, case__location__in=locations)
        | Q(kind=ReportKind.PACK, location__in=locations)
        | Q(
            kind=ReportKind.QUARTERLY,
            provider__in=providers_with_role(user, QUARTERLY_REPORT_READER_ROLES),
        )
        | Q(
            kind=ReportKind.QUARTERLY,
            location__in=locations_with_role(user, LOCATION_REPORT_ROLES),
        )
    )


def filter_report_runs(runs, params) -> Filtered:
    """Kind and status; newest first."""
    errors = {}
    filters = {
        "kind": choice(params, "kind", ReportKind.values, errors),
        "status": choice(params, "status", RunStatus.values, errors),
    }
    if filters["kind"]:
        runs = runs.filter(kind=filters["kind"])
    if filters["status"]:
        runs = runs.filter(status=filters["status"])
    return Filtered(runs.order_by("-requested_at", "-id"), filters, errors)


def provider_quarterly_runs(user, provider):
    """The provider's quarterly reports this user may open (the reports page's archive)."""
    return visible_report_runs(user).filter(provider=provider, kind=ReportKind.QUARTERLY)


def provider_case_summaries(user, provider):
    """The provider's finished case summaries at the locations the user can see (read-only
    viewers find them on the reports page)."""
    return visible_report_runs(user).filter(
        provider=provider, kind=ReportKind.CASE, status=RunStatus.DONE
    )


def location_pack_runs(location):
    """Evidence packs at a location (anyone with a role there may open them)."""
    return ReportRun.objects.filter(location=location, kind=ReportKind.PACK)


def get_report_run_for_user(user, run_uuid) -> ReportRun:
    """Outsiders get 404; members of the provider without the right role get 403."""
    run = get_object_or_404(
        ReportRun.objects.filter(provider__in=visible_providers(user)).select_related(
            "provider", "location", "case", "requested_by"
        ),
        uuid=run_uuid,
    )
    if run.kind == ReportKind.CASE and not visible_cases(user).filter(pk=run.case_id).exists():
        raise PermissionDenied("You do not have a role at this case's location.")
    if (
        run.kind == ReportKind.PACK
        and not visible_locations(user).filter(pk=run.location_id).exists()
    ):
        raise PermissionDenied("You do not have a role at this pack's location.")
    if not can_see_run(user, run):
        raise PermissionDenied("Your role does not give you access to this report.")
    return run
