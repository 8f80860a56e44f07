from django import forms
from django.utils import timezone

from domains.models import KeyQuestion

from . import roles as r
from .models import ImprovementCase, Indicator, InfluenceLevel, Reading, TeamKind
from .workflow import MIN_REASON_LENGTH


class MemberAddForm(forms.Form):
    email = forms.EmailField(help_text="We email new people a link to set their password.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(choices=())
    expires_on = forms.DateField(
        required=False,
        label="Access ends on",
        help_text="Viewers only, e.g. an inspector's evidence pack. Leave blank for no end date.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, grantable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role")] + [
            (role.value, role.label) for role in r.Role if role in grantable
        ]

    def clean(self):
        data = super().clean()
        if data.get("expires_on") and data.get("role") != r.Role.VIEWER:
            self.add_error("expires_on", "Only a Viewer's access can have an end date.")
        return data


class TeamForm(forms.Form):
    name = forms.CharField(max_length=120, label="Team, unit or shift pattern")
    kind = forms.ChoiceField(choices=TeamKind.choices, initial=TeamKind.TEAM)


# --- Improvement cases -------------------------------------------------------------------


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError("This date is in the future.")
    return value


class CaseForm(forms.ModelForm):
    """Open or edit a case. The domain is chosen first; its template's wider areas are
    offered as ticks, and other areas can be typed."""

    wider_areas = forms.MultipleChoiceField(
        label="Wider areas it may influence",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    extra_areas = forms.CharField(
        label="Other wider areas",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, for areas not in the list above.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ImprovementCase
        fields = ["title", "baseline_issue", "improvement_began"]
        widgets = {"improvement_began": DATE, "baseline_issue": TEXT}
        labels = {"baseline_issue": "Baseline issue"}

    def __init__(self, *args, domain, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(self.instance.wider_areas) if self.instance.pk else []
        areas = current + [a for a in domain.default_wider_areas if a not in current]
        self.fields["wider_areas"].choices = [(a, a) for a in areas]
        if self.instance.pk:
            self.initial.setdefault("wider_areas", current)
            self.initial.setdefault("version", self.instance.version)

    def clean_improvement_began(self):
        return _not_future(self.cleaned_data["improvement_began"])

    def clean(self):
        data = super().clean()
        extra = [line.strip() for line in data.get("extra_areas", "").splitlines() if line.strip()]
        data["wider_areas"] = list(data.get("wider_areas") or []) + extra
        if not data["wider_areas"]:
            self.add_error("wider_areas", "Choose or add at least one wider area.")
        return data


class CaseStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[("closed", "Close the case"), ("withdrawn", "Withdraw it")])
    reason = forms.CharField(widget=TEXT, min_length=10)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "side", "higher_is_better", "baseline", "target"]
        labels = {"side": "Which side it measures"}
        help_texts = {
            "side": "Leadership-side: audits, action completion, reporting. Frontline-side: "
            "observed practice, handovers, feedback."
        }

    def clean(self):
        data = super().clean()
        baseline, target = data.get("baseline"), data.get("target")
        if baseline is not None and target is not None:
            if baseline == target:
                self.add_error("target", "The target must differ from the baseline.")
            elif data.get("higher_is_better") and target < baseline:
                self.add_error(
                    "target", "Higher is better, so the target should be above the baseline."
                )
            elif not data.get("higher_is_better") and target > baseline:
                self.add_error(
                    "target", "Lower is better, so the target should be below the baseline."
                )
        return data

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "indicator_%s")
        super().__init__(*args, **kwargs)


