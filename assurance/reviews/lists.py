"""The rows the review lists show, for the pages, their exports and the API."""

from django.db.models import Q

from assurance.common.lists import Filtered, choice
from assurance.organisations.access import visible_locations

from .models import Review, ReviewKind, ReviewStatus

# "overdue" is not stored: a due review past its due date.
STATUS_FILTERS = {*ReviewStatus.values, "overdue"}


def location_reviews(location):
    """A location's monthly reviews."""
    return Review.objects.filter(location=location)


def provider_quarterly_reviews(provider):
    return Review.objects.filter(provider=provider, kind=ReviewKind.QUARTERLY)


def provider_monthly_due(user, provider):
    """Monthly reviews outstanding at the provider's locations the user can see."""
    return Review.objects.due().filter(
        kind=ReviewKind.MONTHLY,
        location__in=visible_locations(user).filter(provider=provider),
    )


def provider_reviews(user, provider):
    """Both lists the provider's review page shows, as one set of rows (its export)."""
    quarterly = provider_quarterly_reviews(provider).values("id")
    monthly = provider_monthly_due(user, provider).values("id")
    return Review.objects.filter(Q(id__in=quarterly) | Q(id__in=monthly))


def with_list_data(reviews):
    return reviews.select_related("case", "location", "provider", "completed_by")


def filter_reviews(reviews, params) -> Filtered:
    """Kind and state (due, overdue, completed, skipped); outstanding first, soonest due."""
    errors = {}
    filters = {
        "kind": choice(params, "kind", ReviewKind.values, errors),
        "status": choice(params, "status", STATUS_FILTERS, errors),
    }
    if filters["kind"]:
        reviews = reviews.filter(kind=filters["kind"])
    if filters["status"] == "overdue":
        reviews = reviews.overdue()
    elif filters["status"]:
        reviews = reviews.filter(status=filters["status"])
    return Filtered(reviews.due_first(), filters, errors)
