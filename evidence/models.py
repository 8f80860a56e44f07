import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from assurance.common.history import get_history_user
from assurance.common.reasons import reason_field


class Source(models.TextChoices):
    CARE_RECORDS = "care_records", "Care records"
    AUDITS = "audits", "Audits"
    FEEDBACK = "feedback", "Feedback"
    STAFF_PRACTICE = "staff_practice", "Staff practice"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports the claim"
    CONTRADICTS = "contradicts", "Contradicts the claim"


class EvidenceItemQuerySet(models.QuerySet):
    def current(self):
        return self.filter(withdrawn_at__isnull=True)


class EvidenceItem(models.Model):
    """A dated piece of evidence for or against a case's claim. Withdrawn, never deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "assurance.ImprovementCase",
        on_delete=models.PROTECT,
        related_name="evidence",
        db_index=False,  # the indexes below start with it
    )
    step_number = models.PositiveSmallIntegerField("added at step")
    source = models.CharField(max_length=20, choices=Source.choices)
    category = models.ForeignKey(
        "domains.EvidenceCategory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="CQC evidence category",
    )
    occurred_on = models.DateField(
        "date it describes", help_text="When the practice, audit or feedback happened."
    )
    team = models.ForeignKey(
        "assurance.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    stance = models.CharField(max_length=12, choices=Stance.choices, default=Stance.SUPPORTS)
    summary = models.TextField()
    valid_until = models.DateField(
        "counts until",
        null=True,
        blank=True,
        help_text="For evidence that must be renewed (a training record, an audit that is "
        "repeated): after this date it no longer counts in the figures.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_reason = reason_field()
    history = HistoricalRecords(get_user=get_history_user)

    objects = EvidenceItemQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="evidence_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="evidence_stance_valid"
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_reason=""),
                name="evidence_withdrawal_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_on"]),
            # What changed in a case since its judgement (judgement.models._changes_since),
            # each kind one index probe per judgement, for lists that filter on it.
            models.Index(fields=["case", "created_at"], name="evidence_case_added_idx"),
            models.Index(
                fields=["case", "withdrawn_at"],
                condition=Q(withdrawn_at__isnull=False),
                name="evidence_case_withdrawn_idx",
            ),
            models.Index(
                fields=["case", "valid_until"],
                condition=Q(withdrawn_at__isnull=True, valid_until__isnull=False),
                name="evidence_case_expiry_idx",
            ),
            # Current evidence by the date it stops counting (My work, expiry reminders).
            models.Index(
                fields=["valid_until"],
                condition=Q(withdrawn_at__isnull=True, valid_until__isnull=False),
                name="evidence_current_expiry_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()}, {self.occurred_on:%d %b %Y}: {self.summary[:60]}"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def supports(self):
        return self.stance == Stance.SUPPORTS


def evidence_upload_to(instance, filename):
    # Random names: the original name is kept in the row, never used on disk.
    return f"evidence/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class EvidenceFile(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class DownloadVia(models.TextChoices):
    WEB = "web", "Web page"
    API = "api", "API"


class EvidenceFileDownload(models.Model):
    """One read of an evidence file by a person, through the web page or the API."""

    file = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=8, choices=DownloadVia.choices, default=DownloadVia.WEB)

    class Meta:
        ordering = ["-downloaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(via__in=DownloadVia.values), name="evidence_download_via_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} downloaded {self.file} at {self.downloaded_at:%Y-%m-%d %H:%M}"


class LinkStatus(models.TextChoices):
    EVIDENCED = "evidenced", "Evidenced"
    ASSUMED = "assumed", "Assumed"


class InfluenceLink(models.Model):
    """Stronger domain -> one wider service area, evidenced (with items) or only assumed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "assurance.ImprovementCase", on_delete=models.PROTECT, related_name="links"
    )
    area = models.CharField(max_length=160)
    status = models.CharField(max_length=12, choices=LinkStatus.choices)
    note = models.TextField(blank=True)
    evidence = models.ManyToManyField(EvidenceItem, blank=True, related_name="links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[evidence], get_user=get_history_user)

    class Meta:
        ordering = ["area"]
        constraints = [
            models.UniqueConstraint(fields=["case", "area"], name="influence_link_unique_area"),
            models.CheckConstraint(
                condition=Q(status__in=LinkStatus.values), name="influence_link_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.area} ({self.get_status_display()})"


class Shift(models.TextChoices):
    EARLY = "early", "Early"
    LATE = "late", "Late"
    DAY = "day", "Day"
    NIGHT = "night", "Night"
    WEEKEND = "weekend", "Weekend"


class Consistency(models.TextChoices):
    CONSISTENT = "consistent", "Consistent"
    PARTLY = "partly", "Partly consistent"
    NOT = "not", "Not consistent"


class PracticeCheck(models.Model):
    """A step-3 check of practice on the floor; each check is also a staff-practice item."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "assurance.ImprovementCase", on_delete=models.PROTECT, related_name="practice_checks"
    )
    team = models.ForeignKey("assurance.Team", on_delete=models.PROTECT, related_name="+")
    shift = models.CharField(max_length=12, choices=Shift.choices)
    sampled = models.TextField("what was sampled or observed")
    outcome = models.CharField(max_length=12, choices=Consistency.choices)
    evidence_item = models.OneToOneField(
        EvidenceItem, on_delete=models.PROTECT, related_name="practice_check"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.team} ({self.get_shift_display()}): {self.get_outcome_display()}"


class ActionKind(models.TextChoices):
    SUPERVISION = "supervision", "Supervision"
    COACHING = "coaching", "Coaching"
    SPOT_CHECK = "spot_check", "Spot check"
    FOLLOW_UP = "follow_up", "Follow-up"
    OTHER = "other", "Other"


class EmbeddingAction(models.Model):
    """A step-4 action taken locally to embed the stronger standard."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        "assurance.ImprovementCase", on_delete=models.PROTECT, related_name="embedding_actions"
    )
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    description = models.TextField()
    team = models.ForeignKey(
        "assurance.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action_date = models.DateField("date")
    completed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(get_user=get_history_user)

    class Meta:
        ordering = ["action_date", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.action_date}"
