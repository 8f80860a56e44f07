"""Fetching providers, locations, teams and memberships for a user, and what the other
rooms' fetchers are built on.

Outsiders get 404 (we do not confirm that another provider's object exists); members whose
role does not allow the action get 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from domains.roles import Role

from .models import Location, Membership, Provider, Team
from .permissions import can_manage_members, grantable_roles


def _current(user):
    return Membership.objects.current().filter(user=user)


def visible_providers(user):
    if not user.is_authenticated:
        return Provider.objects.none()
    return Provider.objects.filter(id__in=_current(user).values("provider_id"))


def visible_locations(user):
    if not user.is_authenticated:
        return Location.objects.none()
    mine = _current(user)
    return Location.objects.filter(
        Q(id__in=mine.filter(location__isnull=False).values("location_id"))
        | Q(provider_id__in=mine.filter(location__isnull=True).values("provider_id"))
    )


def locations_with_role(user, roles):
    """Locations where the user holds one of `roles`, there or provider-wide (the same rule
    as `roles_at_location`, as one queryset)."""
    if not user.is_authenticated:
        return Location.objects.none()
    mine = _current(user).filter(role__in=roles)
    return Location.objects.filter(
        Q(id__in=mine.filter(location__isnull=False).values("location_id"))
        | Q(provider_id__in=mine.filter(location__isnull=True).values("provider_id"))
    )


def providers_with_role(user, roles):
    """Providers where the user holds one of `roles` provider-wide (as `roles_at_provider`)."""
    if not user.is_authenticated:
        return Provider.objects.none()
    rows = _current(user).filter(role__in=roles, location__isnull=True)
    return Provider.objects.filter(id__in=rows.values("provider_id"))


def roles_at_location(user, location) -> frozenset:
    """Roles the user holds at the location, counting provider-wide roles."""
    rows = _current(user).filter(
        Q(location=location) | Q(location__isnull=True, provider_id=location.provider_id)
    )
    return frozenset(Role(role) for role in rows.values_list("role", flat=True))


def roles_at_locations(user, locations) -> dict:
    """{location id: roles} for several locations in one query (the rule of
    `roles_at_location`, for lists)."""
    locations = list(locations)
    rows = _current(user).filter(
        Q(location__in=locations)
        | Q(location__isnull=True, provider_id__in={loc.provider_id for loc in locations})
    )
    held = {}
    for location_id, provider_id, role in rows.values_list("location_id", "provider_id", "role"):
        held.setdefault((location_id, provider_id), set()).add(Role(role))
    return {
        loc.id: frozenset(held.get((loc.id, loc.provider_id), set()))
        | frozenset(held.get((None, loc.provider_id), set()))
        for loc in locations
    }


def roles_at_provider(user, provider) -> frozenset:
    """Provider-wide roles only (a Registered Manager is not provider-wide)."""
    rows = _current(user).filter(provider=provider, location__isnull=True)
    return frozenset(Role(role) for role in rows.values_list("role", flat=True))


def require(held, allowed):
    if allowed is not None and not (set(held) & set(allowed)):
        raise PermissionDenied("Your role here does not allow this.")


def get_provider_for_user(user, slug, *, roles=None) -> Provider:
    provider = get_object_or_404(visible_providers(user), slug=slug)
    provider.user_roles = roles_at_provider(user, provider)
    require(provider.user_roles, roles)
    return provider


def get_location_for_user(user, location_uuid, *, roles=None) -> Location:
    location = get_object_or_404(
        visible_locations(user).select_related("provider"), uuid=location_uuid
    )
    location.user_roles = roles_at_location(user, location)
    require(location.user_roles, roles)
    return location


def get_team_for_user(user, team_uuid, *, roles=None) -> Team:
    team = get_object_or_404(
        Team.objects.filter(location__in=visible_locations(user)).select_related(
            "location__provider"
        ),
        uuid=team_uuid,
    )
    team.location.user_roles = roles_at_location(user, team.location)
    require(team.location.user_roles, roles)
    return team


def get_membership_for_user(user, membership_uuid, *, manage=False) -> Membership:
    """A membership row the user can see; with manage=True, one they may end."""
    locations = visible_locations(user)
    membership = get_object_or_404(
        Membership.objects.filter(
            Q(location__in=locations)
            | Q(location__isnull=True, provider__in=visible_providers(user))
        ).select_related("user", "provider", "location"),
        uuid=membership_uuid,
    )
    if manage:
        if membership.location_id:
            held = roles_at_location(user, membership.location)
        else:
            held = roles_at_provider(user, membership.provider)
        if not can_manage_members(held) or membership.role not in grantable_roles(held):
            raise PermissionDenied("Your role does not allow you to change this membership.")
    return membership


def attach_case_roles(user, case):
    """Set `user_roles` on a fetched case and its location (what templates and services ask)."""
    case.user_roles = roles_at_location(user, case.location)
    case.location.user_roles = case.user_roles
    return case
