"""Completing and skipping reviews, the repeated-gap escalation, and scheduling."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from assurance.cases import workflow as wf
from assurance.cases.models import CaseStatus
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.reviews import services as review_services
from assurance.reviews.models import Review, ReviewKind, ReviewStatus
from tests.assurance.reviews.conftest import monthly_review, quarterly_review
from tests.builders import open_case

pytestmark = pytest.mark.django_db

RM = {"registered_manager"}


def complete(review, actor, outcome="on_track", notes="Looked at the tracker and the floor.", **kw):
    return review_services.review_complete(
        actor=actor, actor_roles=RM, review=review, outcome=outcome, notes=notes, **kw
    )


def test_completing_a_review_creates_the_next_one(case, registered_manager):
    review = monthly_review(case, due_on=date(2026, 1, 28))
    result = complete(review, registered_manager, today=date(2026, 1, 27))
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    assert review.completed_by == registered_manager and review.completed_at
    assert review.figures["gap"]["message"]  # what the reviewer saw is kept
    following = result.next_review
    assert (following.period_label, following.due_on) == ("2026-02", date(2026, 2, 28))
    assert following.status == ReviewStatus.DUE and following.case == case
    assert review.history.count() == 2  # created, completed


def test_a_late_review_is_followed_by_the_current_period_not_a_backlog(case, registered_manager):
    review = monthly_review(case, due_on=date(2026, 1, 28))
    result = complete(review, registered_manager, today=date(2026, 5, 10))
    assert result.next_review.period_label == "2026-05"
    assert Review.objects.filter(case=case, status=ReviewStatus.DUE).count() == 1


def test_a_review_is_completed_once(case, registered_manager):
    review = monthly_review(case, days=3)
    complete(review, registered_manager)
    with pytest.raises(wf.WorkflowError, match="already completed"):
        complete(review, registered_manager)


def test_a_gap_in_two_consecutive_monthly_reviews_raises_one_escalation(case, registered_manager):
    first = monthly_review(case, due_on=date(2026, 1, 28))
    second = complete(first, registered_manager, "gap_observed", today=date(2026, 1, 28))
    assert second.escalation is None
    third = complete(
        second.next_review, registered_manager, "gap_observed", today=date(2026, 2, 28)
    )
    assert third.escalation_created
    escalation = third.escalation
    assert escalation.trigger == EscalationTrigger.REPEATED_GAP
    assert escalation.dedupe_key == f"repeated_gap:{second.next_review.pk}"
    assert "January 2026 and February 2026 monthly reviews" in escalation.detail
    # A third gap in a row while that escalation is open raises no second one.
    complete(third.next_review, registered_manager, "gap_observed", today=date(2026, 3, 28))
    assert Escalation.objects.filter(case=case, trigger="repeated_gap").count() == 1


def test_a_single_gap_or_a_gap_after_on_track_raises_nothing(case, registered_manager):
    first = monthly_review(case, due_on=date(2026, 1, 28))
    second = complete(first, registered_manager, "on_track", today=date(2026, 1, 28))
    complete(second.next_review, registered_manager, "gap_observed", today=date(2026, 2, 28))
    assert not Escalation.objects.filter(case=case).exists()


def test_a_skipped_month_does_not_hide_a_repeated_gap(case, registered_manager):
    first = monthly_review(case, due_on=date(2026, 1, 28))
    second = complete(first, registered_manager, "gap_observed", today=date(2026, 1, 28))
    skipped = review_services.review_skip(
        actor=registered_manager,
        actor_roles=RM,
        review=second.next_review,
        reason="On leave; covered next month.",
        today=date(2026, 2, 28),
    )
    complete(skipped.next_review, registered_manager, "gap_observed", today=date(2026, 3, 28))
    assert Escalation.objects.filter(case=case, trigger="repeated_gap").count() == 1


def test_escalate_raises_one_escalation(case, registered_manager):
    result = complete(monthly_review(case, days=1), registered_manager, "escalate")
    assert result.escalation.trigger == EscalationTrigger.MANUAL
    assert result.escalation.dedupe_key == f"review:{result.review.pk}"
    assert "Looked at the tracker" in result.escalation.detail


def test_close_the_case_closes_it_with_the_notes_as_reason(case, registered_manager):
    result = complete(
        monthly_review(case, days=1),
        registered_manager,
        "close_case",
        notes="Held for six months on every unit; nothing more to prove.",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.status_reason == "Held for six months on every unit; nothing more to prove."
    assert result.case_closed and result.next_review is None


def test_closing_needs_a_reason_and_saves_nothing_without_one(case, registered_manager):
    review = monthly_review(case, days=1)
    with pytest.raises(ValidationError) as exc:
        complete(review, registered_manager, "close_case", notes="done")
    assert "notes" in exc.value.message_dict
    review.refresh_from_db()
    case.refresh_from_db()
    assert review.status == ReviewStatus.DUE and case.status == CaseStatus.OPEN


def test_a_gap_needs_notes(case, registered_manager):
    with pytest.raises(ValidationError):
        complete(monthly_review(case, days=1), registered_manager, "gap_observed", notes=" ")


def test_only_the_registered_manager_completes_a_monthly_review(case, quality_lead, senior_leader):
    review = monthly_review(case, days=1)
    for actor, roles in ((quality_lead, {"quality_lead"}), (senior_leader, {"senior_leader"})):
        with pytest.raises(wf.WorkflowError, match="Registered Manager"):
            review_services.review_complete(
                actor=actor, actor_roles=roles, review=review, outcome="on_track", notes=""
            )
    review.refresh_from_db()
    assert review.status == ReviewStatus.DUE


def test_a_senior_leader_completes_the_quarterly_review(provider, senior_leader, case):
    review = quarterly_review(provider, due_on=date(2027, 1, 14))
    with pytest.raises(ValidationError):
        review_services.review_complete(
            actor=senior_leader,
            actor_roles={"senior_leader"},
            review=review,
            outcome="close_case",
            notes="Not for a provider-wide review.",
        )
    result = review_services.review_complete(
        actor=senior_leader,
        actor_roles={"senior_leader"},
        review=review,
        outcome="on_track",
        notes="",
        today=date(2027, 1, 10),
    )
    assert (result.next_review.period_label, result.next_review.due_on) == (
        "2027-Q1",
        date(2027, 4, 14),
    )


def test_skipping_needs_a_reason_and_creates_the_next(case, registered_manager):
    review = monthly_review(case, days=1)
    with pytest.raises(ValidationError):
        review_services.review_skip(
            actor=registered_manager, actor_roles=RM, review=review, reason="no"
        )
    result = review_services.review_skip(
        actor=registered_manager, actor_roles=RM, review=review, reason="Home closed for a week."
    )
    assert result.review.status == ReviewStatus.SKIPPED
    assert result.review.skip_reason == "Home closed for a week."
    assert result.next_review.status == ReviewStatus.DUE


def test_the_database_refuses_a_second_review_of_the_same_period(case, registered_manager):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    review = monthly_review(case, days=1)
    Review.objects.filter(pk=review.pk).update(
        status="completed",
        outcome="on_track",
        completed_by=registered_manager,
        completed_at=timezone.now(),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            kind=ReviewKind.MONTHLY,
            provider=review.provider,
            location=review.location,
            case=case,
            period_start=review.period_start,
            period_end=review.period_end,
            period_label=review.period_label,
            due_on=review.due_on,
        )


def test_scheduling_gives_each_open_case_and_provider_one_review(
    location, quality_lead, registered_manager, time_machine
):
    from datetime import UTC, datetime

    time_machine.move_to(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False)
    first = open_case(location=location, actor=quality_lead, title="First")
    second = open_case(location=location, actor=quality_lead, title="Second")
    closed = open_case(location=location, actor=quality_lead, title="Closed")
    closed_review = monthly_review(closed, days=3)
    type(closed).objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    result = review_services.reviews_schedule()
    made = {(r.case_id, r.kind, r.period_label, r.due_on) for r in result.created}
    assert made == {
        (first.id, "monthly", "2026-12", date(2026, 12, 28)),  # the 28th has passed
        (second.id, "monthly", "2026-12", date(2026, 12, 28)),
        (None, "quarterly", "2026-Q4", date(2027, 1, 14)),
    }
    closed_review.refresh_from_db()
    assert closed_review.status == ReviewStatus.NOT_NEEDED
    assert closed_review.skip_reason.startswith("The case was closed on 29 November 2026")
    again = review_services.reviews_schedule()
    assert again.created == [] and again.retired == []


def test_scheduling_after_a_completed_period_moves_to_the_next(case, registered_manager):
    review = monthly_review(case, due_on=date(2026, 11, 28))
    Review.objects.filter(pk=review.pk).update(
        status="completed",
        outcome="on_track",
        completed_by=registered_manager,
        completed_at=review.created_at,
    )
    created = review_services.reviews_schedule(today=date(2026, 11, 20)).created
    assert [r.period_label for r in created if r.case_id] == ["2026-12"]


def _close(case, actor, status=CaseStatus.CLOSED):
    from assurance.cases.services import case_set_status

    case_set_status(
        actor=actor,
        actor_roles=RM,
        case=case,
        new_status=status,
        reason="The work is done and embedded on every unit.",
    )


def test_a_review_retired_because_its_case_closed_is_not_needed_and_never_missed(
    case, registered_manager, time_machine
):
    """Hole 9: reviews skipped automatically because their case closed counted as missed."""
    from datetime import UTC, datetime

    from reports import data
    from reports.periods import parse_quarter

    review = monthly_review(case, due_on=date(2026, 10, 28))
    time_machine.move_to(datetime(2026, 10, 20, 12, 0, tzinfo=UTC), tick=False)
    _close(case, registered_manager)
    result = review_services.reviews_schedule()
    assert result.retired == [review]
    review.refresh_from_db()
    assert review.status == ReviewStatus.NOT_NEEDED
    assert review.state_label == "Not needed"
    assert "closed on 20 October 2026, before this review was due" in review.skip_reason
    time_machine.move_to(datetime(2027, 1, 5, 12, 0, tzinfo=UTC), tick=False)
    summary = data.quarterly_data(case.location.provider, parse_quarter("2026-Q4"))["summary"]
    assert summary["reviews_missed"] == 0


def test_a_review_already_overdue_when_its_case_closed_stays_missed(
    case, registered_manager, time_machine
):
    from datetime import UTC, datetime

    from reports import data
    from reports.periods import parse_quarter

    review = monthly_review(case, due_on=date(2026, 10, 28))
    time_machine.move_to(datetime(2026, 11, 10, 12, 0, tzinfo=UTC), tick=False)
    _close(case, registered_manager, CaseStatus.WITHDRAWN)
    # the scheduler runs late (downtime): the closing date comes from the case's record
    time_machine.move_to(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
    review_services.reviews_schedule()
    review.refresh_from_db()
    assert review.status == ReviewStatus.SKIPPED
    assert "withdrawn on 10 November 2026, after this review was due" in review.skip_reason
    time_machine.move_to(datetime(2027, 1, 5, 12, 0, tzinfo=UTC), tick=False)
    summary = data.quarterly_data(case.location.provider, parse_quarter("2026-Q4"))["summary"]
    assert summary["reviews_missed"] == 1


def _gapped(case, actor):
    """Leadership-side at target, frontline-side not moved: a computed gap of 1.00."""
    from decimal import Decimal

    from assurance.cases.models import Indicator, Reading

    for name, side, value in (
        ("Audit actions closed", "leadership", 100),
        ("Sheets used", "frontline", 0),
    ):
        indicator = Indicator.objects.create(
            case=case, name=name, side=side, baseline=Decimal(0), target=Decimal(100),
            created_by=actor,
        )  # fmt: skip
        Reading.objects.create(
            indicator=indicator, taken_on=date(2026, 1, 10), value=Decimal(value), recorded_by=actor
        )


def test_a_computed_gap_above_the_threshold_in_two_monthly_reviews_raises_the_escalation(
    case, registered_manager, quality_lead
):
    """Hole 11: the repeated-gap escalation depended only on the manager ticking "Gap
    observed"; the computed gap stored on the review was never compared with the threshold."""
    _gapped(case, quality_lead)
    first = complete(monthly_review(case, due_on=date(2026, 1, 28)), registered_manager,
                     today=date(2026, 1, 28))  # fmt: skip
    assert first.review.figures["gap"]["value"] == 1.0
    assert first.review.thresholds["significant"]["max_gap"] == 0.25
    assert first.escalation is None
    second = complete(first.next_review, registered_manager, today=date(2026, 2, 28))
    assert second.escalation_created
    escalation = second.escalation
    assert escalation.trigger == EscalationTrigger.REPEATED_GAP
    assert escalation.dedupe_key == f"repeated_gap:{first.next_review.pk}"
    assert "computed gap 1.00 was above the threshold 0.25" in escalation.detail
    assert "January 2026 and February 2026 monthly reviews" in escalation.detail
    # A third month above it while that escalation is open raises no second one.
    complete(second.next_review, registered_manager, today=date(2026, 3, 28))
    assert Escalation.objects.filter(case=case, trigger="repeated_gap").count() == 1


