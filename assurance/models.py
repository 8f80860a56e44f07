import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from .history import get_history_user
from .roles import PROVIDER_WIDE_ROLES, Role

cqc_location_id_validator = RegexValidator(
    r"^1-\d{6,12}$",
    "Enter the CQC location ID as it appears on the CQC register: '1-' followed by digits "
    "(for example 1-123456789).",
)


class ServiceType(models.TextChoices):
    CARE_HOME = "care_home", "Care home without nursing"
    NURSING_HOME = "nursing_home", "Care home with nursing"
    HOMECARE = "homecare", "Homecare (domiciliary care)"
    SUPPORTED_LIVING = "supported_living", "Supported living"
    EXTRA_CARE = "extra_care", "Extra care housing"
    SHARED_LIVES = "shared_lives", "Shared Lives"


class Provider(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    allow_self_validation = models.BooleanField(
        "allow one person to write step 1 and validate step 3",
        default=False,
        help_text="Only for very small services. Each use is recorded in the case history.",
    )
    readiness_thresholds = models.JSONField(
        default=dict,
        blank=True,
        help_text="Overrides of the readiness thresholds for this provider, e.g. "
        '{"significant": {"spread": 0.6}}. Empty uses the defaults from settings.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:80]
        super().save(*args, **kwargs)


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Location(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=200)
    cqc_location_id = models.CharField(
        "CQC location ID", max_length=20, unique=True, validators=[cqc_location_id_validator]
    )
    service_type = models.CharField(max_length=32, choices=ServiceType.choices)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    regulation_breach = models.BooleanField(
        "a breach of regulations is current",
        default=False,
        help_text="Caps the indicative overall rating at Requires improvement.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_type__in=ServiceType.values), name="location_service_type_valid"
            ),
        ]

    def __str__(self):
        return self.name


class TeamKind(models.TextChoices):
    TEAM = "team", "Team"
    UNIT = "unit", "Unit"
    SHIFT = "shift", "Shift pattern"


class TeamQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Team(models.Model):
    """A team, unit or shift pattern at a location: where spread is measured."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=TeamKind.choices, default=TeamKind.TEAM)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(get_user=get_history_user)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"],
                condition=Q(archived_at__isnull=True),
                name="team_name_unique_per_location",
                violation_error_message="This location already has a team with that name.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self):
        return self.archived_at is None


class MembershipQuerySet(models.QuerySet):
    def current(self, today=None):
        """Not ended, and not past a viewer's expiry date."""
        today = today or timezone.localdate()
        return self.filter(ended_at__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )


class Membership(models.Model):
    """A role held by a user, at one location or (Senior Leader, Viewer) provider-wide.

    Removing someone ends the row (ended_at) rather than deleting it, so history stays whole.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="memberships")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    expires_on = models.DateField(
        null=True, blank=True, help_text="Viewers only: access ends after this date."
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(get_user=get_history_user)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "location", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=~Q(role__in=sorted(PROVIDER_WIDE_ROLES)) | Q(location__isnull=True),
                name="membership_provider_wide_role_has_no_location",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[Role.SENIOR_LEADER, Role.VIEWER]) | Q(location__isnull=False),
                name="membership_location_role_has_location",
            ),
            models.CheckConstraint(
                condition=Q(role=Role.VIEWER) | Q(expires_on__isnull=True),
                name="membership_only_viewers_expire",
            ),
            models.UniqueConstraint(
                fields=["user", "location", "role"],
                condition=Q(ended_at__isnull=True, location__isnull=False),
                name="membership_unique_at_location",
                violation_error_message="This person already holds that role here.",
            ),
            models.UniqueConstraint(
                fields=["user", "provider", "role"],
                condition=Q(ended_at__isnull=True, location__isnull=True),
                name="membership_unique_provider_wide",
                violation_error_message="This person already holds that role here.",
            ),
        ]

    def __str__(self):
        where = self.location or self.provider
        return f"{self.user} – {self.get_role_display()} at {where}"

    @property
    def scope_label(self):
        return self.location.name if self.location_id else f"{self.provider.name} (all locations)"


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
    status_reason = models.TextField(blank=True)
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
        indexes = [models.Index(fields=["location", "status"])]

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
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="readings")
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

    def __str__(self):
        return f"{self.case} – step {self.number} ({self.artefact_label})"

    @property
    def is_completed(self):
        return self.completed_at is not None


class InfluenceLevel(models.TextChoices):
    CONTAINED = "contained", "Contained"
    EMERGING = "emerging", "Emerging"
    SIGNIFICANT = "significant", "Significant"
    SERVICE_WIDE = "service_wide", "Service-wide"


class JudgementQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_at__isnull=True)


class ProportionalityJudgement(models.Model):
    """The Registered Manager's step-5 judgement, with the evidence it rested on.

    Never overwritten: a new judgement supersedes the old, both kept.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(ImprovementCase, on_delete=models.PROTECT, related_name="judgements")
    level = models.CharField(max_length=16, choices=InfluenceLevel.choices)
    key_questions = models.ManyToManyField("domains.KeyQuestion", blank=True, related_name="+")
    not_yet = models.TextField(
        "where it should not yet influence the rating picture",
    )
    rationale = models.TextField()
    escalate = models.BooleanField(default=False)
    supportable_level = models.CharField(max_length=16, choices=InfluenceLevel.choices, blank=True)
    overclaim_justification = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    evidence_fingerprint = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(get_user=get_history_user)

    objects = JudgementQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=InfluenceLevel.values), name="judgement_level_valid"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(superseded_at__isnull=True),
                name="one_current_judgement_per_case",
            ),
        ]

    def __str__(self):
        return f"{self.case}: {self.get_level_display()}"

    @property
    def exceeds_evidence(self):
        from .readiness import LEVELS

        if not self.supportable_level:
            return False
        return LEVELS.index(self.level) > LEVELS.index(self.supportable_level)


