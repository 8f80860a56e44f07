import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.cases.models import ImprovementCase
from assurance.common.history import get_history_user
from assurance.judgement.readiness import LEVELS

cqc_location_id_validator = RegexValidator(
    r"^1-\d{6,12}$",
    "Enter the CQC location ID as it appears on the CQC register: '1-' followed by digits "
    "(for example 1-123456789).",
)


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
    # What the evidence supported at the latest recording or confirmation, and the
    # justification given then when the judgement went beyond it.
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

        if not self.supportable_level:
            return False
        return LEVELS.index(self.level) > LEVELS.index(self.supportable_level)


class JudgementConfirmation(models.Model):
    """A Registered Manager confirming that a judgement still stands against the evidence of
    the moment: the figures, supportable level and evidence fingerprint of that moment, and
    the overclaim justification when the judgement now exceeds them. Recording again, in all
    but the wording."""

    judgement = models.ForeignKey(
        ProportionalityJudgement, on_delete=models.PROTECT, related_name="confirmations"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)
    supportable_level = models.CharField(max_length=16, choices=InfluenceLevel.choices)
    overclaim_justification = models.TextField(blank=True)
    figures = models.JSONField(default=dict)
    evidence_fingerprint = models.JSONField(default=dict)

    class Meta:
        ordering = ["confirmed_at", "id"]

    def __str__(self):
        return f"{self.judgement} confirmed {self.confirmed_at:%d %b %Y}"
