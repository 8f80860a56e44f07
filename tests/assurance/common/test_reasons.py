"""Written reasons of any length: never a 500. Up to the limit they are saved in full (and in
the history's change reason); past it the form says so and shows again what was typed."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase, StepRecord
from assurance.common.reasons import REASON_MAX_LENGTH
from assurance.escalations.models import Escalation, EscalationStatus
from assurance.reviews.models import Review, ReviewStatus
from evidence.models import EvidenceItem
from tests.assurance.reviews.conftest import escalation, monthly_review
from tests.builders import add_evidence, complete_step, open_case

pytestmark = pytest.mark.django_db

LENGTHS = [101, 1_000, 10_000]
TOO_LONG = f"Keep the reason to {REASON_MAX_LENGTH:,} characters or fewer"


def reason_of(length: int) -> str:
    """A reason of exactly `length` characters that survives stripping unchanged."""
    text = "Because the audit found the night checks had lapsed again "
    return (text * (length // len(text) + 1))[: length - 1] + "."


@pytest.fixture
def case(location, quality_lead, registered_manager):
    return open_case(location=location, actor=quality_lead)


def _refused(response, reason):
    assert response.status_code == 200
    page = response.content.decode()
    assert TOO_LONG in page
    assert reason in page  # what was typed is shown again, not lost
    return page


# --- evidence withdrawal ------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("length", LENGTHS)
def test_withdrawing_evidence_with_a_long_reason(
    client, case, quality_lead, registered_manager, length, htmx
):
    item = add_evidence(case, quality_lead)
    client.force_login(registered_manager)
    reason = reason_of(length)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        reverse("casework:evidence_withdraw", args=[item.uuid]), {"reason": reason}, **extra
    )
    item.refresh_from_db()
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == (200 if htmx else 302)
        assert item.withdrawn_reason == reason
        assert item.history.latest().history_change_reason == f"Withdrawn: {reason}"
    else:
        _refused(response, reason)
        assert item.withdrawn_at is None and item.withdrawn_reason == ""
        assert EvidenceItem.objects.filter(withdrawn_at__isnull=True).count() == 1


# --- reopening a step ----------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("length", LENGTHS)
def test_reopening_a_step_with_a_long_reason(
    client, case, quality_lead, registered_manager, length, htmx
):
    complete_step(case, 1, quality_lead)
    client.force_login(registered_manager)
    reason = reason_of(length)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        reverse("casework:step_reopen", args=[case.uuid, 1]), {"reason": reason}, **extra
    )
    step = StepRecord.objects.get(case=case, number=1)
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == (200 if htmx else 302)
        assert step.completed_at is None
        assert step.history.latest().history_change_reason == f"Reopened: {reason}"
    else:
        _refused(response, reason)
        assert step.completed_at is not None


def test_a_too_short_reopening_reason_is_shown_again_with_the_error(
    client, case, quality_lead, registered_manager
):
    complete_step(case, 1, quality_lead)
    client.force_login(registered_manager)
    url = reverse("casework:step_reopen", args=[case.uuid, 1])
    response = client.post(url, {"reason": "Typo"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "at least a short sentence" in page
    assert "Typo</textarea>" in page
    assert StepRecord.objects.get(case=case, number=1).completed_at is not None


# --- closing or withdrawing a case ---------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.CLOSED, CaseStatus.WITHDRAWN])
@pytest.mark.parametrize("length", LENGTHS)
def test_closing_a_case_with_a_long_reason(client, case, registered_manager, length, status):
    client.force_login(registered_manager)
    reason = reason_of(length)
    response = client.post(
        reverse("casework:case_status", args=[case.uuid]), {"status": status, "reason": reason}
    )
    case.refresh_from_db()
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == 302
        assert (case.status, case.status_reason) == (status, reason)
        assert case.history.latest().history_change_reason.endswith(reason)
    else:
        _refused(response, reason)
        assert case.status == CaseStatus.OPEN and case.status_reason == ""


def test_a_too_short_closing_reason_is_shown_again_with_the_error(client, case, registered_manager):
    client.force_login(registered_manager)
    response = client.post(
        reverse("casework:case_status", args=[case.uuid]), {"status": "closed", "reason": "Done"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "at least a short sentence" in page
    assert "Done</textarea>" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


# --- skipping and completing a review ------------------------------------------------------


@pytest.mark.parametrize("length", LENGTHS)
def test_skipping_a_review_with_a_long_reason(client, case, registered_manager, length):
    review = monthly_review(case, days=2)
    client.force_login(registered_manager)
    reason = reason_of(length)
    response = client.post(reverse("reviews:review_skip", args=[review.uuid]), {"reason": reason})
    review.refresh_from_db()
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == 302
        assert (review.status, review.skip_reason) == (ReviewStatus.SKIPPED, reason)
        assert review.history.latest().history_change_reason == f"Skipped: {reason}"
    else:
        _refused(response, reason)
        assert review.status == ReviewStatus.DUE and review.skip_reason == ""


@pytest.mark.parametrize("length", LENGTHS)
def test_closing_a_case_from_a_review_with_long_notes(client, case, registered_manager, length):
    """The notes become the case's closing reason, so they share its limit."""
    review = monthly_review(case, days=2)
    client.force_login(registered_manager)
    notes = reason_of(length)
    response = client.post(
        reverse("reviews:review_complete", args=[review.uuid]),
        {"outcome": "close_case", "notes": notes},
    )
    case.refresh_from_db()
    review.refresh_from_db()
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == 302
        assert (case.status, case.status_reason) == (CaseStatus.CLOSED, notes)
    else:
        _refused(response, notes)
        assert case.status == CaseStatus.OPEN and review.status == ReviewStatus.DUE


