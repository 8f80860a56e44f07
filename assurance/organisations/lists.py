"""The members lists on the location and provider pages (for the pages and their exports),
and the filters of the location and team lists (the API's)."""

from assurance.common.lists import Filtered, choice

from .models import Membership, ServiceType, TeamKind


def location_members(location):
    return (
        Membership.objects.current()
        .filter(location=location)
        .select_related("user", "provider", "location")
        .order_by("role", "user__last_name", "user__username")
    )


def provider_members(provider):
    """Provider-wide roles only (Senior Leaders, provider-wide viewers)."""
    return (
        Membership.objects.current()
        .filter(provider=provider, location__isnull=True)
        .select_related("user", "provider")
        .order_by("role", "user__last_name", "user__username")
    )


TEAM_STATUS_FILTERS = {"active", "archived", "all"}
BOOLEAN = {"true": True, "false": False}


def filter_locations(locations, params) -> Filtered:
    """Service type and whether active (active only by default)."""
    errors = {}
    filters = {
        "service_type": choice(params, "service_type", ServiceType.values, errors),
        "active": choice(params, "active", BOOLEAN, errors, default="true"),
    }
    if filters["service_type"]:
        locations = locations.filter(service_type=filters["service_type"])
    locations = locations.filter(is_active=BOOLEAN[filters["active"]])
    return Filtered(locations.order_by("provider__name", "name", "id"), filters, errors)


def filter_teams(teams, params) -> Filtered:
    """Active (the default, as the location page lists them), archived or all; and kind."""
    errors = {}
    filters = {
        "status": choice(params, "status", TEAM_STATUS_FILTERS, errors, default="active"),
        "kind": choice(params, "kind", TeamKind.values, errors),
    }
    if filters["status"] == "active":
        teams = teams.active()
    elif filters["status"] == "archived":
        teams = teams.filter(archived_at__isnull=False)
    if filters["kind"]:
        teams = teams.filter(kind=filters["kind"])
    return Filtered(teams.order_by("location__name", "name", "id"), filters, errors)
