"""Benchmark the main pages and the quarterly report at scale, on PostgreSQL, with
production settings (DEBUG off).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assurance \\
        .venv/bin/python scripts/bench_scale.py [--locations 200] [--cases 5000] \\
            [--evidence 100000] [--reviews 14000] [--pages-only | --skip-report] [--fresh]

Works in a database of its own (the DATABASE_URL name + "_scale_bench"): created, migrated
and seeded with `seed_scale` when missing, then VACUUM ANALYZE (as autovacuum would have
done), and kept for the next run, which reuses the data (seeding is idempotent; --fresh
drops the database first).

Pages: each is requested through the test client as the person who would read it, once to
warm up and then REPEAT times; printed are its queries, the SQL time (sum of the queries'
times, median), the server time (median) and the HTML size, next to the Django admin
changelist of the same cases measured the same way in the same run, with each page's ratio
to it.

Report: the quarterly report for the whole provider is rendered in a child process (data,
template and PDF seconds, page count, the child's peak RSS read from its ru_maxrss, and
how many cases it shows in full, by reason),
then WeasyPrint alone on the same HTML in another child, and the evidence index workbook
(XLSX) in a third when reports offers one. Each child has an address-space limit
(--max-report-gb) and a time limit, so a report that runs away is stopped and said so.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "scale-care"
REPEAT = 5
# The reports' public functions this calls, by name, so a rename at merge is one line here:
# the report's data (provider, quarter) -> context, the template key in
# reports.rendering.TEMPLATES, and the evidence index workbook, called as
# function(provider, quarter, target) with `target` a writable binary file (another change
# is adding it to reports/; skipped with a message while it is missing).
REPORT_DATA = "reports.quarterly:quarterly_summary_data"
REPORT_TEMPLATE = "quarterly_summary"
XLSX_FUNCTION = "reports.evidence_index:write_index"


def _function(dotted):
    import importlib

    module, name = dotted.split(":")
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _bench_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1/x")
    name = parts.path.lstrip("/") + "_scale_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{name}")), name, admin


def _admin(admin_url: str, sql: str, params=None):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def _environment(bench_url: str) -> dict:
    """Production settings, with what a test client and an uncollected static tree need."""
    return {
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "assurance.config.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        # No collectstatic here: plain static storage instead of the manifest (a dict
        # lookup either way).
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "ERROR",
        "CONN_MAX_AGE": "0",
        "DATA_DIR": os.environ.get("DATA_DIR", str(ROOT / "var" / "bench-scale")),
    }


# --- seeding -------------------------------------------------------------------------------


def _progress(done, total):
    if done == total or done % max(total // 10, 1) == 0:
        print(f"  seeded {done} of {total} locations", flush=True)


def _seed(args):
    from django.core.management import call_command

    from assurance.demo import scale

    print("Migrating...")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    result = scale.seed_scale(
        slug=SLUG,
        size=scale.Size(
            locations=args.locations,
            cases=args.cases,
            evidence=args.evidence,
            reviews=args.reviews,
        ),
        progress=_progress,
    )
    took = time.perf_counter() - started
    if result.total:
        print(f"Seeded {result.total:,} rows in {took:.0f} s.")
        # What autovacuum would have done by the time anyone reads the data: without it the
        # planner knows nothing of the new rows' statistics.
        from django.db import connection

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s.")
    else:
        print(f"Scale data already there ({result.skipped_locations} locations): reused.")
    return result.provider


# --- pages ---------------------------------------------------------------------------------


def _measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url, secure=True)  # warm-up
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}"}
    server, sql, queries, size = [], [], 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, secure=True)
            server.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(q["time"]) for q in ctx.captured_queries) * 1000)
        queries, size = len(ctx.captured_queries), len(response.content)
    return {
        "queries": queries,
        "sql_ms": statistics.median(sql),
        "server_ms": statistics.median(server),
        "kb": size / 1024,
    }


def _pages(provider):
    """(label, username, url) for every main page, as the person who reads it."""
    from django.urls import NoReverseMatch, reverse

    from assurance.demo import scale

    location = provider.locations.order_by("cqc_location_id").first()
    case = scale.big_case(provider)
    wanted = [
        ("Home (Registered Manager)", "registered.manager", "organisations:home", []),
        ("My work (Registered Manager)", "registered.manager", "casework:my_work", []),
        ("My work (Senior Leader)", "senior.leader", "casework:my_work", []),
        ("Provider overview", "senior.leader", "organisations:provider_detail", [provider.slug]),
        ("Location overview", "registered.manager", "organisations:location_detail",
         [location.uuid]),
        ("Provider cases", "senior.leader", "casework:provider_cases", [provider.slug]),
        ("Location cases", "registered.manager", "casework:location_cases", [location.uuid]),
        (f"Case page ({case.evidence.count()} evidence)", "registered.manager",
         "casework:case_detail", [case.uuid]),
        ("Rating picture", "registered.manager", "rating:location_rating", [location.uuid]),
        ("Provider reviews", "senior.leader", "reviews:provider_reviews", [provider.slug]),
        ("Location reviews", "registered.manager", "reviews:location_reviews", [location.uuid]),
        ("Provider escalations", "senior.leader", "escalations:provider_escalations",
         [provider.slug]),
        ("Location escalations", "registered.manager", "escalations:location_escalations",
         [location.uuid]),
        ("Reminders", "registered.manager", "reviews:reminders_home", []),
        ("Provider reminders", "senior.leader", "reviews:provider_reminders", [provider.slug]),
        ("Notifications", "registered.manager", "reviews:notification_list", []),
        ("Report runs", "senior.leader", "reports:provider_reports", [provider.slug]),
        ("Evidence packs", "registered.manager", "reports:location_packs", [location.uuid]),
    ]  # fmt: skip
    pages = []
    for label, username, name, args in wanted:
        try:
            pages.append((label, username, reverse(name, args=args)))
        except NoReverseMatch:
            print(f"  (no page {name}: skipped)")
    return pages


def _admin_user():
    from django.contrib.auth import get_user_model

    user, created = get_user_model().objects.get_or_create(
        username="bench.admin", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def bench_pages(provider, repeat):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    users = {u.username: u for u in get_user_model().objects.all() if "." in u.username}
    baseline_url = reverse("admin:assurance_improvementcase_changelist")
    clients = {}

    def client_for(username):
        if username not in clients:
            client = Client()
            client.force_login(users[username] if username in users else _admin_user())
            clients[username] = client
        return clients[username]

    admin = _measure(client_for("bench.admin"), baseline_url, repeat)
    print(
        f"\nPages (median of {repeat} requests after a warm-up; production settings)\n"
        f"{'page':<34} {'queries':>7} {'SQL ms':>8} {'server ms':>10} {'HTML KB':>8} "
        f"{'x admin':>8}"
    )

    def line(label, m):
        if "error" in m:
            print(f"{label:<34} {m['error']}")
            return
        ratio = m["server_ms"] / admin["server_ms"] if admin.get("server_ms") else float("nan")
        print(
            f"{label:<34} {m['queries']:>7d} {m['sql_ms']:>8.0f} {m['server_ms']:>10.0f} "
            f"{m['kb']:>8.0f} {ratio:>7.1f}x"
        )

    line("Admin changelist (cases)", admin)
    for label, username, url in _pages(provider):
        line(label, _measure(client_for(username), url, repeat))


# --- the report, in child processes ----------------------------------------------------------


def _stage(text):
    print(f"stage: {text}", file=sys.stderr, flush=True)


def _child(mode, html_path, out_path):
    """Run in a child process: one measurement, printed as JSON on the last line."""
    import django

    django.setup()
    from django.utils import timezone

    from assurance.organisations.models import Provider
    from reports import rendering
    from reports.periods import quarter_of

    provider = Provider.objects.get(slug=SLUG)
    quarter = quarter_of(timezone.localdate())
    result = {}
    if mode == "quarterly":
        _stage("gathering the data")
        c0 = time.process_time()
        t0 = time.perf_counter()
        context = _function(REPORT_DATA)(provider, quarter)
        t1 = time.perf_counter()
        _stage(f"rendering the template (data took {t1 - t0:.0f} s)")
        html = rendering.render_html(rendering.TEMPLATES[REPORT_TEMPLATE], context)
        t2 = time.perf_counter()
        attention = _attention(context)
        # As the worker does (reports.services): only the HTML outlives the template.
        del context
        _stage(f"rendering the PDF (data {t1 - t0:.0f} s, template {t2 - t1:.0f} s)")
        Path(html_path).write_text(html, encoding="utf-8")
        with open(out_path, "wb") as target:
            rendering.render_pdf(html, target)
        t3 = time.perf_counter()
        result = {"data_s": t1 - t0, "template_s": t2 - t1, "pdf_s": t3 - t2}
        result["cpu_s"] = time.process_time() - c0
        result["html_kb"] = len(html.encode()) / 1024
        result["attention"] = attention
    elif mode == "weasyprint":
        html = Path(html_path).read_text(encoding="utf-8")
        c0 = time.process_time()
        t0 = time.perf_counter()
        with open(out_path, "wb") as target:
            rendering.render_pdf(html, target)
        result = {"pdf_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    elif mode == "xlsx":
        function = _function(XLSX_FUNCTION)
        if function is None:
            result = {"missing": XLSX_FUNCTION}
        else:
            t0 = time.perf_counter()
            from reports.data import cutoff_for

            locations = list(provider.locations.filter(is_active=True).order_by("name"))
            with open(out_path, "wb") as target:
                rows = function(
                    target,
                    title=f"Evidence index, {quarter.label}",
                    locations=locations,
                    cutoff=cutoff_for(quarter),
                )
            result = {"xlsx_s": time.perf_counter() - t0, "rows": rows}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _attention(context) -> dict:
    """How many cases the report shows in full, and why: each reason's count, and the count
    of each combination of reasons."""
    from collections import Counter

    views = context.get("attention", [])
    reasons = Counter(reason for view in views for reason in view.get("reasons", []))
    combinations = Counter("; ".join(view.get("reasons", [])) for view in views)
    return {
        "cases": len(views),
        "of": context["counts"].cases if "counts" in context else None,
        "reasons": reasons.most_common(),
        "combinations": combinations.most_common(),
    }


def _print_attention(attention):
    print(
        f"  cases shown in full (need attention): {attention['cases']:,} of "
        f"{attention['of'] or '?':,} cases; by reason (a case can have several):"
    )
    for reason, n in attention["reasons"]:
        print(f"    {n:>6,}  {reason}")
    print("  by combination of reasons:")
    for reasons, n in attention["combinations"]:
        print(f"    {n:>6,}  {reasons}")


def _run_child(mode, html_path, out_path, *, max_gb, timeout):
    def limit():
        cap = int(max_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    cmd = [sys.executable, __file__, "--child", mode, html_path, out_path]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, preexec_fn=limit)  # noqa: S603
        peak = "?"
        while child.poll() is None:
            peak = _peak_rss_mb(child.pid) or peak
            if time.perf_counter() - started > timeout:
                child.kill()
                child.wait()
                err.seek(0)
                stages = [line for line in err.read().splitlines() if line.startswith("stage:")]
                where = stages[-1].removeprefix("stage: ") if stages else "starting"
                return {
                    "error": f"did not finish within {timeout} s (stopped while {where}; "
                    f"peak RSS so far {peak} MB)"
                }
            time.sleep(0.5)
        out.seek(0)
        err.seek(0)
        done = SimpleNamespace(returncode=child.returncode, stdout=out.read(), stderr=err.read())
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        if "MemoryError" in done.stderr or "Cannot allocate" in done.stderr:
            tail = f"ran out of its {max_gb} GB address-space limit ({tail})"
        stages = [line for line in done.stderr.splitlines() if line.startswith("stage:")]
        if stages:
            tail += f", while {stages[-1].removeprefix('stage: ')}"
        return {"error": f"failed after {wall:.0f} s: {tail}"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def _peak_rss_mb(pid):
    """A running process's peak RSS so far (Linux /proc), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return f"{int(found.group(1)) / 1024:,.0f}" if found else None


