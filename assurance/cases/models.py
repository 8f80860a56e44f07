import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.common.history import get_history_user
from assurance.common.reasons import reason_field
from assurance.organisations.models import Location, Team
from domains.roles import Role

# --- Improvement cases -------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ImprovementCaseQuerySet(models.QuerySet):
    def for_locations(self, locations):
        return self.filter(location__in=locations)

    def active(self):
        return self.filter(status__in=[CaseStatus.OPEN, CaseStatus.UNDER_REVIEW])


class ImprovementCase(models.Model):
    """One stronger domain at one location, and the evidence trail of its wider effect."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="cases")
    domain = models.ForeignKey("domains.Domain", on_delete=models.PROTECT, related_name="cases")
    title = models.CharField(max_length=200)
    baseline_issue = models.TextField(
        help_text="The weakness the improvement started from, in a few sentences."
    )
    improvement_began = models.DateField(help_text="When the improvement work began.")
    wider_areas = models.JSONField(
        default=list,
        blank=True,
        help_text="Wider service areas this improvement is claimed to influence.",
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    current_step = models.PositiveSmallIntegerField(default=1)
    status_reason = reason_field()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(get_user=get_history_user)

    objects = ImprovementCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(current_step__gte=1, current_step__lte=5), name="case_step_1_to_5"
            ),
        ]
        indexes = [
            models.Index(fields=["location", "status"]),
            # The case lists: a location's cases, newest first, a page at a time.
            models.Index(fields=["location", "-opened_at", "-id"], name="case_location_opened_idx"),
        ]

    def __str__(self):
        return self.title


class Side(models.TextChoices):
    LEADERSHIP = "leadership", "Leadership-side"
    FRONTLINE = "frontline", "Frontline-side"


class Indicator(models.Model):
    """A measurable part of the improvement, with a baseline, a target and readings."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(ImprovementCase, on_delete=models.PROTECT, related_name="indicators")
    name = models.CharField(max_length=160)
    unit = models.CharField(max_length=20, blank=True, help_text='e.g. "%", "days", "count"')
    higher_is_better = models.BooleanField(
        default=True, help_text="Untick when a lower value is better (e.g. missed handovers)."
    )
    baseline = models.DecimalField(max_digits=12, decimal_places=2)
    target = models.DecimalField(max_digits=12, decimal_places=2)
    side = models.CharField(max_length=16, choices=Side.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(side__in=Side.values), name="indicator_side_valid"),
            models.CheckConstraint(
                condition=~Q(baseline=models.F("target")), name="indicator_target_differs"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def direction_label(self):
        return "Higher is better" if self.higher_is_better else "Lower is better"


class Reading(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        related_name="readings",
        db_index=False,  # reading_recorded_idx starts with it
    )
    taken_on = models.DateField("date")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="readings"
    )
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["taken_on", "id"]
        indexes = [
            # Readings recorded since a judgement (judgement.models._changes_since): one
            # probe per indicator, not a scan of its readings.
            models.Index(fields=["indicator", "recorded_at"], name="reading_recorded_idx"),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value} on {self.taken_on}"


class StepRecord(models.Model):
    """The artefact of one of the five steps. Completing it locks it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(ImprovementCase, on_delete=models.PROTECT, related_name="steps")
    number = models.PositiveSmallIntegerField()
    # Copied from the domain template when the case opens, so later catalogue edits never
    # rewrite what a completed artefact was called or who had to complete it.
    role = models.CharField(max_length=32, choices=Role.choices)
    artefact_label = models.CharField(max_length=120)
    prompts = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    self_validation = models.BooleanField(
        default=False,
        help_text="Step 3 done by the step 1 author under the small-service setting.",
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="step_record_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=5), name="step_record_number_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="step_record_completed_has_actor",
            ),
        ]
        indexes = [
            # Steps still to do, by the role that does them (My work): read without the
            # artefacts' wide JSON rows.
            models.Index(
                fields=["role", "case", "number"],
                condition=Q(completed_at__isnull=True),
                name="step_waiting_idx",
            ),
        ]

    def __str__(self):
        return f"{self.case} – step {self.number} ({self.artefact_label})"

    @property
    def is_completed(self):
        return self.completed_at is not None
