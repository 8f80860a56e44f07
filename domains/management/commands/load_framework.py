"""manage.py load_framework FILE.json [--dry-run]: validate and load a framework version."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from domains.framework_file import FrameworkFileError, read, summary
from domains.loaders import check_framework_data, load_framework_data


class Command(BaseCommand):
    help = (
        "Validate a framework version file and load it (see README, Framework files). "
        "Every error names its place in the file; nothing is written unless the file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the framework file (JSON)")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and say what would load; write nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            data = read(file)
            if dry_run:
                unchanged, _ = check_framework_data(apps, data)
            else:
                framework, created = load_framework_data(apps, data)
                unchanged = not created
        except FrameworkFileError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{file}: {len(exc.errors)} error(s); nothing was loaded") from exc
        if unchanged:
            self.stdout.write(
                f'Framework "{data["slug"]}" is already loaded from this file; nothing to do.'
            )
        elif dry_run:
            self.stdout.write(f"Dry run, nothing written. Would create {summary(data)}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Loaded {summary(data)}."))