# --- Escalations -------------------------------------------------------------------------


class EscalationTrigger(models.TextChoices):
    JUDGEMENT = "judgement", "The judgement asked to escalate"
    OVERCLAIM = "overclaim", "Judgement exceeds the evidence"
    REPEATED_GAP = "repeated_gap", "Gap seen in two consecutive monthly reviews"
    MANUAL = "manual", "Raised by hand"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


ESCALATION_ACTIVE = (EscalationStatus.OPEN, EscalationStatus.IN_PROGRESS)


class EscalationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ESCALATION_ACTIVE)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.active().filter(due_on__lt=today)

    def with_overdue_flag(self, today=None):
        today = today or timezone.localdate()
        return self.annotate(
            is_overdue=models.Case(
                models.When(Q(status__in=ESCALATION_ACTIVE, due_on__lt=today), then=True),
                default=False,
                output_field=models.BooleanField(),
            )
        )


class Escalation(models.Model):
    """Action taken because the evidence trail shows a problem: an escalation has a trigger,
    an action from the domain template, an owner at the location and a due date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(ImprovementCase, on_delete=models.PROTECT, related_name="escalations")
    trigger = models.CharField(max_length=16, choices=EscalationTrigger.choices)
    action = models.CharField(max_length=160)
    detail = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    cancel_reason = models.TextField(blank=True)
    outcome = models.TextField("outcome note", blank=True)
    # Automatic escalations carry a key so a retry or a re-run raises each one once only.
    dedupe_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(get_user=get_history_user)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EscalationStatus.values), name="escalation_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=EscalationTrigger.values), name="escalation_trigger_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=EscalationStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="escalation_cancel_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self):
        return f"{self.action} ({self.case})"

    @property
    def is_active(self):
        return self.status in ESCALATION_ACTIVE

    @property
    def overdue(self):
        return self.is_active and self.due_on < timezone.localdate()


# --- The rating picture ------------------------------------------------------------------


class PublishedRating(models.Model):
    """A location's published CQC rating for one key question, as entered, with its date.
    Rows are appended; the newest per key question is current."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="published_ratings"
    )
    key_question = models.ForeignKey(
        "domains.KeyQuestion", on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=40)
    published_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "key_question__order", "-published_on", "-id"]

    def __str__(self):
        return f"{self.location}: {self.key_question} {self.rating} ({self.published_on})"


class StatementScore(models.Model):
    """The provider's own 1-4 score for one quality statement at a location. Appended;
    the newest per statement is current."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="statement_scores"
    )
    quality_statement = models.ForeignKey(
        "domains.QualityStatement", on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    assessed_on = models.DateField()
    rationale = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=4), name="score_1_to_4")
        ]

    def __str__(self):
        return f"{self.location}: {self.quality_statement.code} = {self.score}"


# --- Reviews, reminders and notifications ------------------------------------------------


class ReviewKind(models.TextChoices):
    MONTHLY = "monthly", "Monthly review"
    QUARTERLY = "quarterly", "Quarterly review"


class ReviewStatus(models.TextChoices):
    # "Overdue" is not stored: it is a due review past its due date (see Review.is_overdue).
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"
    SKIPPED = "skipped", "Skipped"


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
    skip_reason = models.TextField(blank=True)
    # The readiness figures the reviewer saw, kept with the review (monthly reviews).
    figures = models.JSONField(default=dict, blank=True)
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
                condition=~Q(status=ReviewStatus.SKIPPED) | ~Q(skip_reason=""),
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
        indexes = [models.Index(fields=["status", "due_on"], name="review_status_due_idx")]

    def __str__(self):
        if self.kind == ReviewKind.MONTHLY:
            return f"Monthly review {self.period_label}: {self.case}"
        return f"Quarterly review {self.period_label}: {self.provider}"

    @property
    def is_due(self):
        return self.status == ReviewStatus.DUE

    @property
    def is_overdue(self):
        return self.is_due and self.due_on < timezone.localdate()

    @property
    def state_label(self):
        """Due, Overdue, Completed or Skipped: what lists show."""
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
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class ReminderStage(models.TextChoices):
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
    at once send each reminder once."""

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    stage = models.CharField(max_length=16, choices=ReminderStage.choices)
    due_on = models.DateField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(max_length=24, choices=Audience.choices)
    # Where the item belongs, so the Reminders pages filter without joins.
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, escalation__isnull=True)
                | Q(review__isnull=True, escalation__isnull=False),
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
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next_idx"),
            models.Index(fields=["recipient", "status"], name="delivery_recipient_idx"),
            models.Index(fields=["claim_token"], name="delivery_claim_idx"),
            models.Index(fields=["location", "-created_at"], name="delivery_location_idx"),
            models.Index(fields=["provider", "-created_at"], name="delivery_provider_idx"),
        ]

    def __str__(self):
        return f"{self.get_stage_display()} reminder to {self.recipient} ({self.status})"
