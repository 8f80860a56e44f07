import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assurance.organisations.models import Location

# The longest rationale a score or a self-judgement keeps: a few careful paragraphs. Checked
# in the forms and the services, so a longer one is refused with a clear message.
RATIONALE_MAX_LENGTH = 5000


def rationale_too_long(length: int) -> str:
    return (
        f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters or fewer "
        f"(this one has {length:,})."
    )


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
        return f"{self.location}: {self.quality_statement}: {self.score}"


class SelfJudgementQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-judged_on", "-recorded_at", "-id")


class SelfJudgement(models.Model):
    """The Registered Manager's own judgement of one key question under an in-the-round
    framework: a rating, the rationale written against the rating characteristics, and the
    evidence items and cases it rests on. Appended, never changed; the newest per key
    question recorded by a moment is the judgement then. The key question belongs to the
    framework it was judged under, so a switch leaves earlier judgements where they were."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="self_judgements")
    key_question = models.ForeignKey(
        "domains.KeyQuestion", on_delete=models.PROTECT, related_name="+"
    )
    rating = models.CharField(max_length=40)
    rationale = models.TextField()
    judged_on = models.DateField()
    evidence = models.ManyToManyField("evidence.EvidenceItem", blank=True, related_name="+")
    cases = models.ManyToManyField(
        "assurance.ImprovementCase", blank=True, related_name="self_judgements"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = SelfJudgementQuerySet.as_manager()

    class Meta:
        ordering = ["location", "-judged_on", "-recorded_at", "-id"]

    def __str__(self):
        return f"{self.location}: {self.key_question} {self.rating} ({self.judged_on})"
