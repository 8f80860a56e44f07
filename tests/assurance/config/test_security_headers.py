"""Security headers: the Content Security Policy and Permissions-Policy on every page, and
no-store caching for everything a signed-in person is shown. The templates carry no inline
script or style for the policy to block."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from assurance.escalations.models import Escalation
from assurance.organisations.models import Location, Team
from assurance.reviews.models import Review

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
TEMPLATES = Path(django_settings.BASE_DIR) / "templates"


def directives(header):
    parts = [p.strip() for p in header.split(";") if p.strip()]
    return {p.split(" ", 1)[0]: p.split(" ", 1)[1] if " " in p else "" for p in parts}


@pytest.fixture
def seeded():
    demo.seed()


def _main_pages():
    provider = "oakfield-care"
    house = Location.objects.get(name="Oakfield House")
    case = ImprovementCase.objects.filter(location=house).order_by("opened_at").first()
    review = Review.objects.filter(location=house).first()
    escalation = Escalation.objects.filter(case__location=house).first()
    return [
        reverse("organisations:home"),
        reverse("casework:my_work"),
        reverse("organisations:provider_detail", args=[provider]),
        reverse("organisations:location_detail", args=[house.uuid]),
        reverse("organisations:team_detail", args=[Team.objects.filter(location=house)[0].uuid]),
        reverse("casework:provider_cases", args=[provider]),
        reverse("casework:location_cases", args=[house.uuid]),
        reverse("casework:case_detail", args=[case.uuid]),
        reverse("escalations:location_escalations", args=[house.uuid]),
        reverse("escalations:provider_escalations", args=[provider]),
        reverse("escalations:escalation_detail", args=[escalation.uuid]),
        reverse("rating:location_rating", args=[house.uuid]),
        reverse("reviews:location_reviews", args=[house.uuid]),
        reverse("reviews:provider_reviews", args=[provider]),
        reverse("reviews:review_detail", args=[review.uuid]),
        reverse("reviews:notification_list"),
        reverse("reviews:provider_reminders", args=[provider]),
        reverse("reports:provider_reports", args=[provider]),
        reverse("reports:case_summary", args=[case.uuid]),
        reverse("reports:quarterly_preview", args=[provider]) + "?quarter=2026-Q3",
        reverse("password_change"),
    ]


def _sign_in(client, username="senior.leader"):
    client.force_login(get_user_model().objects.get(username=username))


def _check_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert directives(response["Content-Security-Policy"]) == POLICY, url
    assert "camera=()" in response["Permissions-Policy"], url
    cache = response["Cache-Control"]
    assert "no-store" in cache and "private" in cache, (url, cache)


def test_every_main_page_has_the_policy_and_no_store(client, seeded):
    _sign_in(client)
    pages = _main_pages()
    for url in pages:
        _check_page(client, url)
    _sign_in(client, "registered.manager")
    house = Location.objects.get(name="Oakfield House")
    _check_page(client, reverse("casework:case_create", args=[house.uuid]))
    _check_page(client, reverse("casework:case_create", args=[house.uuid]) + "?domain=governance")


def test_the_sign_in_page_has_the_policy(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert "camera=()" in response["Permissions-Policy"]


def test_error_pages_and_refusals_have_the_policy(client, seeded):
    _sign_in(client, "outsider")
    house = Location.objects.get(name="Oakfield House")
    response = client.get(reverse("organisations:location_detail", args=[house.uuid]))
    assert response.status_code == 404
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert "no-store" in response["Cache-Control"]


def test_permissions_policy_turns_off_features_nobody_uses(client, db):
    header = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in header
    assert re.fullmatch(r"[a-z-]+=\(\)(, [a-z-]+=\(\))*", header), header


def test_the_health_check_has_the_headers_too(client, db):
    response = client.get("/healthz")
    assert "Content-Security-Policy" in response
    assert "Permissions-Policy" in response


def test_a_file_download_keeps_its_own_stricter_policy(client, seeded):
    from evidence.models import EvidenceFile

    stored = EvidenceFile.objects.select_related("item__case__location").first()
    if stored is None:
        pytest.skip("the demo has no evidence files")
    _sign_in(client)
    response = client.get(reverse("evidence:file_download", args=[stored.uuid]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_no_template_served_as_a_page_has_inline_script_or_style():
    """The policy would block them. Emails are not pages; the PDF templates inline their
    stylesheet only when rendering for WeasyPrint (the preview links it)."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=|javascript:|\bhx-on|<style",
        re.IGNORECASE,
    )
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        relative = path.relative_to(TEMPLATES).as_posix()
        if relative.startswith("email/"):
            continue
        text = path.read_text(encoding="utf-8")
        if relative == "reports/pdf/_base.html":
            text = text.replace("{% else %}<style>{{ report_css|safe }}</style>", "")
        text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", text, flags=re.S)
        offenders += [f"{relative}: {m.group(0)}" for m in inline.finditer(text)]
    assert offenders == []


def test_htmx_is_told_not_to_inject_styles_or_eval(client, seeded):
    _sign_in(client)
    page = client.get(reverse("organisations:home")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    import json

    config = json.loads(config)
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


def test_the_report_preview_links_the_stylesheet_and_the_pdf_inlines_it(client, seeded):
    from reports import rendering

    _sign_in(client)
    case = ImprovementCase.objects.order_by("opened_at").first()
    page = client.get(reverse("reports:case_summary", args=[case.uuid])).content.decode()
    assert '<link rel="stylesheet" href="/static/css/report.css">' in page
    assert "<style" not in page
    from reports.data import case_summary_data

    html = rendering.render_html(rendering.TEMPLATES["case"], case_summary_data(case))
    assert "<style>" in html and "@page" in html and "&quot;" not in html.split("</style>")[0]
