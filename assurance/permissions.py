"""Every object a view touches is fetched through these helpers.

Outsiders get 404 (we do not confirm that another provider's object exists); members whose
role does not allow the action get 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from . import roles as r
from .models import Location, Membership, Provider, Team


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


def roles_at_location(user, location) -> frozenset:
    """Roles the user holds at the location, counting provider-wide roles."""
    rows = _current(user).filter(
        Q(location=location) | Q(location__isnull=True, provider_id=location.provider_id)
    )
    return frozenset(r.Role(role) for role in rows.values_list("role", flat=True))


def roles_at_provider(user, provider) -> frozenset:
    """Provider-wide roles only (a Registered Manager is not provider-wide)."""
    rows = _current(user).filter(provider=provider, location__isnull=True)
    return frozenset(r.Role(role) for role in rows.values_list("role", flat=True))


def _require(held, allowed):
    if allowed is not None and not (set(held) & set(allowed)):
        raise PermissionDenied("Your role here does not allow this.")


def get_provider_for_user(user, slug, *, roles=None) -> Provider:
    provider = get_object_or_404(visible_providers(user), slug=slug)
    provider.user_roles = roles_at_provider(user, provider)
    _require(provider.user_roles, roles)
    return provider


def get_location_for_user(user, location_uuid, *, roles=None) -> Location:
    location = get_object_or_404(
        visible_locations(user).select_related("provider"), uuid=location_uuid
    )
    location.user_roles = roles_at_location(user, location)
    _require(location.user_roles, roles)
    return location


def get_team_for_user(user, team_uuid, *, roles=None) -> Team:
    team = get_object_or_404(
        Team.objects.filter(location__in=visible_locations(user)).select_related(
            "location__provider"
        ),
        uuid=team_uuid,
    )
    team.location.user_roles = roles_at_location(user, team.location)
    _require(team.location.user_roles, roles)
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
        if not r.can_manage_members(held) or membership.role not in r.grantable_roles(held):
            raise PermissionDenied("Your role does not allow you to change this membership.")
    return membership


def visible_cases(user):
    from .models import ImprovementCase

    return ImprovementCase.objects.filter(location__in=visible_locations(user))


def get_case_for_user(user, case_uuid, *, roles=None, queryset=None):
    """The case if the user holds any role at its location (404 otherwise); with `roles`,
    403 unless they hold one of them there."""
    from .models import ImprovementCase

    queryset = queryset if queryset is not None else ImprovementCase.objects.all()
    case = get_object_or_404(
        queryset.filter(location__in=visible_locations(user)).select_related(
            "location__provider", "domain", "opened_by"
        ),
        uuid=case_uuid,
    )
    case.location.user_roles = roles_at_location(user, case.location)
    case.user_roles = case.location.user_roles
    _require(case.user_roles, roles)
    return case


def get_indicator_for_user(user, indicator_uuid):
    from .models import Indicator

    indicator = get_object_or_404(
        Indicator.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain"
        ),
        uuid=indicator_uuid,
    )
    indicator.case.user_roles = roles_at_location(user, indicator.case.location)
    indicator.case.location.user_roles = indicator.case.user_roles
    return indicator


def get_evidence_item_for_user(user, item_uuid):
    from evidence.models import EvidenceItem

    item = get_object_or_404(
        EvidenceItem.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain"
        ),
        uuid=item_uuid,
    )
    item.case.user_roles = roles_at_location(user, item.case.location)
    item.case.location.user_roles = item.case.user_roles
    return item


def get_evidence_file_for_user(user, file_uuid):
    from evidence.models import EvidenceFile

    return get_object_or_404(
        EvidenceFile.objects.filter(item__case__location__in=visible_locations(user)),
        uuid=file_uuid,
    )


def get_escalation_for_user(user, escalation_uuid):
    from .models import Escalation

    escalation = get_object_or_404(
        Escalation.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain", "owner", "raised_by"
        ),
        uuid=escalation_uuid,
    )
    escalation.case.user_roles = roles_at_location(user, escalation.case.location)
    escalation.case.location.user_roles = escalation.case.user_roles
    return escalation


def get_review_for_user(user, review_uuid, *, act=False):
    """A review the user can see (404 otherwise); with act=True, one they may complete or
    skip (403 otherwise). Monthly reviews follow their location, quarterly their provider."""
    from .models import Review
    from .review_services import can_review

    review = get_object_or_404(
        Review.objects.filter(
            Q(location__in=visible_locations(user))
            | Q(location__isnull=True, provider__in=visible_providers(user))
        ).select_related(
            "case__location__provider", "case__domain", "provider", "location", "completed_by"
        ),
        uuid=review_uuid,
    )
    if review.location_id:
        review.user_roles = roles_at_location(user, review.location)
    else:
        review.user_roles = roles_at_provider(user, review.provider)
    if act and not can_review(review, review.user_roles):
        raise PermissionDenied("Your role here does not allow you to complete this review.")
    return review


def get_notification_for_user(user, notification_uuid):
    """Notifications are personal: anyone else's is a 404."""
    from .models import Notification

    return get_object_or_404(Notification.objects.filter(user=user), uuid=notification_uuid)