# --- cancelling an escalation --------------------------------------------------------------


@pytest.mark.parametrize("length", LENGTHS)
def test_cancelling_an_escalation_with_a_long_reason(client, case, registered_manager, length):
    raised = escalation(case, days=5)
    client.force_login(registered_manager)
    reason = reason_of(length)
    response = client.post(
        reverse("escalations:escalation_detail", args=[raised.uuid]),
        {
            "version": raised.version,
            "owner": "",
            "due_on": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "status": EscalationStatus.CANCELLED,
            "outcome": "",
            "cancel_reason": reason,
        },
    )
    raised.refresh_from_db()
    if length <= REASON_MAX_LENGTH:
        assert response.status_code == 302
        assert (raised.status, raised.cancel_reason) == (EscalationStatus.CANCELLED, reason)
    else:
        _refused(response, reason)
        assert raised.status == EscalationStatus.OPEN and raised.cancel_reason == ""


# --- the limit holds in the model too -------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (ImprovementCase, "status_reason"),
        (EvidenceItem, "withdrawn_reason"),
        (Review, "skip_reason"),
        (Escalation, "cancel_reason"),
    ],
)
def test_every_reason_field_has_the_limit_in_the_model(model, field):
    model_field = model._meta.get_field(field)
    assert model_field.max_length == REASON_MAX_LENGTH
    model_field.clean("x" * REASON_MAX_LENGTH, None)
    with pytest.raises(ValidationError, match=TOO_LONG):
        model_field.clean("x" * (REASON_MAX_LENGTH + 1), None)


def test_the_history_holds_long_change_reasons():
    columns = [
        field
        for model in apps.get_models()
        for field in model._meta.fields
        if field.name == "history_change_reason"
    ]
    assert len(columns) > 10
    for column in columns:
        assert column.get_internal_type() == "TextField", column


def test_reopening_a_step_that_is_not_completed_says_why(client, case, registered_manager):
    client.force_login(registered_manager)
    url = reverse("casework:step_reopen", args=[case.uuid, 2])
    response = client.post(url, {"reason": "Needs another look at the evidence."}, follow=True)
    assert response.status_code == 200
    assert "Step 2 is not completed, so there is nothing to reopen." in response.content.decode()
    response = client.post(
        url, {"reason": "Needs another look at the evidence."}, HTTP_HX_REQUEST="true"
    )
    assert "Step 2 is not completed" in response.content.decode()


def test_closing_a_closed_case_says_why(client, case, registered_manager):
    client.force_login(registered_manager)
    url = reverse("casework:case_status", args=[case.uuid])
    data = {"status": "closed", "reason": "The work is embedded across all units."}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert "A case that is closed cannot become closed." in response.content.decode()
