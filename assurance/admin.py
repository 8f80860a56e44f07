"""Where Django finds the app's admin classes. Each room registers its own."""

from .cases import admin as cases_admin  # noqa: F401
from .escalations import admin as escalations_admin  # noqa: F401
from .judgement import admin as judgement_admin  # noqa: F401
from .organisations import admin as organisations_admin  # noqa: F401
from .rating import admin as rating_admin  # noqa: F401
from .reviews import admin as reviews_admin  # noqa: F401
