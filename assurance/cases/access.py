"""Fetchers for cases and indicators: outsiders 404, the wrong role 403."""

from django.shortcuts import get_object_or_404

from assurance.organisations.access import (
    attach_case_roles,
    require,
    roles_at_location,
    visible_locations,
)

from .models import ImprovementCase, Indicator


def visible_cases(user):
    return ImprovementCase.objects.filter(location__in=visible_locations(user))


def get_case_for_user(user, case_uuid, *, roles=None, queryset=None):
    """The case if the user holds any role at its location (404 otherwise); with `roles`,
    403 unless they hold one of them there."""
    queryset = queryset if queryset is not None else ImprovementCase.objects.all()
    case = get_object_or_404(
        queryset.filter(location__in=visible_locations(user)).select_related(
            "location__provider", "domain", "opened_by"
        ),
        uuid=case_uuid,
    )
    case.location.user_roles = roles_at_location(user, case.location)
    case.user_roles = case.location.user_roles
    require(case.user_roles, roles)
    return case


def get_indicator_for_user(user, indicator_uuid):
    indicator = get_object_or_404(
        Indicator.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain"
        ),
        uuid=indicator_uuid,
    )
    attach_case_roles(user, indicator.case)
    return indicator
