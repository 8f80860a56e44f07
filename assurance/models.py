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
