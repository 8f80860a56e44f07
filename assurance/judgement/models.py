import operator
import uuid
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from simple_history.models import HistoricalRecords

from assurance.cases.models import ImprovementCase, Reading
from assurance.common.history import get_history_user
from assurance.judgement.readiness import LEVELS
from evidence.models import EvidenceItem, Stance


class InfluenceLevel(models.TextChoices):
    CONTAINED = "contained", "Contained"
    EMERGING = "emerging", "Emerging"
    SIGNIFICANT = "significant", "Significant"
    SERVICE_WIDE = "service_wide", "Service-wide"


def _rank(field):
    """A level's place in LEVELS, in SQL (for comparing two levels in a query)."""
    return models.Case(
        *(models.When(**{field: level}, then=i) for i, level in enumerate(LEVELS)),
        default=-1,
        output_field=models.IntegerField(),
    )


class JudgementQuerySet(models.QuerySet):
    def current(self):
        return self.filter(superseded_at__isnull=True)

    def exceeding(self):
        """Judgements above what the evidence supported when recorded or last confirmed (the
        rule of `exceeds_evidence`, in SQL)."""
        return (
            self.exclude(supportable_level="")
            .alias(level_rank=_rank("level"), supportable_rank=_rank("supportable_level"))
            .filter(level_rank__gt=F("supportable_rank"))
        )

    def with_changes(self, today=None):
        """Annotate what changed in the case's evidence since each judgement was recorded or
        last confirmed: items added (and how many of those contradict), withdrawn, expired,
        and readings recorded. One subquery each, so lists stay a fixed number of queries."""

        def count(queryset, group):
            return Coalesce(
                Subquery(queryset.order_by().values(group).annotate(n=Count("id")).values("n")[:1]),
                0,
            )

        return self.annotate(
            **{
                f"changes_{kind}": count(queryset, group)
                for kind, (queryset, group) in _changes_since(today).items()
            }
        )

    def evidence_changed(self, today=None):
        """Judgements whose evidence changed since they were recorded or last confirmed (what
        `ProportionalityJudgement.evidence_changed` says of one after `with_changes`). Each
        kind of change is an EXISTS that stops at its first row, so filtering a long list
        never counts what it does not show."""
        changes = _changes_since(today)
        return self.filter(
            reduce(operator.or_, (Exists(changes[kind][0]) for kind in CHANGE_KINDS))
        )


# Each kind of change counts towards "the evidence changed" (contradicting items are among
# the added ones).
CHANGE_KINDS = ("added", "withdrawn", "expired", "readings")
# The attributes `with_changes` annotates, one per kind and the contradicting among the added.
CHANGE_ATTRIBUTES = tuple(
    f"changes_{kind}" for kind in ("added", "contradicting", "withdrawn", "expired", "readings")
)


def _changes_since(today=None) -> dict:
    """What changed in a judgement's case since it was recorded or last confirmed, as one
    queryset per kind correlated with the outer judgement, and the column each groups by."""
    today = today or timezone.localdate()
    basis = Coalesce(
        OuterRef("confirmed_at"), OuterRef("recorded_at"), output_field=models.DateTimeField()
    )
    items = EvidenceItem.objects.filter(case=OuterRef("case_id"))
    added = items.filter(created_at__gt=basis)
    return {
        "added": (added, "case_id"),
        "contradicting": (added.exclude(stance=Stance.SUPPORTS), "case_id"),
        "withdrawn": (items.filter(withdrawn_at__gt=basis), "case_id"),
        "expired": (
            items.filter(
                valid_until__lt=today,
                valid_until__gte=TruncDate(basis),
                withdrawn_at__isnull=True,
            ),
            "case_id",
        ),
        "readings": (
            Reading.objects.filter(indicator__case=OuterRef("case_id"), recorded_at__gt=basis),
            "indicator__case_id",
        ),
    }


def count_changes(judgement, *, evidence, readings, today=None) -> dict:
    """What `with_changes` annotates on `judgement`, counted in rows a page already loaded:
    every evidence item of its case (with created_at, withdrawn_at, valid_until and stance)
    and every reading of its indicators (with recorded_at). The same rules as
    `_changes_since`, one attribute name of CHANGE_ATTRIBUTES to each count."""
    today = today or timezone.localdate()
    basis = judgement.confirmed_at or judgement.recorded_at
    basis_day = timezone.localdate(basis)
    added = [item for item in evidence if item.created_at > basis]
    return {
        "changes_added": len(added),
        "changes_contradicting": sum(1 for item in added if item.stance != Stance.SUPPORTS),
        "changes_withdrawn": sum(
            1 for item in evidence if item.withdrawn_at is not None and item.withdrawn_at > basis
        ),
        "changes_expired": sum(
            1
            for item in evidence
            if item.withdrawn_at is None
            and item.valid_until is not None
            and basis_day <= item.valid_until < today
        ),
        "changes_readings": sum(1 for reading in readings if reading.recorded_at > basis),
    }


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
    def change_summary(self) -> list[str]:
        """What changed since the judgement, in words ([] when nothing did). Needs
        `with_changes()`."""
        parts = []
        for attr, word in [
            ("changes_added", "added"),
            ("changes_contradicting", "contradicting"),
            ("changes_withdrawn", "withdrawn"),
            ("changes_expired", "expired"),
        ]:
            n = getattr(self, attr, 0)
            if n:
                parts.append(f"{n} {'item' if n == 1 else 'items'} {word}")
        readings = getattr(self, "changes_readings", 0)
        if readings:
            parts.append(f"{readings} new reading{'' if readings == 1 else 's'}")
        return parts

    @property
    def evidence_changed(self) -> bool:
        return bool(self.change_summary)

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


def current_judgements(queryset=None):
    """Prefetch each case's current judgement, with what changed since it, into
    `case.current_judgements` (a list of zero or one)."""
    queryset = queryset if queryset is not None else ProportionalityJudgement.objects.all()
    return Prefetch(
        "judgements", queryset=queryset.current().with_changes(), to_attr="current_judgements"
    )
