from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The read-only API. It may import from every room; nothing imports it."""

    name = "api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from . import schema  # noqa: F401 - registers the token scheme with drf-spectacular
