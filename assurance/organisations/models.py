import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from assurance.common.history import get_history_user
from assurance.organisations.permissions import PROVIDER_WIDE_ROLES
from domains.roles import Role

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
    distinct_people_first_steps = models.BooleanField(
        "require a different person for each of steps 1, 2 and 3",
        default=False,
        help_text="When on, nobody can complete more than one of steps 1, 2 and 3 of a case.",
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


# --- Which framework each location is assessed against ----------------------------------


class FrameworkAssignmentQuerySet(models.QuerySet):
    def as_of(self, moment, day=None):
        """Rows recorded by `moment` and in effect on its day (or on `day`), newest first:
        the first row for a location is its framework then."""
        day = day or timezone.localdate(moment)
        return self.filter(recorded_at__lte=moment, effective_on__lte=day).order_by(
            "location_id", "-effective_on", "-recorded_at", "-id"
        )


class FrameworkAssignment(models.Model):
    """A location switching to be assessed against a framework version from a date, with who
    switched it, when and why. Rows are appended, never changed: the newest row in effect on
    a date is the location's framework on that date. A location with no row in effect is
    assessed against the current framework."""

    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="framework_assignments"
    )
    framework = models.ForeignKey("domains.Framework", on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField("assessed against it from")
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = FrameworkAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["location", "-effective_on", "-recorded_at", "-id"]

    def __str__(self):
        return f"{self.location}: {self.framework.slug} from {self.effective_on}"
