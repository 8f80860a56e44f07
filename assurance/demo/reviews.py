"""Monthly reviews of the cases and the provider's quarterly review, with a little history,
from `data/reviews.json`.

Periods are named relative to the day the seed runs, so reminders go out as soon as a
worker starts: "current" is the period to review next, "overdue" the latest one already
past its due date, "overdue_14" the latest one overdue by 14 days or more (its reminders
also tell the next level up); `periods_back` counts back from there.

The review services record what happens from now on (completing a review stamps it now and
schedules the next one), so they cannot write a past month's completed review: the history
is written as rows. Reviews are added only where a case or provider has none yet, so a
second seed changes nothing.
"""

from datetime import datetime, time

from django.utils import timezone

from assurance.organisations.models import Provider
from assurance.reviews import cadence as periods
from assurance.reviews.models import Review, ReviewKind, ReviewStatus
from assurance.reviews.services import cadence


def seed_reviews(demo, spec):
    completed_at = time.fromisoformat(spec["completed_time"])
    monthly = cadence(ReviewKind.MONTHLY)
    for group in spec["monthly"]:
        case = demo.case(group["case"])
        if case is None or case.reviews.exists():
            continue
        for review in group["reviews"]:
            review_seed(
                demo, review, monthly, completed_at, provider=case.location.provider, case=case
            )
    quarterly = cadence(ReviewKind.QUARTERLY)
    for group in spec["quarterly"]:
        provider = Provider.objects.filter(slug=group["provider"]).first()
        if provider is None or provider.reviews.filter(kind=ReviewKind.QUARTERLY).exists():
            continue
        for review in group["reviews"]:
            review_seed(demo, review, quarterly, completed_at, provider=provider)


def review_period(cad, spec, today) -> periods.Period:
    """The period a review spec names (see the module docstring)."""

    def back(period):
        return periods.period_starting(cad, periods.add_months(period.start, -cad.months))

    period = periods.current_period(cad, today)
    if spec["period"] in ("overdue", "overdue_14"):
        period = back(period)
    if spec["period"] == "overdue_14":
        while period.due_on > periods.next_level_cutoff(today):
            period = back(period)
    elif spec["period"] not in ("current", "overdue"):
        raise ValueError(f"Unknown review period {spec['period']!r}")
    for _ in range(spec.get("periods_back", 0)):
        period = back(period)
    return period


def review_seed(demo, spec, cad, completed_at, *, provider, case=None):
    period = review_period(cad, spec, demo.today)
    fields = {}
    if "completed_by" in spec:
        done_on = min(period.due_on, demo.today)
        fields = {
            "status": ReviewStatus.COMPLETED,
            "outcome": spec["outcome"],
            "notes": spec["notes"],
            "completed_by": demo.users[spec["completed_by"]],
            "completed_at": timezone.make_aware(datetime.combine(done_on, completed_at)),
        }
    review = Review.objects.create(
        kind=ReviewKind.MONTHLY if case else ReviewKind.QUARTERLY,
        provider=provider,
        location=case.location if case else None,
        case=case,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        due_on=period.due_on,
        **fields,
    )
    demo.result.note(review, True)
    return review
