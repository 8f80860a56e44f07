import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.cases.models import ImprovementCase
from assurance.common.history import get_history_user
from assurance.common.reasons import reason_field
from assurance.escalations import rules
from assurance.organisations.models import Provider

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


ESCALATION_ACTIVE = rules.ACTIVE


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
    an action from the domain template, an owner at the location and a due date.

    Most belong to one case. One raised at a quarterly review belongs to the provider
    instead (no case): its Senior Leaders own it until one of them is named owner.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(
        ImprovementCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
        help_text="Only for a provider-wide escalation (raised at a quarterly review).",
    )
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
            models.CheckConstraint(
                condition=Q(case__isnull=False, provider__isnull=True)
                | Q(case__isnull=True, provider__isnull=False),
                name="escalation_case_or_provider",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            # Open escalations nobody owns (raised automatically), soonest due first: what
            # Registered Managers and Senior Leaders see on My work.
            models.Index(
                fields=["due_on", "id"],
                condition=Q(owner__isnull=True, status__in=ESCALATION_ACTIVE),
                name="escalation_unowned_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.action} ({self.scope_name})"

    @property
    def is_provider_wide(self):
        return self.case_id is None

    @property
    def scope_name(self):
        """The case it belongs to, or the provider for a provider-wide one."""
        return str(self.case) if self.case_id else str(self.provider)

    @property
    def is_active(self):
        return self.status in ESCALATION_ACTIVE

    @property
    def overdue(self):
        return self.is_active and self.due_on < timezone.localdate()


class EscalationEvent(models.Model):
    """One row per change to an escalation: who, when, from which status to which, and why.

    A row of its own rather than the history's change reason: the why is a free-text note
    of any length (the history's reason holds 100 characters), a progress note changes no
    field yet must be kept, and the status an escalation had at any moment is one indexed
    query over these rows.
    """

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    # None when the system raised it (e.g. an overclaim found while no one was signed in).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=EscalationStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=EscalationStatus.choices)
    note = models.TextField(help_text="Why: the progress note, the outcome or the reason.")
    # Other changes made at the same time, in words (owner, due date, action).
    changes = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_status__in=EscalationStatus.values),
                name="escalation_event_to_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(from_status="") | Q(from_status__in=EscalationStatus.values),
                name="escalation_event_from_status_valid",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="escalation_event_has_a_why"),
        ]
        indexes = [models.Index(fields=["escalation", "at"], name="escalation_event_at_idx")]

    def __str__(self):
        return f"{self.escalation}: {self.from_status or 'raised'} -> {self.to_status}"

    @property
    def is_move(self):
        return bool(self.from_status) and self.from_status != self.to_status
