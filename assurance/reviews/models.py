import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.cases.models import ImprovementCase
from assurance.common.history import get_history_user
from assurance.common.reasons import reason_field
from assurance.common.words import period_words
from assurance.escalations.models import Escalation
from assurance.organisations.models import Location, Provider

# --- Reviews, reminders and notifications ------------------------------------------------


class ReviewKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly review"
    QUARTERLY = "quarterly", "Quarterly review"


class ReviewStatus(models.TextChoices):
    # "Overdue" is not stored: it is a due review past its due date (see Review.is_overdue).
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"
    # Retired by the scheduler because the case closed or was withdrawn before the review
    # was due: nothing was missed, so reports never count it as missed.
    NOT_NEEDED = "not_needed", "Not needed"


class ReviewOutcome(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    GAP_OBSERVED = "gap_observed", "Gap observed between leadership-side and frontline progress"
    ESCALATE = "escalate", "Escalate"
    CLOSE_CASE = "close_case", "Close the case"


class ReviewQuerySet(models.QuerySet):
    def due(self):
        return self.filter(status=ReviewStatus.DUE)

    def overdue(self, today=None):
        return self.due().filter(due_on__lt=today or timezone.localdate())

    def quarterly_findings(self, provider, start, end):
        """Quarterly reviews completed between two moments that observed a gap or escalated:
        what the next quarterly report shows."""
        return (
            self.filter(
                provider=provider,
                kind=ReviewKind.QUARTERLY,
                status=ReviewStatus.COMPLETED,
                outcome__in=[ReviewOutcome.GAP_OBSERVED, ReviewOutcome.ESCALATE],
                completed_at__gte=start,
                completed_at__lte=end,
            )
            .select_related("completed_by")
            .order_by("completed_at", "id")
        )

    def due_first(self):
        """Outstanding reviews first (soonest due first), then the record, newest first."""
        outstanding = Q(status=ReviewStatus.DUE)
        return self.annotate(
            _done=models.Case(
                models.When(outstanding, then=0), default=1, output_field=models.IntegerField()
            ),
            _due_soonest=models.Case(models.When(outstanding, then=models.F("due_on"))),
        ).order_by("_done", "_due_soonest", "-due_on", "-id")


class Review(models.Model):
    """A monthly review of one case (its location's Registered Manager) or a quarterly
    review of a provider (its Senior Leaders), for one period."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=ReviewKind.choices)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="reviews")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    case = models.ForeignKey(
        ImprovementCase, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=24)
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DUE)
    outcome = models.CharField(max_length=16, choices=ReviewOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    skip_reason = reason_field()
    # The readiness figures the reviewer saw and the thresholds they were compared with,
    # kept with the review (monthly reviews).
    figures = models.JSONField(default=dict, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReviewKind.values), name="review_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=ReviewOutcome.values),
                name="review_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind=ReviewKind.MONTHLY, case__isnull=False, location__isnull=False)
                | Q(kind=ReviewKind.QUARTERLY, case__isnull=True, location__isnull=True),
                name="review_monthly_has_case_quarterly_has_none",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ReviewStatus.SKIPPED, ReviewStatus.NOT_NEEDED])
                | ~Q(skip_reason=""),
                name="review_skip_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.COMPLETED)
                | (Q(completed_by__isnull=False, completed_at__isnull=False) & ~Q(outcome="")),
                name="review_completed_has_actor_and_outcome",
            ),
            models.UniqueConstraint(
                fields=["case", "kind", "period_start"],
                condition=Q(case__isnull=False),
                name="review_once_per_case_and_period",
            ),
            models.UniqueConstraint(
                fields=["provider", "kind", "period_start"],
                condition=Q(case__isnull=True),
                name="review_once_per_provider_and_period",
            ),
            # One outstanding review at a time, so scheduling twice never adds a second.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="due", case__isnull=False),
                name="review_one_due_per_case",
            ),
            models.UniqueConstraint(
                fields=["provider"],
                condition=Q(status="due", kind="quarterly"),
                name="review_one_due_quarterly_per_provider",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="review_status_due_idx"),
            # A location's reviews (its list, its managers' My work), outstanding by due date.
            models.Index(
                fields=["location", "status", "due_on"], name="review_location_status_due_idx"
            ),
        ]

    def __str__(self):
        if self.kind == ReviewKind.MONTHLY:
            return f"Monthly review, {self.period_words}: {self.case}"
        return f"Quarterly review, {self.period_words}: {self.provider}"

    @property
    def period_words(self):
        """ "October 2026", "July to September 2026": the period as people say it."""
        return period_words(self.period_start, self.period_end)

    @property
    def is_due(self):
        return self.status == ReviewStatus.DUE

    @property
    def is_overdue(self):
        return self.is_due and self.due_on < timezone.localdate()

    @property
    def state_label(self):
        """Due, Overdue, Completed, Skipped or Not needed: what lists show."""
        return "Overdue" if self.is_overdue else self.get_status_display()

    @property
    def scope_name(self):
        return self.location.name if self.location_id else self.provider.name


class Notification(models.Model):
    """An in-app message to one person; a reminder digest lists several items."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    # [{"label", "path", "stage", "stage_label", "due_on", "next_level"}]: each links to its item.
    items = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # A person's notifications, newest first, a page at a time.
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_new_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class ReminderStage(models.TextChoices):
    EXPIRES_30 = "expires_30", "Stops counting within 30 days"
    EXPIRES_7 = "expires_7", "Stops counting within 7 days"
    DUE_7 = "due_7", "Due within 7 days"
    DUE_1 = "due_1", "Due tomorrow"
    DUE_TODAY = "due_today", "Due today"
    OVERDUE = "overdue", "Overdue"
    OVERDUE_14 = "overdue_14", "Overdue by 14 days or more"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Audience(models.TextChoices):
    OWNER = "owner", "Escalation owner"
    REGISTERED_MANAGER = "registered_manager", "Registered Manager"
    SENIOR_LEADER = "senior_leader", "Senior Leader"
    NEXT_LEVEL = "next_level", "Next level up (14 days overdue)"


class ReminderDelivery(models.Model):
    """The delivery ledger: one row per (item, due date, stage, recipient), claimed before
    anything is sent. The unique constraints are what make a re-run, a retry or two sweeps
    at once send each reminder once.

    A sweep can claim a hundred thousand rows at once, and a digest then writes each of its
    rows twice (claimed, then sent), so the table carries only the indexes its queries use,
    and none of them holds the status. Claiming a row (pending -> sending) then changes no
    indexed column and can be a HOT update, which writes no index entry at all (migration
    0022 has each page filled to 70%, leaving room for the new versions). Rows in flight
    are found through next_attempt_at, which a row keeps until it has its outcome (sent,
    failed or skipped; a check ties the two): marking a row sent empties it, so the row
    leaves the in-flight index, and that write adds an entry to each of the others.

    The foreign keys' own indexes are left out where a unique constraint or an index below
    already starts with that column; the claim token and the notification have none (a
    digest finds its rows by id or through the in-flight index, a settling sweep among the
    rows in flight, and nothing looks rows up by their notification); one index serves the
    sweep's "whose digests are waiting", a digest's own rows and rows left sending. The
    table checks no foreign key in the database: every one is copied, in the sweep's
    INSERT ... SELECT or a digest's claim, from the row it names, read in the same statement
    or transaction. A check in the database costs one lookup (and a row lock on the item)
    per ledger row, which was half the cost of a sweep. PROTECT still refuses, in Django, to
    delete anything the ledger names, and nothing deletes reviews, escalations, evidence or
    notifications."""

    review = models.ForeignKey(
        Review,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,  # delivery_once_per_review_stage_recipient starts with it
        db_constraint=False,
    )
    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,  # delivery_once_per_escalation_stage_recipient starts with it
        db_constraint=False,
    )
    evidence_item = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,  # delivery_once_per_evidence_stage_recipient starts with it
        db_constraint=False,
    )
    stage = models.CharField(max_length=16, choices=ReminderStage.choices)
    due_on = models.DateField()
    # Who and where are copied, in the sweep's INSERT ... SELECT, from rows that hold them
    # under their own foreign keys (the membership or owner, the item's location and
    # provider); PROTECT still refuses to delete a person or place the ledger names.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        # delivery_in_flight_idx starts with it, for rows in flight (deleting a person -
        # refused when the ledger names them - is the one query by recipient alone).
        db_index=False,
        db_constraint=False,
    )
    audience = models.CharField(max_length=24, choices=Audience.choices)
    # Where the item belongs, so the Reminders pages filter without joins.
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # delivery_provider_idx starts with it
        db_constraint=False,
    )
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # delivery_location_idx starts with it
        db_constraint=False,
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # nothing looks ledger rows up by their notification
        db_constraint=False,
    )
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the row is next due to go out; empty once it has its outcome (sent, failed or
    # skipped).
    next_attempt_at = models.DateTimeField(default=timezone.now, null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the mail server accepted the digest. As soon as send() returns it is written on one
    # of the digest's rows (they share the claim token), then on every row as they are marked
    # sent, so a digest interrupted in between is recorded as sent, never resent.
    accepted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "reminder deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, escalation__isnull=True, evidence_item=None)
                | Q(review__isnull=True, escalation__isnull=False, evidence_item=None)
                | Q(review__isnull=True, escalation__isnull=True, evidence_item__isnull=False),
                name="delivery_one_item",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=ReminderStage.values), name="delivery_stage_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="delivery_audience_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.SENT) | Q(sent_at__isnull=False),
                name="delivery_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
                    next_attempt_at__isnull=False,
                )
                | Q(
                    status__in=[DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED],
                    next_attempt_at__isnull=True,
                ),
                name="delivery_in_flight_until_settled",
            ),
            models.UniqueConstraint(
                fields=["review", "due_on", "stage", "recipient"],
                condition=Q(review__isnull=False),
                name="delivery_once_per_review_stage_recipient",
            ),
            models.UniqueConstraint(
                fields=["escalation", "due_on", "stage", "recipient"],
                condition=Q(escalation__isnull=False),
                name="delivery_once_per_escalation_stage_recipient",
            ),
            models.UniqueConstraint(
                fields=["evidence_item", "due_on", "stage", "recipient"],
                condition=Q(evidence_item__isnull=False),
                name="delivery_once_per_evidence_stage_recipient",
            ),
        ]
        indexes = [
            # The rows still in flight (pending or sending): the sweep's waiting recipients
            # (recipient in order), a digest's rows (recipient, then next_attempt_at) and
            # rows left sending. It stays small as the ledger grows: a row leaves it when it
            # has its outcome. It holds no status, so claiming a row (pending -> sending)
            # changes no indexed column and can be a HOT update.
            models.Index(
                fields=["recipient", "next_attempt_at"],
                condition=Q(next_attempt_at__isnull=False),
                name="delivery_in_flight_idx",
            ),
            models.Index(fields=["location", "-created_at"], name="delivery_location_idx"),
            models.Index(fields=["provider", "-created_at"], name="delivery_provider_idx"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} reminder to {self.recipient} ({self.status})"
