"""Where Django finds the app's models. Each room defines its own; nothing is defined here."""

from .cases.models import *  # noqa: F403
from .casework.models import *  # noqa: F403
from .escalations.models import *  # noqa: F403
from .judgement.models import *  # noqa: F403
from .organisations.models import *  # noqa: F403
from .rating.models import *  # noqa: F403
from .reviews.models import *  # noqa: F403
