import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.cases.models import ImprovementCase
from assurance.common.history import get_history_user
from assurance.common.reasons import reason_field

cqc_location_id_validator = RegexValidator(
    r"^1-\d{6,12}$",
    "Enter the CQC location ID as it appears on the CQC register: '1-' followed by digits "
    "(for example 1-123456789).",
)


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
    cancel_reason = reason_field()
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


