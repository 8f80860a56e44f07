from django import forms

from assurance.cases.models import ImprovementCase
from assurance.cases.workflow import MIN_REASON_LENGTH
from assurance.common.forms import DATE, TEXT, PlainErrors, ReasonField, not_future
from assurance.rating.models import RATIONALE_MAX_LENGTH
from domains.models import Framework, QualityStatement
from evidence.models import EvidenceItem

CHOOSE_A_RATING = "Choose a rating."
CHOOSE_A_SCORE = "Choose a score."
CITED_EVIDENCE_SHOWN = 200  # the newest current items of the location offered to cite


def _rating_choices(framework):
    """The framework's ratings after a blank first choice: nothing is preselected."""
    return [("", "Choose a rating")] + [(label, label) for label in framework.rating_labels]


class PublishedRatingForm(PlainErrors, forms.Form):
    key_question = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose a key question",
        error_messages={"required": "Choose a key question"},
    )
    rating = forms.ChoiceField(choices=(), error_messages={"required": CHOOSE_A_RATING})
    published_on = forms.DateField(
        label="Published on",
        widget=DATE,
        error_messages={"required": "Enter the date the rating was published"},
    )

    def __init__(self, *args, framework, **kwargs):
        kwargs.setdefault("auto_id", "published_%s")
        super().__init__(*args, **kwargs)
        self.fields["key_question"].queryset = framework.key_questions.all()
        self.fields["rating"].choices = _rating_choices(framework)

    def clean_published_on(self):
        return not_future(self.cleaned_data["published_on"])


class StatementScoreForm(PlainErrors, forms.Form):
    quality_statement = forms.ModelChoiceField(
        queryset=None,
        label="Quality statement",
        error_messages={"required": "Choose a quality statement"},
    )
    score = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Choose a score"),
            (4, "4 – exceptional standard"),
            (3, "3 – good standard"),
            (2, "2 – some shortfalls"),
            (1, "1 – significant shortfalls"),
        ],
        error_messages={"required": CHOOSE_A_SCORE},
    )
    assessed_on = forms.DateField(
        label="Assessed on",
        widget=DATE,
        error_messages={"required": "Enter the date the statement was assessed"},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=RATIONALE_MAX_LENGTH,
        error_messages={
            "required": "Enter the rationale for the score",
            "max_length": f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args, framework, **kwargs):
        kwargs.setdefault("auto_id", "score_%s")
        super().__init__(*args, **kwargs)
        self.fields["quality_statement"].queryset = QualityStatement.objects.filter(
            key_question__framework=framework
        ).select_related("key_question")

    def clean_assessed_on(self):
        return not_future(self.cleaned_data["assessed_on"])


class SelfJudgementForm(forms.Form):
    """A key question judged in the round, against the framework's rating characteristics."""

    key_question = forms.ModelChoiceField(
        queryset=None, label="Key question", empty_label="Choose a key question"
    )
    rating = forms.ChoiceField(choices=(), error_messages={"required": CHOOSE_A_RATING})
    rationale = forms.CharField(
        label="Rationale, written against the rating characteristics",
        widget=TEXT,
        max_length=RATIONALE_MAX_LENGTH,
        error_messages={
            "required": "Write the rationale against the characteristics.",
            "max_length": f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters or fewer",
        },
    )
    judged_on = forms.DateField(label="Judged on", widget=DATE)
    cases = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Cases it rests on",
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Evidence it rests on",
        help_text=f"The {CITED_EVIDENCE_SHOWN} newest current items of this location's cases.",
    )

    def __init__(self, *args, framework, location, **kwargs):
        kwargs.setdefault("auto_id", "self_%s")
        super().__init__(*args, **kwargs)
        self.fields["key_question"].queryset = framework.key_questions.all()
        self.fields["rating"].choices = _rating_choices(framework)
        self.fields["cases"].queryset = ImprovementCase.objects.filter(location=location).active()
        newest = (
            EvidenceItem.objects.filter(case__location=location, withdrawn_at__isnull=True)
            .order_by("-occurred_on", "-id")
            .values("id")[:CITED_EVIDENCE_SHOWN]
        )
        self.fields["evidence"].queryset = (
            EvidenceItem.objects.filter(id__in=newest)
            .select_related("case")
            .order_by("-occurred_on", "-id")
        )
        self.fields["evidence"].label_from_instance = lambda item: (
            f"{item.occurred_on:%d/%m/%y} {item.case.title}: {item.summary[:80]}"
        )

    def clean_judged_on(self):
        return not_future(self.cleaned_data["judged_on"])


class FrameworkSwitchForm(forms.Form):
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.order_by("name"),
        label="Assess against",
        empty_label="Choose a framework",
        error_messages={"required": "Choose a framework."},
    )
    effective_on = forms.DateField(label="From", widget=DATE)
    reason = ReasonField(label="Why switch?", widget=TEXT, min_length=MIN_REASON_LENGTH)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "switch_%s")
        super().__init__(*args, **kwargs)
        self.fields["framework"].label_from_instance = lambda f: (
            f"{f.name} ({f.slug}, {f.get_method_display().split(' (')[0].lower()})"
        )
