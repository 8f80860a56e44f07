from django import forms

from assurance.cases.forms import StepForm
from assurance.common.forms import TEXT
from assurance.judgement.models import InfluenceLevel
from assurance.organisations.frameworks import framework_for
from domains.models import KeyQuestion


class JudgementForm(StepForm):
    summary = forms.CharField(
        label="Assurance summary",
        widget=TEXT,
        error_messages={"required": "Enter the assurance summary"},
    )
    level = forms.ChoiceField(
        label="Influence level",
        choices=InfluenceLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an influence level"},
    )
    key_questions = forms.ModelMultipleChoiceField(
        label="Key questions it may influence",
        queryset=KeyQuestion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    not_yet = forms.CharField(
        label="Where it should not yet influence the rating picture", widget=TEXT
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=TEXT,
        error_messages={"required": "Enter the rationale for the level you chose"},
    )
    escalate = forms.BooleanField(
        label="Escalate: oversight has improved faster than frontline reliability",
        required=False,
    )
    overclaim_justification = forms.CharField(
        label="Why the judgement goes beyond the evidence (only if it does)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The key questions of the framework the case's location is assessed against now,
        # scored or in the round: the five are the same in every version.
        framework = framework_for(self.case.location)
        self.fields["key_questions"].queryset = KeyQuestion.objects.filter(framework=framework)
        if framework is not None:
            self.fields["key_questions"].help_text = f"Under {framework.name}."
