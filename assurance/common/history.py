"""Who made a change, for django-simple-history, also outside a web request.

In a request the signed-in user is recorded (HistoryRequestMiddleware). Services called from
commands, tasks or the demo seed run under `records_actor`, so history still names the
person the change was made for rather than "System".
"""

import functools
import threading
from contextlib import contextmanager

_local = threading.local()


@contextmanager
def acting_as(user):
    previous = getattr(_local, "user", None)
    _local.user = user
    try:
        yield
    finally:
        _local.user = previous


def get_history_user(instance=None, request=None, **kwargs):
    user = getattr(_local, "user", None)
    if user is not None:
        return user
    if request is not None and getattr(request, "user", None) and request.user.is_authenticated:
        return request.user
    return None


def records_actor(func):
    """Run a service with its keyword `actor` recorded as the history user."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with acting_as(kwargs.get("actor")):
            return func(*args, **kwargs)

    return wrapper
