"""Reference data: the CQC framework (versioned) and the improvement domain catalogue.

All of it is data. A new framework version is a new fixture; a new domain is added in the
admin; neither needs a code change.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q

from domains.roles import Role

STEP_NUMBERS = (1, 2, 3, 4, 5)
STEP_ROLE_CHOICES = [
    (role.value, role.label)
    for role in (
        Role.QUALITY_LEAD,
        Role.OPERATIONS_MANAGER,
        Role.REGISTERED_MANAGER,
        Role.DEPUTY_MANAGER,
        Role.TEAM_LEADER,
    )
]


class FrameworkQuerySet(models.QuerySet):
    def current(self):
        return self.filter(is_current=True).first()


class Method(models.TextChoices):
    SCORED = "scored", "Scored (statement scores, percentages, bands)"
    IN_THE_ROUND = "in_the_round", "In the round (no scores; judged against characteristics)"


class Framework(models.Model):
    """A framework version, loaded from a framework file (see domains/framework_file.py)."""

    slug = models.SlugField(max_length=40, unique=True, help_text='Version, e.g. "saf-2024".')
    name = models.CharField(max_length=200)
    status_note = models.TextField(blank=True)
    is_current = models.BooleanField(default=False)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.SCORED)
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the loaded file's canonical content: a changed file needs a new slug.",
    )
    has_scoring = models.BooleanField(
        default=True, help_text="Frameworks without scoring show no computed rating picture."
    )
    rating_labels = models.JSONField(default=list, help_text='The file\'s "ratings", best first.')
    score_scale = models.JSONField(default=dict)
    key_question_scoring = models.TextField(blank=True)
    aggregation_principles = models.JSONField(default=list)
    aggregation_rule = models.CharField(
        max_length=40,
        blank=True,
        help_text="A machine-usable aggregation rule the file names (in-the-round only); "
        "blank: the framework gives no aggregation rule.",
    )
    band_gaps_note = models.TextField(blank=True)
    score_limiters_note = models.TextField(blank=True)
    well_led_limiters = models.JSONField(default=list)
    sources = models.JSONField(default=list)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_framework"
            ),
            models.CheckConstraint(
                condition=Q(method__in=Method.values), name="framework_method_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.slug})"


class KeyQuestion(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="key_questions")
    slug = models.SlugField(max_length=40)
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "slug"], name="key_question_unique")
        ]

    def __str__(self):
        return self.name


class QualityStatement(models.Model):
    """An item of a framework: a quality statement (SAF 2024) or a key line of enquiry."""

    key_question = models.ForeignKey(
        KeyQuestion, on_delete=models.PROTECT, related_name="quality_statements"
    )
    code = models.CharField(max_length=8, help_text="The product's own code, e.g. S1.")
    title = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField()
    characteristics = models.JSONField(
        default=dict, blank=True, help_text="Rating characteristics: {rating: text}."
    )
    maps_from = models.JSONField(
        default=dict,
        blank=True,
        help_text='Items of earlier frameworks this one replaces: {"saf-2024": ["S1", "S2"]}.',
    )

    class Meta:
        ordering = ["key_question__order", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_question", "code"], name="quality_statement_unique"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class EvidenceCategory(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="evidence_categories"
    )
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["framework", "order"]
        verbose_name_plural = "evidence categories"
        constraints = [
            models.UniqueConstraint(fields=["framework", "name"], name="evidence_category_unique")
        ]

    def __str__(self):
        return self.name


class ScoreBand(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="score_bands")
    rating = models.CharField(max_length=40)
    from_pct = models.DecimalField(max_digits=5, decimal_places=2)
    to_pct = models.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["framework", "from_pct"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "rating"], name="score_band_unique"),
            models.CheckConstraint(
                condition=Q(from_pct__lte=models.F("to_pct")), name="band_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.rating}: {self.from_pct}-{self.to_pct}%"


def step_numbers_problem(numbers) -> str:
    """Why a domain with these step numbers cannot be offered to users ("" when it can)."""
    numbers = sorted(numbers)
    if numbers == list(STEP_NUMBERS):
        return ""
    missing = [n for n in STEP_NUMBERS if n not in numbers]
    have = f"it has {len(numbers)} step{'s' if len(numbers) != 1 else ''}"
    if missing:
        have += f" (step{'s' if len(missing) != 1 else ''} {', '.join(map(str, missing))} missing)"
    return (
        f"An active domain needs exactly five steps, numbered 1 to 5: {have}. Add the missing "
        "steps, or untick “Active” until the template is complete."
    )


class DomainQuerySet(models.QuerySet):
    def active(self):
        """Domains offered to users: active, with all five steps (step numbers are unique
        per domain and held to 1-5 by constraints, so five rows are steps 1 to 5)."""
        return (
            self.filter(is_active=True)
            .alias(step_count=Count("steps", distinct=True))
            .filter(step_count=len(STEP_NUMBERS))
        )


class Domain(models.Model):
    """An improvement domain (governance, record quality, ...) and its five-step template."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)
    key_questions = models.ManyToManyField(KeyQuestion, blank=True, related_name="domains")
    quality_statements = models.ManyToManyField(
        QualityStatement, blank=True, related_name="domains"
    )
    default_wider_areas = models.JSONField(default=list, blank=True)
    warning_signs = models.JSONField(default=list, blank=True)
    escalation_actions = models.JSONField(default=list, blank=True)
    suggested_indicators = models.JSONField(
        default=list,
        blank=True,
        help_text='List of {"name", "unit", "higher_is_better", "frontline"} suggestions.',
    )

    objects = DomainQuerySet.as_manager()

    # A form that edits the steps together with the domain (the admin, with its inline)
    # checks the steps as submitted and sets this, so clean() does not judge the old ones.
    steps_checked_by_form = False

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.is_active and self.pk is not None and not self.steps_checked_by_form:
            problem = step_numbers_problem(self.steps.values_list("number", flat=True))
            if problem:
                raise ValidationError({"is_active": problem})


class StepTemplate(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(choices=[(n, f"Step {n}") for n in STEP_NUMBERS])
    role = models.CharField(max_length=32, choices=STEP_ROLE_CHOICES)
    artefact_label = models.CharField(max_length=120)
    prompts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["domain", "number"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "number"], name="step_template_unique"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=5), name="step_template_number_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.domain}: step {self.number} – {self.artefact_label}"
