from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from assurance.organisations.models import Membership
from assurance.organisations.permissions import REMINDER_ROLES
from assurance.reviews.models import Notification


def _header(user) -> dict:
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("id"))
        .values("n")
    )
    ledger = Membership.objects.current().filter(user=OuterRef("pk"), role__in=REMINDER_ROLES)
    return (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(unread=Coalesce(Subquery(unread), 0), reminders=Exists(ledger))
        .get()
    )


def notifications(request):
    """The unread count for the bell in the page header, and whether the header offers the
    reminder ledger (only to the roles that can see one): one query for both, and only when
    a page actually shows them (fragments and anonymous pages cost nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    header = SimpleLazyObject(lambda: _header(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: header["unread"]),
        "nav_reminders": SimpleLazyObject(lambda: header["reminders"]),
    }
