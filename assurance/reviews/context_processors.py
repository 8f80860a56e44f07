from django.utils.functional import SimpleLazyObject

from assurance.reviews.models import Notification


def notifications(request):
    """The unread count for the bell in the page header: one COUNT query, and only when a
    page actually shows it (fragments and anonymous pages cost nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
