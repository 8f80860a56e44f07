from django import forms

from assurance.cases.models import ImprovementCase, Indicator, Reading
from assurance.cases.workflow import MIN_REASON_LENGTH
from assurance.common.forms import DATE, TEXT, PlainErrors, ReasonField, not_future

# --- Improvement cases -------------------------------------------------------------------


class CaseForm(PlainErrors, forms.ModelForm):
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
        error_messages = {
            "title": {"required": "Enter a title for the case"},
            "baseline_issue": {
                "required": "Describe the baseline issue: the weakness the improvement started from"
            },
            "improvement_began": {"required": "Enter the date the improvement work began"},
        }

    def __init__(self, *args, domain, **kwargs):
        super().__init__(*args, **kwargs)
        current = list(self.instance.wider_areas) if self.instance.pk else []
        areas = current + [a for a in domain.default_wider_areas if a not in current]
        self.fields["wider_areas"].choices = [(a, a) for a in areas]
        if self.instance.pk:
            self.initial.setdefault("wider_areas", current)
            self.initial.setdefault("version", self.instance.version)

    def clean_improvement_began(self):
        return not_future(
            self.cleaned_data["improvement_began"],
            "The date the improvement work began must be today or in the past",
        )

    def clean(self):
        data = super().clean()
        extra = [line.strip() for line in data.get("extra_areas", "").splitlines() if line.strip()]
        data["wider_areas"] = list(data.get("wider_areas") or []) + extra
        if not data["wider_areas"]:
            self.add_error("wider_areas", "Choose or add at least one wider area")
        return data


class CaseStatusForm(PlainErrors, forms.Form):
    status = forms.ChoiceField(
        choices=[("closed", "Close the case"), ("withdrawn", "Withdraw it"), ("open", "Reopen it")],
        error_messages={"required": "Choose whether to close or withdraw the case"},
    )
    reason = ReasonField(widget=TEXT, min_length=MIN_REASON_LENGTH)

    def __init__(self, *args, closing=True, **kwargs):
        kwargs.setdefault("auto_id", "status_%s")
        super().__init__(*args, **kwargs)
        if closing:  # the close-or-withdraw form offers no reopening
            self.fields["status"].choices = self.fields["status"].choices[:2]


class StepReopenForm(PlainErrors, forms.Form):
    reason = ReasonField(label="Why does this step need reopening?", min_length=MIN_REASON_LENGTH)

    def __init__(self, *args, number, **kwargs):
        kwargs.setdefault("auto_id", f"reopen{number}_%s")
        super().__init__(*args, **kwargs)


class IndicatorForm(PlainErrors, forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["name", "unit", "side", "higher_is_better", "baseline", "target"]
        labels = {"side": "Which side it measures"}
        help_texts = {
            "side": "Leadership-side: audits, action completion, reporting. Frontline-side: "
            "observed practice, handovers, feedback."
        }
        error_messages = {
            "name": {"required": "Enter a name for the indicator"},
            "side": {"required": "Choose which side it measures"},
            "baseline": {
                "required": "Enter the baseline as a number",
                "invalid": "Enter the baseline as a number, like 12 or 3.5",
            },
            "target": {
                "required": "Enter the target as a number",
                "invalid": "Enter the target as a number, like 12 or 3.5",
            },
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


class ReadingForm(PlainErrors, forms.ModelForm):
    class Meta:
        model = Reading
        fields = ["taken_on", "value", "team", "note"]
        widgets = {"taken_on": DATE}
        labels = {"team": "Team (optional)"}
        error_messages = {
            "taken_on": {"required": "Enter the date the reading was taken"},
            "value": {
                "required": "Enter the reading as a number",
                "invalid": "Enter the reading as a number, like 12 or 3.5",
            },
        }

    def __init__(self, *args, location, **kwargs):
        kwargs.setdefault("auto_id", "reading_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = location.teams.active()
        self.fields["team"].required = False

    def clean_taken_on(self):
        return not_future(
            self.cleaned_data["taken_on"], "The date of the reading must be today or in the past"
        )


class StepForm(PlainErrors, forms.Form):
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
    evidence_reviewed = forms.CharField(
        label="Evidence reviewed",
        widget=TEXT,
        error_messages={"required": "Enter the evidence reviewed"},
    )
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
    current_practice = forms.CharField(
        label="Current practice, compared with it",
        widget=TEXT,
        error_messages={
            "required": "Describe current practice, compared with the earlier weakness"
        },
    )


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