def _pages_in(pdf_path) -> str:
    """The page count, from poppler's pdfinfo when it is installed."""
    try:
        info = subprocess.run(  # noqa: S603
            ["pdfinfo", pdf_path],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "? (no pdfinfo: apt-get install poppler-utils)"
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return found.group(1) if found else "?"


def bench_report(args):
    print(
        f"\nQuarterly report for the whole provider (child processes, {args.max_report_gb} GB cap)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        html, pdf, pdf2, xlsx = (str(Path(tmp) / n) for n in ("r.html", "r.pdf", "w.pdf", "i.xlsx"))
        limits = {"max_gb": args.max_report_gb, "timeout": args.report_timeout}
        report = _run_child("quarterly", html, pdf, **limits)
        if "error" in report:
            print(f"  report: {report['error']}")
        else:
            total = report["data_s"] + report["template_s"] + report["pdf_s"]
            print(
                f"  data {report['data_s']:.1f} s, template {report['template_s']:.1f} s, "
                f"PDF {report['pdf_s']:.1f} s: total {total:.1f} s; {_pages_in(pdf)} pages; "
                f"HTML {report['html_kb']:,.0f} KB; peak RSS {report['peak_rss_mb']:,.0f} MB; "
                f"CPU {report['cpu_s']:.1f} s"
            )
            _print_attention(report["attention"])
            alone = _run_child("weasyprint", html, pdf2, **limits)
            if "error" in alone:
                print(f"  WeasyPrint alone: {alone['error']}")
            else:
                print(
                    f"  WeasyPrint alone on the same HTML: {alone['pdf_s']:.1f} s (CPU "
                    f"{alone['cpu_s']:.1f} s), peak RSS {alone['peak_rss_mb']:,.0f} MB; report "
                    f"total / WeasyPrint alone = {total / alone['pdf_s']:.2f}x (in CPU seconds "
                    f"{report['cpu_s'] / alone['cpu_s']:.2f}x: the machine may be shared)"
                )
        index = _run_child("xlsx", html, xlsx, **limits)
        if "missing" in index:
            print(f"  XLSX evidence index: skipped, reports has no {index['missing']} yet")
        elif "error" in index:
            print(f"  XLSX evidence index: {index['error']}")
        else:
            size = Path(xlsx).stat().st_size / 1024**2
            print(
                f"  XLSX evidence index: {index['xlsx_s']:.1f} s, {size:.1f} MB, peak RSS "
                f"{index['peak_rss_mb']:,.0f} MB"
            )


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=200)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--evidence", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=14_000)
    parser.add_argument("--repeat", type=int, default=REPEAT, help="Requests per page.")
    parser.add_argument("--fresh", action="store_true", help="Drop the bench database first.")
    parser.add_argument("--pages-only", action="store_true", help="Skip the report.")
    parser.add_argument("--skip-report", action="store_true", help="Same as --pages-only.")
    parser.add_argument("--report-only", action="store_true", help="Skip the pages.")
    parser.add_argument("--max-report-gb", type=float, default=3.0)
    parser.add_argument("--report-timeout", type=int, default=600, help="Seconds.")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench uses a copy of its name).")
    bench_url, bench_name, admin_url = _bench_url(url)
    os.environ.update(_environment(bench_url))
    if args.fresh:
        _admin(admin_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    if not _admin(admin_url, "SELECT 1 FROM pg_database WHERE datname = %s", [bench_name]):
        _admin(admin_url, f'CREATE DATABASE "{bench_name}"')
    import warnings

    import django

    # WhiteNoise warns that the (uncollected) static root is missing: the pages do not
    # serve static files through it here.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connections

    print(f"Database {bench_name} (kept for the next run; --fresh starts again)")
    provider = _seed(args)
    if not args.report_only:
        bench_pages(provider, args.repeat)
    connections.close_all()
    if not (args.pages_only or args.skip_report):
        bench_report(args)


if __name__ == "__main__":
    main()
