from rest_framework.permissions import BasePermission

from assurance.organisations.models import Membership


class HoldsACurrentRole(BasePermission):
    """Read on every request: ending someone's last role ends their API access at once
    (and ending one role narrows what they see, through the same fetchers as the pages)."""

    message = "You hold no current role anywhere, so there is nothing you can read."

    def has_permission(self, request, view):
        return Membership.objects.current().filter(user=request.user).exists()
