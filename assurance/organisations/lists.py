"""The members lists on the location and provider pages, for the pages and their exports."""

from .models import Membership


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