class ReadingForm(forms.ModelForm):
    class Meta:
        model = Reading
        fields = ["taken_on", "value", "team", "note"]
        widgets = {"taken_on": DATE}
        labels = {"team": "Team (optional)"}

    def __init__(self, *args, location, **kwargs):
        kwargs.setdefault("auto_id", "reading_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = location.teams.active()
        self.fields["team"].required = False

    def clean_taken_on(self):
        return _not_future(self.cleaned_data["taken_on"])


class StepForm(forms.Form):
    """Base for the five artefact forms. `version` guards against lost updates."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case, step, draft=False, **kwargs):
        self.case = case
        self.step = step
        kwargs.setdefault("auto_id", f"step{step.number}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {**step.data, **kwargs["initial"], "version": step.version}
        super().__init__(*args, **kwargs)
        if draft:
            # A draft may be half written; completing the step needs every answer.
            for name, field in self.fields.items():
                field.required = name == "version"

    def artefact_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class Step1Form(StepForm):
    what_improved = forms.CharField(label="What improved", widget=TEXT)
    how_measured = forms.CharField(label="How it was measured", widget=TEXT)
    evidence_reviewed = forms.CharField(label="Evidence reviewed", widget=TEXT)
    areas_with_effect = forms.MultipleChoiceField(
        label="Wider areas now showing an effect",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas_with_effect"].choices = [(a, a) for a in self.case.wider_areas]


class Step2Form(StepForm):
    earlier_weakness = forms.CharField(label="The earlier weakness", widget=TEXT)
    current_practice = forms.CharField(label="Current practice, compared with it", widget=TEXT)


class Step3Form(StepForm):
    summary = forms.CharField(
        label="What the checks show",
        widget=TEXT,
        help_text="Where practice has changed, and the settings where gains are less embedded.",
    )


class Step4Form(StepForm):
    summary = forms.CharField(
        label="How the stronger standard is being embedded",
        widget=TEXT,
    )


class JudgementForm(StepForm):
    summary = forms.CharField(label="Assurance summary", widget=TEXT)
    level = forms.ChoiceField(
        label="Influence level", choices=InfluenceLevel.choices, widget=forms.RadioSelect
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
    rationale = forms.CharField(label="Rationale", widget=TEXT)
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
        from domains.models import Framework

        framework = Framework.objects.current()
        self.fields["key_questions"].queryset = KeyQuestion.objects.filter(framework=framework)


STEP_FORMS = {1: Step1Form, 2: Step2Form, 3: Step3Form, 4: Step4Form, 5: JudgementForm}


# --- Proportionality: escalations and the rating picture ----------------------------------


class EscalationForm(forms.Form):
    action = forms.ChoiceField(label="Action")
    other_action = forms.CharField(
        label="Or another action",
        required=False,
        max_length=160,
        help_text="Used instead of the list when filled in.",
    )
    detail = forms.CharField(label="Why, and what should happen", widget=TEXT)
    owner = forms.ModelChoiceField(
        queryset=None, required=False, help_text="A member of this location."
    )
    due_on = forms.DateField(label="Due on", widget=DATE)

    def __init__(self, *args, case, owners, **kwargs):
        kwargs.setdefault("auto_id", "escalation_%s")
        super().__init__(*args, **kwargs)
        actions = case.domain.escalation_actions or ["Review with the Registered Manager"]
        self.fields["action"].choices = [(a, a) for a in actions]
        self.fields["owner"].queryset = owners

    def clean(self):
        data = super().clean()
        if data.get("other_action", "").strip():
            data["action"] = data["other_action"].strip()
        return data


class EscalationUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(queryset=None, required=False)
    due_on = forms.DateField(label="Due on", widget=DATE, required=False)
    status = forms.ChoiceField(choices=())
    outcome = forms.CharField(label="Outcome note", widget=TEXT, required=False)
    cancel_reason = forms.CharField(label="Reason for cancelling", widget=TEXT, required=False)

    def __init__(self, *args, escalation, owners, manager, **kwargs):
        from .models import EscalationStatus

        kwargs.setdefault("auto_id", "update_%s")
        kwargs.setdefault(
            "initial",
            {
                "version": escalation.version,
                "owner": escalation.owner_id,
                "due_on": escalation.due_on,
                "status": escalation.status,
                "outcome": escalation.outcome,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["status"].choices = EscalationStatus.choices
        if not manager:
            del self.fields["owner"]
            del self.fields["due_on"]


class PublishedRatingForm(forms.Form):
    key_question = forms.ModelChoiceField(queryset=None)
    rating = forms.ChoiceField(choices=())
    published_on = forms.DateField(label="Published on", widget=DATE)

    def __init__(self, *args, framework, **kwargs):
        kwargs.setdefault("auto_id", "published_%s")
        super().__init__(*args, **kwargs)
        self.fields["key_question"].queryset = framework.key_questions.all()
        self.fields["rating"].choices = [(label, label) for label in framework.rating_labels]

    def clean_published_on(self):
        return _not_future(self.cleaned_data["published_on"])


class StatementScoreForm(forms.Form):
    quality_statement = forms.ModelChoiceField(queryset=None, label="Quality statement")
    score = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (4, "4 – exceptional standard"),
            (3, "3 – good standard"),
            (2, "2 – some shortfalls"),
            (1, "1 – significant shortfalls"),
        ],
    )
    assessed_on = forms.DateField(label="Assessed on", widget=DATE)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, framework, **kwargs):
        from domains.models import QualityStatement

        kwargs.setdefault("auto_id", "score_%s")
        super().__init__(*args, **kwargs)
        self.fields["quality_statement"].queryset = QualityStatement.objects.filter(
            key_question__framework=framework
        ).select_related("key_question")

    def clean_assessed_on(self):
        return _not_future(self.cleaned_data["assessed_on"])


# --- Reviews ---------------------------------------------------------------------------


class ReviewCompleteForm(forms.Form):
    outcome = forms.ChoiceField(widget=forms.RadioSelect)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What you looked at and what you saw. Needed for a gap, an escalation or "
        "closing the case.",
    )

    def __init__(self, *args, kind, **kwargs):
        from .review_services import OUTCOMES

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o.value, o.label) for o in OUTCOMES[kind]]


class ReviewSkipForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=MIN_REASON_LENGTH,
        help_text="Kept on the record. The next review is created as usual.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "skip_%s")
        super().__init__(*args, **kwargs)
