import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assurance.demo import scale


class Command(BaseCommand):
    help = (
        "Create a large care group (locations, teams, cases, evidence, reviews) for "
        "benchmarks, with the demo people holding their roles at every location (idempotent)."
    )

    def add_arguments(self, parser):
        defaults = scale.Size()
        parser.add_argument("--locations", type=int, default=defaults.locations)
        parser.add_argument("--cases", type=int, default=defaults.cases)
        parser.add_argument("--evidence", type=int, default=defaults.evidence)
        parser.add_argument("--reviews", type=int, default=defaults.reviews)
        parser.add_argument("--provider", default=scale.DEFAULT_SLUG, help="The provider's slug.")
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load scale data with DEBUG off: this looks like production. "
                "Re-run with --force if you really mean it."
            )
        size = scale.Size(
            locations=options["locations"],
            cases=options["cases"],
            evidence=options["evidence"],
            reviews=options["reviews"],
        )
        for name, value in vars(size).items():
            if value < 0 or (name == "locations" and value < 1):
                raise CommandError(f"--{name} must be a positive number.")
        started = time.perf_counter()
        step = max(size.locations // 10, 1)

        def progress(done, total):
            if done % step == 0 or done == total:
                self.stdout.write(f"  {done} of {total} locations")

        try:
            result = scale.seed_scale(slug=options["provider"], size=size, progress=progress)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if result.total:
            self.stdout.write(
                f"Created {result.total:,} rows for {result.provider} in {elapsed:.0f} s "
                f"({result.skipped_locations} locations were already there)."
            )
            for label, n in sorted(result.created.items()):
                self.stdout.write(f"  {label}: {n:,}")
        else:
            self.stdout.write(f"Scale data for {result.provider} already present: nothing changed.")
