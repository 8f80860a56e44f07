"""The rows the escalation lists show, for the pages, their exports and the API."""

from django.db.models import Q

from assurance.common.lists import Filtered, choice
from assurance.organisations.access import visible_locations

from .models import Escalation

STATUS_FILTERS = {"active": "Open and in progress", "overdue": "Overdue", "all": "All"}


def location_escalations(location):
    return Escalation.objects.filter(case__location=location)


def provider_escalations(user, provider):
    """The provider's escalations at the locations the user can see, and its provider-wide
    ones (raised from a quarterly review)."""
    return Escalation.objects.filter(
        Q(case__location__in=visible_locations(user).filter(provider=provider))
        | Q(case__isnull=True, provider=provider)
    )


def filter_escalations(escalations, params) -> Filtered:
    """Open and in progress (the default), overdue, or all; soonest due first."""
    errors = {}
    status = choice(params, "status", STATUS_FILTERS, errors, default="active")
    if status == "active":
        escalations = escalations.active()
    elif status == "overdue":
        escalations = escalations.overdue()
    rows = (
        escalations.with_overdue_flag()
        .select_related("case__location", "provider", "owner")
        .order_by("due_on", "id")
    )
    return Filtered(rows, {"status": status}, errors)
