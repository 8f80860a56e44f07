"""State-changing writes for reviews: scheduling, completing and skipping them.

Due dates and periods come from the pure rules in reviews.py; reminders live in reminders.py.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.cases.services import case_set_status
from assurance.common.history import records_actor
from assurance.common.reasons import check_reason_length
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.escalations.services import escalation_raise
from assurance.judgement.figures import case_readiness
from assurance.judgement.readiness import figures_to_dict
from assurance.organisations.models import Provider
from assurance.organisations.permissions import MONTHLY_REVIEWER_ROLES, QUARTERLY_REVIEWER_ROLES
from assurance.reviews import cadence as reviews
from assurance.reviews import rules as gap_rules
from assurance.reviews.models import Review, ReviewKind, ReviewOutcome, ReviewStatus

# Who completes or skips each kind of review.
REVIEWER_ROLES = {
    ReviewKind.MONTHLY: MONTHLY_REVIEWER_ROLES,
    ReviewKind.QUARTERLY: QUARTERLY_REVIEWER_ROLES,
}
OUTCOMES = {
    ReviewKind.MONTHLY: tuple(ReviewOutcome),
    # A provider-wide review has no single case to close. "Escalate" raises a provider-wide
    # escalation for the Senior Leaders; "gap observed" is kept with its notes and shown in
    # the next quarterly report.
    ReviewKind.QUARTERLY: (
        ReviewOutcome.ON_TRACK,
        ReviewOutcome.GAP_OBSERVED,
        ReviewOutcome.ESCALATE,
    ),
}


def cadence(kind: str) -> reviews.Cadence:
    if kind == ReviewKind.MONTHLY:
        return reviews.Cadence(
            months=settings.REVIEW_MONTHLY_EVERY_MONTHS, due_day=settings.REVIEW_MONTHLY_DUE_DAY
        )
    return reviews.Cadence(
        months=settings.REVIEW_QUARTERLY_EVERY_MONTHS,
        due_days_after=settings.REVIEW_QUARTERLY_DUE_DAYS,
    )


def can_review(review: Review, actor_roles) -> bool:
    return bool(REVIEWER_ROLES[review.kind] & set(actor_roles))


def _require_reviewer(review, actor_roles):
    if not can_review(review, actor_roles):
        who = "the Registered Manager" if review.kind == ReviewKind.MONTHLY else "a Senior Leader"
        raise wf.WorkflowError(f"Only {who} can complete or skip this review.")


def _period_of(review) -> reviews.Period:
    return reviews.period_starting(cadence(review.kind), review.period_start)


def review_for_period(
    *, kind, provider_id, period, case=None, location_id=None, due_on=None
) -> Review:
    """An unsaved review for `period` (due on the period's due date unless given)."""
    return Review(
        kind=kind,
        provider_id=provider_id,
        location_id=location_id,
        case=case,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        due_on=due_on or period.due_on,
    )


def _create_next(review, today) -> Review | None:
    if review.kind == ReviewKind.MONTHLY and review.case.status not in wf.ACTIVE_STATUSES:
        return None
    period = reviews.next_period(cadence(review.kind), _period_of(review), today)
    following = review_for_period(
        kind=review.kind,
        provider_id=review.provider_id,
        period=period,
        case=review.case,
        location_id=review.location_id,
    )
    try:
        with transaction.atomic():
            following.save()
    except IntegrityError:
        # The scheduler got there first: its row is the next review.
        return (
            Review.objects.due()
            .filter(kind=review.kind, case=review.case, provider_id=review.provider_id)
            .first()
        )
    return following


@dataclass
class ReviewResult:
    review: Review
    next_review: Review | None = None
    escalation: Escalation | None = None
    escalation_created: bool = False
    case_closed: bool = False
    raised: list = field(default_factory=list)  # every escalation this review raised

    def note_raised(self, escalation, created):
        if self.escalation is None or created:
            self.escalation, self.escalation_created = escalation, created
        if created:
            self.raised.append(escalation)


def _lock(review) -> Review:
    return (
        # of=self: the case is optional, so its join is an outer one PostgreSQL cannot lock.
        Review.objects.select_for_update(of=("self",))
        .select_related("case__location__provider", "case__domain", "provider")
        .get(pk=review.pk)
    )


def _require_due(review):
    if review.status != ReviewStatus.DUE:
        by = review.completed_by
        who = f" by {by.get_full_name() or by.get_username()}" if by else ""
        raise wf.WorkflowError(f"This review was already {review.status}{who}.")


def gap_seen(review: Review, *, fallback_threshold=None) -> gap_rules.GapSeen:
    """What a completed monthly review saw of the gap: ticked, or computed above the
    threshold stored with it (reviews stored before thresholds were: the current one)."""
    threshold = (
        gap_rules.gap_threshold(review.thresholds) if review.thresholds else fallback_threshold
    )
    return gap_rules.GapSeen(
        period_label=review.period_words,
        ticked=review.outcome == ReviewOutcome.GAP_OBSERVED,
        gap=gap_rules.computed_gap(review.figures),
        threshold=threshold,
    )


def _previous_completed(review) -> Review | None:
    """The case's latest completed monthly review before this one. Skipped reviews are passed
    over, so skipping a month never hides a gap seen either side of it."""
    return (
        Review.objects.filter(
            case_id=review.case_id,
            kind=ReviewKind.MONTHLY,
            status=ReviewStatus.COMPLETED,
            period_start__lt=review.period_start,
        )
        .order_by("-period_start")
        .first()
    )


@records_actor
def review_complete(
    *, actor, actor_roles, review: Review, outcome: str, notes: str, today=None
) -> ReviewResult:
    """Record the review's outcome and create the next one.

    A monthly review stores the case's figures and thresholds as they are now. A gap seen in
    this and the previous completed monthly review (ticked, or computed above the gap
    threshold: reviews/rules.py) raises one "repeated gap" escalation whatever was ticked;
    "escalate" raises one too; "close the case" closes it, with the notes as the reason.
    Everything happens in one transaction, or nothing does.
    """

    today = today or timezone.localdate()
    notes = (notes or "").strip()
    _require_reviewer(review, actor_roles)
    if outcome not in OUTCOMES[review.kind]:
        raise ValidationError({"outcome": "Choose one of the outcomes offered."})
    if outcome == ReviewOutcome.CLOSE_CASE and len(notes) < wf.MIN_REASON_LENGTH:
        raise ValidationError(
            {"notes": "Say why the case can close: the notes become the closing reason."}
        )
    if outcome == ReviewOutcome.CLOSE_CASE:
        check_reason_length(notes, field="notes")
    if outcome in (ReviewOutcome.ESCALATE, ReviewOutcome.GAP_OBSERVED) and not notes:
        raise ValidationError({"notes": "Say what you saw, so the escalation has a reason."})
    with transaction.atomic():
        locked = _lock(review)
        _require_due(locked)
        result = ReviewResult(review=locked)
        if locked.kind == ReviewKind.MONTHLY:
            ready = case_readiness(locked.case, today=today)
            locked.figures = figures_to_dict(ready.figures)
            locked.thresholds = ready.thresholds.to_dict()
        locked.status = ReviewStatus.COMPLETED
        locked.outcome = outcome
        locked.notes = notes
        locked.completed_by = actor
        locked.completed_at = timezone.now()
        locked._change_reason = f"Completed: {ReviewOutcome(outcome).label}"
        locked.save()
        if locked.kind == ReviewKind.MONTHLY:
            case = locked.case
            now_seen = gap_seen(locked)
            previous = _previous_completed(locked)
            before = gap_seen(previous, fallback_threshold=now_seen.threshold) if previous else None
            # Whatever was ticked: a gap seen (ticked or computed) in this and the previous
            # completed review raises one escalation while none is open.
            if gap_rules.repeated_gap(before, now_seen):
                already = Escalation.objects.active().filter(
                    case=case, trigger=EscalationTrigger.REPEATED_GAP
                )
                if not already.exists():
                    result.note_raised(
                        *escalation_raise(
                            actor=actor,
                            case=case,
                            trigger=EscalationTrigger.REPEATED_GAP,
                            detail=(
                                f"{gap_rules.escalation_detail(before, now_seen)} {notes}"
                            ).strip(),
                            dedupe_key=f"repeated_gap:{locked.pk}",
                        )
                    )
            if outcome == ReviewOutcome.ESCALATE:
                detail = f"Raised at the {locked.period_words} monthly review. {notes}"
                result.note_raised(
                    *escalation_raise(
                        actor=actor,
                        case=case,
                        trigger=EscalationTrigger.MANUAL,
                        detail=detail.strip(),
                        dedupe_key=f"review:{locked.pk}",
                    )
                )
            elif outcome == ReviewOutcome.CLOSE_CASE:
                case_set_status(
                    actor=actor,
                    actor_roles=actor_roles,
                    case=case,
                    new_status=CaseStatus.CLOSED,
                    reason=notes,
                )
                case.refresh_from_db()
                result.case_closed = True
        elif outcome == ReviewOutcome.ESCALATE:
            # A provider-wide escalation, owned by the provider's Senior Leaders.
            detail = f"Raised at the {locked.period_words} quarterly review. {notes}"
            result.note_raised(
                *escalation_raise(
                    actor=actor,
                    provider=locked.provider,
                    trigger=EscalationTrigger.MANUAL,
                    detail=detail.strip(),
                    dedupe_key=f"review:{locked.pk}",
                )
            )
        result.next_review = _create_next(locked, today)
    return result


@records_actor
def review_skip(*, actor, actor_roles, review: Review, reason: str, today=None) -> ReviewResult:
    """Skip a review with a reason (kept on the record) and create the next one."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    _require_reviewer(review, actor_roles)
    if len(reason) < wf.MIN_REASON_LENGTH:
        raise ValidationError({"reason": "Say why the review is skipped (a short sentence)."})
    check_reason_length(reason)
    with transaction.atomic():
        locked = _lock(review)
        _require_due(locked)
        locked.status = ReviewStatus.SKIPPED
        locked.skip_reason = reason
        locked.completed_by = actor
        locked.completed_at = timezone.now()
        locked._change_reason = f"Skipped: {reason}"
        locked.save()
        return ReviewResult(review=locked, next_review=_create_next(locked, today))


@dataclass
class ScheduleResult:
    created: list
    retired: list


def reviews_schedule(*, today=None) -> ScheduleResult:
    """Make sure every open case has its monthly review and every provider its quarterly one.

    Runs before each reminder sweep. Normally nothing is missing (completing a review creates
    the next); it picks up newly opened cases and new providers. A due review of a case that
    was closed or withdrawn is retired: "not needed" when the case closed before it was due,
    "skipped" (so counted as missed) when it was already overdue by then. Safe to run
    concurrently: the one-due-review constraints turn a second insert into a no-op.
    """
    today = today or timezone.localdate()
    created, retired = [], []
    outstanding = Review.objects.due().filter(case=OuterRef("pk"))
    cases = list(
        ImprovementCase.objects.active()
        .filter(~Exists(outstanding))
        .select_related("location")
        .only("id", "location_id", "location__provider_id")
    )
    providers = list(
        Provider.objects.filter(
            ~Exists(Review.objects.due().filter(provider=OuterRef("pk"), kind=ReviewKind.QUARTERLY))
        ).only("id")
    )
    monthly = cadence(ReviewKind.MONTHLY)
    quarterly = cadence(ReviewKind.QUARTERLY)
    wanted = [
        review_for_period(
            kind=ReviewKind.MONTHLY,
            provider_id=case.location.provider_id,
            location_id=case.location_id,
            case=case,
            period=reviews.current_period(monthly, today),
        )
        for case in cases
    ] + [
        review_for_period(
            kind=ReviewKind.QUARTERLY,
            provider_id=provider.id,
            period=reviews.current_period(quarterly, today),
        )
        for provider in providers
    ]
    taken = _periods_taken(wanted)
    for review in wanted:
        cad = monthly if review.kind == ReviewKind.MONTHLY else quarterly
        period = reviews.period_starting(cad, review.period_start)
        # This period was already reviewed (e.g. the case was reopened): the next one is due.
        while (review.case_id or review.provider_id, review.kind, period.start) in taken:
            period = reviews.following(cad, period)
        review.period_start, review.period_end = period.start, period.end
        review.period_label, review.due_on = period.label, period.due_on
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:
            continue  # a concurrent scheduler created it
        created.append(review)
    retiring = list(
        Review.objects.due()
        .filter(kind=ReviewKind.MONTHLY, case__status__in=CLOSED_STATUSES)
        .select_related("case")
    )
    closed_on = _closed_on({review.case_id for review in retiring})
    for review in retiring:
        when = closed_on.get(review.case_id, today)
        how = f"The case was {review.case.get_status_display().lower()} on {when:%-d %B %Y}"
        if reviews.needed_after_closing(review.due_on, when):
            review.status = ReviewStatus.SKIPPED
            review.skip_reason = (
                f"{how}, after this review was due on {review.due_on:%-d %B %Y}: "
                "the review was missed."
            )
        else:
            review.status = ReviewStatus.NOT_NEEDED
            review.skip_reason = f"{how}, before this review was due: it is not needed."
        review.completed_at = timezone.now()
        review._change_reason = f"{review.get_status_display()}: {how[:80]}"
        review.save(update_fields=["status", "skip_reason", "completed_at"])
        retired.append(review)
    return ScheduleResult(created=created, retired=retired)


CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)


def _closed_on(case_ids) -> dict:
    """The local date each case last became closed or withdrawn, from its history: one
    query. The scheduler may run late (downtime), so the day it runs is not the day the
    case closed."""
    if not case_ids:
        return {}
    closed_since = {}
    rows = (
        ImprovementCase.history.filter(id__in=case_ids)
        .order_by("id", "history_id")
        .values_list("id", "status", "history_date")
    )
    for case_id, status, at in rows:
        if status not in CLOSED_STATUSES:
            closed_since.pop(case_id, None)
        else:
            closed_since.setdefault(case_id, reviews.local_date(at))
    return closed_since


def _periods_taken(wanted) -> set:
    case_ids = {r.case_id for r in wanted if r.case_id}
    provider_ids = {r.provider_id for r in wanted if not r.case_id}
    taken = set()
    if case_ids:
        for case_id, kind, start in Review.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "kind", "period_start"
        ):
            taken.add((case_id, kind, start))
    if provider_ids:
        for provider_id, kind, start in Review.objects.filter(
            provider_id__in=provider_ids, kind=ReviewKind.QUARTERLY
        ).values_list("provider_id", "kind", "period_start"):
            taken.add((provider_id, kind, start))
    return taken
