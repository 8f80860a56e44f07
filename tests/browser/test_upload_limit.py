"""An upload over the limit, in a real browser through the htmx form: refused from its size
before the server reads it, the message shown beside the form, and what was typed kept."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from assurance.cases.models import ImprovementCase
from assurance.demo import loader as demo
from evidence.models import EvidenceFile
from tests.browser.test_governance_journey import form_with_button, open_details, sign_in

pytestmark = pytest.mark.browser

SUMMARY = "Night audit photographs of the medicines room, all four units."


def test_an_oversized_upload_is_refused_beside_the_form(page: Page, tmp_path, settings):
    settings.EVIDENCE_MAX_UPLOAD_MB = 1
    demo.seed()
    case = ImprovementCase.objects.get(title=demo.GOVERNANCE_TITLE)
    big = tmp_path / "night-audit.csv"
    big.write_bytes(b"unit,checked\n" + b"Rowan unit,yes\n" * 220_000)  # about 3.1 MB

    sign_in(page, "quality.lead")
    page.goto(reverse("casework:case_detail", args=[case.uuid]))
    form = form_with_button(open_details(page.locator("#evidence"), "Add evidence"), "Add evidence")
    form.get_by_label("Source").select_option(label="Audits")
    form.get_by_label("CQC evidence category").select_option(label="Processes")
    form.get_by_label("Summary").fill(SUMMARY)
    form.locator("input[type=file]").set_input_files(big)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name="Add evidence").click()
    assert posted.value.status == 413

    message = page.locator("#evidence-upload-error")
    expect(message).to_contain_text(re.compile(r"The upload is 3\.\d MB; the limit is 1 MB\."))
    expect(message).to_contain_text("Nothing was saved")
    expect(message.locator("[data-feedback]")).to_be_focused()
    expect(message).to_be_in_viewport()
    # The form is still there with what was typed; nothing was stored.
    expect(form.get_by_label("Summary")).to_have_value(SUMMARY)
    expect(form.get_by_label("Source")).to_have_value("audits")
    assert not EvidenceFile.objects.filter(original_name="night-audit.csv").exists()
