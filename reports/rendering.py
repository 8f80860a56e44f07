"""HTML -> PDF with WeasyPrint, never reaching the network.

The stylesheet is static/css/report.css: the HTML preview (a served page, under the Content
Security Policy) links to it, and the PDF inlines it, together with its SVG charts, so a
report needs no fetches at all. The URL fetcher still allows the project's own static files
(for anything added later) and refuses every other URL, so text a user typed can never make
a report call out. Stored files (evidence) may live in an object store, not on this disk, so
they are never fetched by path.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class FetchRefused(ValueError):
    pass


def _allowed_roots():
    roots = [Path(settings.STATIC_ROOT)]
    roots += [Path(p) for p in settings.STATICFILES_DIRS]
    return [root.resolve() for root in roots]


def _local_path(url: str) -> Path | None:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path)).resolve()
    if parsed.scheme == "" and parsed.path.startswith(settings.STATIC_URL.rstrip("/") + "/"):
        found = finders.find(parsed.path.removeprefix("/").removeprefix(settings.STATIC_URL))
        return Path(found).resolve() if found else None
    return None


def check_url(url: str) -> Path:
    """The local file a report may read for `url`; FetchRefused for anything else."""
    path = _local_path(url)
    if path is None or not any(path.is_relative_to(root) for root in _allowed_roots()):
        raise FetchRefused(f"Reports may not fetch {url!r}: only the project's own files.")
    if not path.is_file():
        raise FetchRefused(f"No such file for the report: {path.name}")
    return path


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """Serves only the project's static files; refuses the network."""

        def fetch(self, url, headers=None):
            path = check_url(url)
            return URLFetcherResponse(url, body=path.read_bytes(), headers={}, status=200)

    return SafeURLFetcher


REPORT_CSS = "css/report.css"


def report_css() -> str:
    """The report stylesheet's text, inlined into the PDF's HTML."""
    return Path(finders.find(REPORT_CSS)).read_text(encoding="utf-8")


def render_html(template: str, context: dict, *, preview: bool = False) -> str:
    extra = {"preview": preview}
    if not preview:
        extra["report_css"] = report_css()
    return render_to_string(template, {**context, **extra})


def render_pdf(html: str, target=None) -> bytes | None:
    """The PDF as bytes, or written to `target` (a file-like object) as it is produced."""
    from weasyprint import HTML

    base = str(Path(settings.BASE_DIR / "static").resolve()) + "/"
    fetcher = _fetcher_class()(fail_on_errors=False)
    return HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(target)


TEMPLATES = {
    "quarterly": "reports/pdf/quarterly.html",
    "quarterly_summary": "reports/pdf/quarterly_summary.html",
    "case": "reports/pdf/case_summary.html",
}
