from django.apps import AppConfig


class AssuranceConfig(AppConfig):
    name = "assurance"
    verbose_name = "Organisations, roles and improvement cases"

    def ready(self):
        from .config import checks  # noqa: F401 - registers the production checks
