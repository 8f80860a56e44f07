"""Builders for reviews and escalations at a chosen due date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from assurance.escalations.models import Escalation
from assurance.reviews import cadence as reviews
from assurance.reviews import services as review_services
from assurance.reviews.models import Review, ReviewKind
from assurance.reviews.services import review_for_period
from tests.builders import open_case


def monthly_review(case, *, due_on=None, days=None):
    """A due monthly review of `case`, due on `due_on` (or `days` from today)."""
    if due_on is None:
        due_on = timezone.localdate() + timedelta(days=days)
    cadence = review_services.cadence(ReviewKind.MONTHLY)
    period = reviews.period_containing(cadence, due_on)
    review = review_for_period(
        kind=ReviewKind.MONTHLY,
        provider_id=case.location.provider_id,
        location_id=case.location_id,
        case=case,
        period=period,
        due_on=due_on,
    )
    review.save()
    return review


def quarterly_review(provider, *, due_on=None, days=None):
    if due_on is None:
        due_on = timezone.localdate() + timedelta(days=days)
    cadence = review_services.cadence(ReviewKind.QUARTERLY)
    period = reviews.period_containing(cadence, due_on - timedelta(days=30))
    return Review.objects.create(
        kind=ReviewKind.QUARTERLY,
        provider=provider,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        due_on=due_on,
    )


def escalation(case, *, days, owner=None, action="Observational checks on each unit"):
    return Escalation.objects.create(
        case=case,
        trigger="manual",
        action=action,
        owner=owner,
        due_on=timezone.localdate() + timedelta(days=days),
    )


@pytest.fixture
def case(location, quality_lead, registered_manager, senior_leader):
    """An open case at `location`, with its Registered Manager and a Senior Leader."""
    return open_case(location=location, actor=quality_lead)


@pytest.fixture
def many_cases(location, quality_lead):
    def make(n, start=0):
        return [
            open_case(location=location, actor=quality_lead, title=f"Case {i}")
            for i in range(start, start + n)
        ]

    return make


def first_of(day: date) -> date:
    return day.replace(day=1)
