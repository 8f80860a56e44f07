"""Optimistic locking: a save based on an out-of-date form is refused, never merged."""

from django.utils import timezone


class StaleEdit(Exception):  # noqa: N818 - reads better at call sites
    """Someone else saved this record after the form was opened."""

    def __init__(self, current, message):
        super().__init__(message)
        self.current = current


def stale_message(obj, what):
    who = getattr(obj, "updated_by", None) or getattr(obj, "completed_by", None)
    when = getattr(obj, "updated_at", None)
    by = f" by {who.get_full_name() or who.get_username()}" if who else ""
    at = f" at {timezone.localtime(when):%H:%M on %d %b %Y}" if when else ""
    return (
        f"{what} was changed{by}{at} after you opened it. Your changes were not saved: "
        "the current version is shown below. Copy anything you need, then try again."
    )
