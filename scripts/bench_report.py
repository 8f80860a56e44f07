"""Benchmark: the quarterly report for 10 locations x 10 cases x 30 evidence items.

Runs on PostgreSQL in a throw-away database (created and dropped here), prints the total
time, the queries spent gathering data, and the time WeasyPrint alone takes on the same
HTML, so the data-gathering overhead reads as a ratio; then the evidence index workbook's
time, and the process's peak RSS after each stage. One case in ten has a judgement above
the evidence, so the report shows some cases in full (the provider's summary layout).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assurance \
        .venv/bin/python scripts/bench_report.py [--locations 10 --cases 10 --evidence 30]

`--cases` is per location and `--evidence` per case; BENCH_DB names the throw-away database
(BENCH_KEEP=1 keeps it afterwards).
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LOCATIONS, CASES, EVIDENCE = 10, 10, 30
BENCH_DB = os.environ.get("BENCH_DB", "assurance_bench_report")


def _admin_dsn(url):
    parts = urlparse(url)
    return urlunparse(parts._replace(path="/postgres")), urlunparse(
        parts._replace(path=f"/{BENCH_DB}")
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=LOCATIONS)
    parser.add_argument("--cases", type=int, default=CASES, help="per location")
    parser.add_argument("--evidence", type=int, default=EVIDENCE, help="per case")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server (the benchmark creates its own database)."
        )
    import psycopg

    admin, bench = _admin_dsn(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = bench
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assurance.config.settings")
    os.environ.setdefault("DATA_DIR", str(ROOT / "var" / "bench"))
    try:
        run(args.locations, args.cases, args.evidence)
    finally:
        from django.db import connections

        connections.close_all()
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 leaves it, to profile
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')


def run(locations, cases_per_location, evidence_per_case):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assurance.cases.models import ImprovementCase, Indicator, Reading, StepRecord
    from assurance.judgement.models import ProportionalityJudgement
    from assurance.organisations.models import Location, Provider, Team
    from domains.models import Domain, EvidenceCategory
    from evidence.models import EvidenceItem, InfluenceLink
    from reports import rendering, services
    from reports.models import ReportRun
    from reports.periods import quarter_of

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    provider = Provider.objects.create(name="Benchmark Care", slug="bench")
    domain = Domain.objects.get(slug="governance")
    templates = list(domain.steps.order_by("number"))
    category = EvidenceCategory.objects.first()
    today = timezone.localdate()
    t0 = time.perf_counter()
    for li in range(locations):
        location = Location.objects.create(
            provider=provider,
            name=f"Location {li:02d}",
            cqc_location_id=f"1-9{li:09d}",
            service_type="care_home",
        )
        teams = Team.objects.bulk_create(
            Team(location=location, name=f"Team {t}") for t in range(5)
        )
        cases = ImprovementCase.objects.bulk_create(
            ImprovementCase(
                location=location,
                domain=domain,
                title=f"Case {li}-{ci}",
                baseline_issue="Baseline " * 20,
                improvement_began=date(2026, 1, 1),
                wider_areas=domain.default_wider_areas,
                opened_by=user,
                status="under_review",
                current_step=5,
            )
            for ci in range(cases_per_location)
        )
        StepRecord.objects.bulk_create(
            StepRecord(
                case=c,
                number=t.number,
                role=t.role,
                artefact_label=t.artefact_label,
                data={"summary": "Recorded text " * 15},
                completed_by=user,
                completed_at=timezone.now(),
            )
            for c in cases
            for t in templates
        )
        indicators = Indicator.objects.bulk_create(
            Indicator(
                case=c,
                name=f"Indicator {k}",
                unit="%",
                baseline=40,
                target=90,
                side="leadership" if k == 0 else "frontline",
                created_by=user,
            )
            for c in cases
            for k in range(2)
        )
        Reading.objects.bulk_create(
            Reading(
                indicator=ind,
                taken_on=today - timedelta(days=30 * m),
                value=50 + 5 * m,
                recorded_by=user,
            )
            for ind in indicators
            for m in range(6)
        )
        items = EvidenceItem.objects.bulk_create(
            EvidenceItem(
                case=c,
                step_number=1 + e % 5,
                source=["care_records", "audits", "feedback", "staff_practice"][e % 4],
                category=category,
                occurred_on=today - timedelta(days=e * 2),
                team=teams[e % 5],
                stance="supports" if e % 7 else "contradicts",
                summary="Evidence summary " * 6,
                created_by=user,
            )
            for c in cases
            for e in range(evidence_per_case)
        )
        links = InfluenceLink.objects.bulk_create(
            InfluenceLink(
                case=c, area=a, status="evidenced" if i % 2 == 0 else "assumed", created_by=user
            )
            for c in cases
            for i, a in enumerate(domain.default_wider_areas[:4])
        )
        through = InfluenceLink.evidence.through
        by_case = {}
        for item in items:
            by_case.setdefault(item.case_id, []).append(item)
        through.objects.bulk_create(
            through(influencelink_id=link.id, evidenceitem_id=by_case[link.case_id][0].id)
            for link in links
            if link.status == "evidenced"
        )
        ProportionalityJudgement.objects.bulk_create(
            ProportionalityJudgement(
                case=c,
                level="significant" if ci % 10 == 3 else "emerging",
                supportable_level="emerging",
                not_yet="Not yet",
                rationale="Because",
                recorded_by=user,
            )
            for ci, c in enumerate(cases)
        )
    print(
        f"Seeded {locations} locations x {cases_per_location} cases x {evidence_per_case} "
        f"evidence items in {time.perf_counter() - t0:.1f} s (peak RSS {_peak_mb():.0f} MB)"
    )

    quarter = quarter_of(today)
    run = ReportRun(
        kind="quarterly",
        provider=provider,
        quarter=quarter.label,
        data_cutoff=timezone.now(),
        requested_at=timezone.now(),
        requested_by=user,
    )
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        context, template = services.report_context(run)
    gathered = time.perf_counter()
    gathered_rss = _peak_mb()
    html = rendering.render_html(template, context)
    templated = time.perf_counter()
    pdf = rendering.render_pdf(html)
    done = time.perf_counter()
    pdf_rss = _peak_mb()
    if os.environ.get("BENCH_HTML_OUT"):
        Path(os.environ["BENCH_HTML_OUT"]).write_text(html, encoding="utf-8")
    # WeasyPrint alone on the same HTML, measured again separately
    w0 = time.perf_counter()
    rendering.render_pdf(html)
    weasy_only = time.perf_counter() - w0

    total = done - start
    print(f"Queries to gather the data: {len(ctx.captured_queries)}")
    print(
        f"Data gathering: {gathered - start:.2f} s; template: {templated - gathered:.2f} s; "
        f"PDF: {done - templated:.2f} s; total {total:.2f} s"
    )
    print(
        f"WeasyPrint alone on the same HTML: {weasy_only:.2f} s "
        f"(data + template overhead = {(total - weasy_only) / weasy_only:.0%} of it)"
    )
    print(
        f"PDF: {len(pdf) / 1024:.0f} KiB, HTML {len(html) / 1024:.0f} KiB, "
        f"{len(context['attention'])} cases in full; peak RSS after the data "
        f"{gathered_rss:.0f} MB, after the PDF {pdf_rss:.0f} MB"
    )
    x0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        rows = services.write_run_index(run, out)
        size = out.tell()
    print(
        f"Evidence index: {rows} rows in {time.perf_counter() - x0:.2f} s, "
        f"{size / 1024:.0f} KiB (peak RSS {_peak_mb():.0f} MB)"
    )


if __name__ == "__main__":
    main()
