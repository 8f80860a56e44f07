"""List editors for the domain catalogue in the admin: one item per line in a text box,
instead of raw JSON (no package in the lock does this; it is a few lines)."""

from django import forms
from django.core.exceptions import ValidationError

from .models import STEP_NUMBERS, Domain, StepTemplate, step_numbers_problem

MAX_ITEM_LENGTH = 500


class LinesWidget(forms.Textarea):
    """A list of strings as one line each."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 5, "cols": 80, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return super().format_value(value)


class LinesField(forms.Field):
    """A list of short texts, typed one per line; blank lines and spaces at the ends go."""

    widget = LinesWidget
    default_error_messages = {
        "too_long": "Line %(line)s is longer than %(max)s characters: shorten it.",
    }

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        lines = [line.strip() for line in (value or "").splitlines()]
        return [line for line in lines if line]

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        for number, item in enumerate(value, start=1):
            if len(item) > MAX_ITEM_LENGTH:
                raise ValidationError(
                    self.error_messages["too_long"],
                    code="too_long",
                    params={"line": number, "max": MAX_ITEM_LENGTH},
                )

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


HIGHER = {"higher": True, "lower": False}
SIDE = {"frontline": True, "leadership": False}
INDICATOR_HELP = (
    "One indicator a line: name | unit | higher or lower (which is better) | frontline or "
    "leadership. For example: Audit action completion | % | higher | leadership"
)


class IndicatorLinesWidget(LinesWidget):
    def format_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(
                " | ".join(
                    [
                        str(item.get("name", "")),
                        str(item.get("unit", "")),
                        "higher" if item.get("higher_is_better", True) else "lower",
                        "frontline" if item.get("frontline") else "leadership",
                    ]
                )
                for item in value
                if isinstance(item, dict)
            )
        return super().format_value(value)


class IndicatorLinesField(LinesField):
    """Suggested indicators, one a line: name | unit | higher or lower | frontline or
    leadership; stored as the dicts the case page reads."""

    widget = IndicatorLinesWidget

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        indicators = []
        for number, line in enumerate(super().to_python(value), start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 4 or not parts[0]:
                raise ValidationError(
                    f"Line {number} (“{line[:60]}”) needs four parts separated by |: "
                    "name | unit | higher or lower | frontline or leadership."
                )
            name, unit, better, side = parts
            if better.lower() not in HIGHER:
                raise ValidationError(
                    f"Line {number}: write “higher” or “lower” for which is better, not “{better}”."
                )
            if side.lower() not in SIDE:
                raise ValidationError(
                    f"Line {number}: write “frontline” or “leadership” for the side it "
                    f"measures, not “{side}”."
                )
            indicators.append(
                {
                    "name": name,
                    "unit": unit,
                    "higher_is_better": HIGHER[better.lower()],
                    "frontline": SIDE[side.lower()],
                }
            )
        return indicators

    def validate(self, value):
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        try:
            return list(initial or []) != self.to_python(data)
        except ValidationError:
            return True


class DomainAdminForm(forms.ModelForm):
    default_wider_areas = LinesField(
        required=False, help_text="One wider service area a line, e.g. Medicines."
    )
    warning_signs = LinesField(required=False, help_text="One warning sign a line.")
    escalation_actions = LinesField(required=False, help_text="One action a line.")
    suggested_indicators = IndicatorLinesField(required=False, help_text=INDICATOR_HELP)

    class Meta:
        model = Domain
        fields = [
            "name",
            "slug",
            "summary",
            "is_active",
            "order",
            "key_questions",
            "quality_statements",
            "default_wider_areas",
            "warning_signs",
            "escalation_actions",
            "suggested_indicators",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The step inline (StepTemplateFormSet) checks the steps as submitted.
        self.instance.steps_checked_by_form = True


class StepTemplateForm(forms.ModelForm):
    prompts = LinesField(required=False, help_text="One prompt a line.")

    class Meta:
        model = StepTemplate
        fields = ["number", "role", "artefact_label", "prompts"]


class StepTemplateFormSet(forms.BaseInlineFormSet):
    """An active domain must keep exactly five steps, numbered 1 to 5."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.is_active:
            return
        numbers = [
            form.cleaned_data["number"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("number") in STEP_NUMBERS
        ]
        problem = step_numbers_problem(numbers)
        if problem:
            raise ValidationError(problem)
