"""Where Celery's autodiscovery finds the app's tasks. Each room defines its own."""

from .organisations.tasks import *  # noqa: F403
from .reviews.tasks import *  # noqa: F403
