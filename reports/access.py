from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from assurance.cases.access import visible_cases
from assurance.organisations.access import roles_at_location, roles_at_provider, visible_providers
from assurance.organisations.permissions import LOCATION_REPORT_ROLES, QUARTERLY_REPORT_ROLES

from .models import ReportKind, ReportRun


def can_see_run(user, run) -> bool:
    if run.kind == ReportKind.CASE:
        return True  # anyone who can see the case (checked by the queryset)
    if run.location_id:
        return bool(LOCATION_REPORT_ROLES & roles_at_location(user, run.location))
    return bool(QUARTERLY_REPORT_ROLES & roles_at_provider(user, run.provider))


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
    if not can_see_run(user, run):
        raise PermissionDenied("Your role does not give you access to this report.")
    return run
