"""Fetcher for escalations: outsiders 404."""

from django.shortcuts import get_object_or_404

from assurance.organisations.access import attach_case_roles, visible_locations

from .models import Escalation


def get_escalation_for_user(user, escalation_uuid):
    escalation = get_object_or_404(
        Escalation.objects.filter(case__location__in=visible_locations(user)).select_related(
            "case__location__provider", "case__domain", "owner", "raised_by"
        ),
        uuid=escalation_uuid,
    )
    attach_case_roles(user, escalation.case)
    return escalation
