from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assurance.demo import loader as demo


class Command(BaseCommand):
    help = "Create the demo provider, locations, teams and one user per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: this looks like production. "
                "Re-run with --force if you really mean it."
            )
        result = demo.seed()
        if result.created:
            self.stdout.write(f"Created {len(result.created)} demo rows.")
        else:
            self.stdout.write("Demo data already present: nothing changed.")
        self.stdout.write(
            f"Demo logins (password for all: {demo.DEMO_PASSWORD}): quality.lead, "
            "registered.manager, deputy.manager, team.leader, operations.manager, "
            "senior.leader, viewer, homecare.manager; outsider belongs to another provider."
        )
