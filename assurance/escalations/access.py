"""Fetcher for escalations: outsiders 404.

A case's escalation follows its location; a provider-wide one (raised at a quarterly
review) follows its provider, like the quarterly review itself. ``user_roles`` on the
escalation is what the rules ask: roles at the case's location, or provider-wide roles.
"""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from assurance.organisations.access import (
    attach_case_roles,
    roles_at_provider,
    visible_locations,
    visible_providers,
)

from .models import Escalation


def visible_escalations(user):
    return Escalation.objects.filter(
        Q(case__location__in=visible_locations(user))
        | Q(case__isnull=True, provider__in=visible_providers(user))
    )


def get_escalation_for_user(user, escalation_uuid):
    escalation = get_object_or_404(
        visible_escalations(user).select_related(
            "case__location__provider", "case__domain", "provider", "owner", "raised_by"
        ),
        uuid=escalation_uuid,
    )
    if escalation.case_id:
        attach_case_roles(user, escalation.case)
        escalation.user_roles = escalation.case.user_roles
    else:
        escalation.user_roles = roles_at_provider(user, escalation.provider)
    return escalation
