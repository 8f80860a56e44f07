from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from assurance.config.checks import PRODUCTION_CHECKS, TAG


class Command(BaseCommand):
    help = (
        "Check that this set-up is ready for production on more than one server: settings, "
        "database, task queue, email and file storage. Lists what to fix in plain words and "
        "exits with status 1 while anything is wrong. (`check --deploy` runs the same checks "
        "with Django's own.)"
    )

    def handle(self, *args, **options):
        problems = checks.run_checks(tags=[TAG], include_deployment_checks=True)
        if not problems:
            self.stdout.write(
                self.style.SUCCESS(f"All production checks passed ({len(PRODUCTION_CHECKS)}).")
            )
            return
        count = "1 thing" if len(problems) == 1 else f"{len(problems)} things"
        self.stdout.write(f"{count} to fix before production:\n")
        for problem in problems:
            self.stdout.write(self.style.ERROR(f"- {problem.msg}"))
            if problem.hint:
                self.stdout.write(f"  {problem.hint}")
        raise CommandError(
            "This set-up is not ready for production (see the list above).", returncode=1
        )