def test_a_ticked_gap_then_a_computed_one_is_a_repeated_gap_too(
    case, registered_manager, quality_lead
):
    first = complete(monthly_review(case, due_on=date(2026, 1, 28)), registered_manager,
                     "gap_observed", today=date(2026, 1, 28))  # fmt: skip
    _gapped(case, quality_lead)
    second = complete(first.next_review, registered_manager, today=date(2026, 2, 28))
    assert second.escalation_created
    assert "ticked by the reviewer" in second.escalation.detail


def test_a_computed_gap_at_or_below_the_threshold_raises_nothing(case, registered_manager):
    first = complete(monthly_review(case, due_on=date(2026, 1, 28)), registered_manager,
                     today=date(2026, 1, 28))  # fmt: skip
    complete(first.next_review, registered_manager, today=date(2026, 2, 28))
    assert not Escalation.objects.filter(case=case).exists()


SL = {"senior_leader"}


def test_a_quarterly_escalate_raises_an_escalation_owned_by_the_senior_leaders(
    provider, senior_leader
):
    """Hole 11: quarterly reviews offered "Escalate", which did nothing."""
    review = quarterly_review(provider, due_on=date(2026, 10, 14))
    result = review_services.review_complete(
        actor=senior_leader,
        actor_roles=SL,
        review=review,
        outcome="escalate",
        notes="Both locations show the same night-time gap; we need a provider-wide plan.",
        today=date(2026, 10, 10),
    )
    assert result.escalation_created
    escalation = result.escalation
    assert escalation.case is None and escalation.provider == provider
    assert escalation.owner is None  # owned by the provider's Senior Leaders
    assert escalation.raised_by == senior_leader
    assert f"{review.period_words} quarterly review" in escalation.detail
    assert "provider-wide plan" in escalation.detail
    assert escalation.events.get().note.startswith("Raised: Raised by hand.")
