"""Fetchers for reviews and notifications: outsiders 404, the wrong role 403."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404

from assurance.organisations.access import (
    roles_at_location,
    roles_at_provider,
    visible_locations,
    visible_providers,
)

from .models import Notification, Review
from .services import can_review


def visible_reviews(user):
    """Monthly reviews follow their location, quarterly reviews their provider."""
    return Review.objects.filter(
        Q(location__in=visible_locations(user))
        | Q(location__isnull=True, provider__in=visible_providers(user))
    )


def get_review_for_user(user, review_uuid, *, act=False):
    """A review the user can see (404 otherwise); with act=True, one they may complete or
    skip (403 otherwise)."""

    review = get_object_or_404(
        visible_reviews(user).select_related(
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
    return get_object_or_404(Notification.objects.filter(user=user), uuid=notification_uuid)
