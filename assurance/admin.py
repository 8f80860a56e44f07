"""Where Django finds the app's admin classes. Each room registers its own."""

from .organisations import admin as organisations_admin  # noqa: F401
