"""Benchmark the reminder sweep on PostgreSQL: 10,000 due reviews, one sweep.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assurance \\
        .venv/bin/python scripts/bench_reminders.py [--reviews 10000] [--locations 100] \\
            [--profile] [--keep]

Works in a database of its own (the DATABASE_URL name + "_reminders_bench"), created,
migrated and dropped by this script, so the real database is never touched. Bulk-creates the reviews
across the locations (one Registered Manager each, one Senior Leader for the provider),
analyses the tables (as autovacuum would have), then times the sweep (claiming the ledger
rows) and the delivery of every digest with the
in-memory email backend, counting queries for each (and the most queries any one digest
took). A second sweep shows the re-run cost. --profile prints where the delivery spends its
time (cProfile); --keep leaves the database in place for EXPLAIN.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bench_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1/x")
    name = parts.path.lstrip("/") + "_reminders_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{name}")), name, admin


def _admin(admin_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def _seed(n_reviews: int, n_locations: int) -> None:
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from assurance.cases.models import ImprovementCase
    from assurance.organisations.models import Location, Membership, Provider
    from assurance.reviews import cadence as reviews
    from assurance.reviews import services as review_services
    from assurance.reviews.models import Review, ReviewKind
    from domains.models import Domain
    from domains.roles import Role

    user_model = get_user_model()
    provider = Provider.objects.create(name="Bench Care", slug="bench-care")
    opener = user_model.objects.create(username="bench.opener", email="opener@example.org")
    leader = user_model.objects.create(username="bench.leader", email="leader@example.org")
    Membership.objects.create(user=leader, provider=provider, role=Role.SENIOR_LEADER)
    locations = Location.objects.bulk_create(
        Location(
            provider=provider,
            name=f"Bench location {i}",
            cqc_location_id=f"1-{900000000 + i}",
            service_type="care_home",
        )
        for i in range(n_locations)
    )
    managers = user_model.objects.bulk_create(
        user_model(username=f"bench.manager{i}", email=f"manager{i}@example.org")
        for i in range(n_locations)
    )
    Membership.objects.bulk_create(
        Membership(user=m, provider=provider, location=loc, role=Role.REGISTERED_MANAGER)
        for m, loc in zip(managers, locations, strict=True)
    )
    domain = Domain.objects.order_by("id").first()
    cases = ImprovementCase.objects.bulk_create(
        (
            ImprovementCase(
                location=locations[i % n_locations],
                domain=domain,
                title=f"Bench case {i}",
                baseline_issue="Benchmark",
                improvement_began=date(2026, 1, 1),
                opened_by=opener,
            )
            for i in range(n_reviews)
        ),
        batch_size=2000,
    )
    today = timezone.localdate()
    cadence = review_services.cadence(ReviewKind.MONTHLY)
    rows = []
    for i, case in enumerate(cases):
        # Spread over every stage: due in 7 days ... overdue by a month.
        due_on = today + timedelta(days=7 - i % 38)
        period = reviews.period_containing(cadence, due_on)
        rows.append(
            review_services.review_for_period(
                kind=ReviewKind.MONTHLY,
                provider_id=provider.id,
                location_id=case.location_id,
                case=case,
                period=period,
                due_on=due_on,
            )
        )
    Review.objects.bulk_create(rows, batch_size=2000)


def _timed(label, func):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:8.3f} s {len(ctx.captured_queries):7d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--locations", type=int, default=100)
    parser.add_argument("--profile", action="store_true", help="Profile the delivery.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench uses a copy of its name).")
    bench_url, bench_name, admin_url = _bench_url(url)
    os.environ.update(
        {
            "DATABASE_URL": bench_url,
            "DJANGO_SETTINGS_MODULE": "assurance.config.settings",
            "EMAIL_URL": "memorymail://",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "0",
        }
    )
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}"')
    _admin(admin_url, f'CREATE DATABASE "{bench_name}"')
    try:
        import django

        django.setup()
        from django.core import mail
        from django.core.management import call_command
        from django.db import connections

        from assurance.reviews import reminders
        from assurance.reviews.models import ReminderDelivery

        mail.outbox = []
        print(f"Database {bench_name}: migrating...")
        call_command("migrate", verbosity=0)
        print(f"Creating {args.reviews:,} due reviews at {args.locations} locations...")
        _seed(args.reviews, args.locations)
        # A live database has statistics (autovacuum keeps them); without them the planner
        # takes the freshly bulk-loaded tables for empty and picks nested loops.
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")

        swept = _timed("sweep (claim ledger rows)", reminders.sweep)

        per_digest = []

        def deliver_all():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            results = []
            for r in swept.recipients:
                with CaptureQueriesContext(connection) as ctx:
                    results.append(reminders.deliver_to(recipient_id=r))
                per_digest.append(len(ctx.captured_queries))
            return results

        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
        deliveries = _timed(f"deliver {len(swept.recipients)} digests", deliver_all)
        if args.profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        print(f"{'queries per digest (most)':<34} {max(per_digest, default=0):>18d}")
        again = _timed("second sweep (nothing new)", reminders.sweep)
        sent = sum(len(d.sent) for d in deliveries)
        print(
            f"\n{args.reviews:,} reviews -> {swept.claimed:,} ledger rows claimed for "
            f"{len(swept.recipients)} people; {len(mail.outbox)} emails carrying {sent:,} "
            f"reminders; second sweep claimed {again.claimed}; ledger rows now "
            f"{ReminderDelivery.objects.count():,}."
        )
        connections.close_all()
    finally:
        if args.keep:
            print(f"Kept database {bench_name}.")
        else:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
