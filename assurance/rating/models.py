from django.conf import settings
from django.db import models
from django.db.models import Q

from assurance.organisations.models import Location

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
