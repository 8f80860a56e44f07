from django import forms
from django.db.models import Subquery

from assurance.cases.workflow import MIN_REASON_LENGTH
from assurance.common.forms import DATE, PlainErrors, ReasonField, not_future
from domains.models import EvidenceCategory, Framework

from .models import (
    ActionKind,
    Consistency,
    EvidenceItem,
    LinkStatus,
    Shift,
    Stance,
)
from .uploads import ALLOWED, ALLOWED_LABEL


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED)})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _current_categories():
    """The current framework's categories, as one lazy query (read when the form is shown)."""
    current = Framework.objects.filter(is_current=True).order_by("pk").values("pk")[:1]
    return EvidenceCategory.objects.filter(framework=Subquery(current))


IN_FUTURE = "The date must be today or in the past."


class EvidenceForm(PlainErrors, forms.ModelForm):
    files = MultipleFileField(
        required=False,
        help_text=f"Optional. {ALLOWED_LABEL}; several allowed.",
    )

    class Meta:
        model = EvidenceItem
        fields = ["source", "category", "occurred_on", "team", "stance", "summary", "valid_until"]
        widgets = {
            "occurred_on": DATE,
            "valid_until": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "stance": forms.RadioSelect,
        }
        error_messages = {
            "source": {"required": "Choose where the evidence comes from"},
            "category": {"required": "Choose an evidence category"},
            "occurred_on": {"required": "Enter the date the evidence describes"},
            "stance": {"required": "Choose a stance"},
            "summary": {"required": "Enter a short summary of the evidence"},
        }

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _current_categories()
        self.fields["team"].queryset = case.location.teams.active()
        self.fields["team"].required = False
        self.fields["stance"].initial = Stance.SUPPORTS
        self.fields["files"].help_text += f" Up to {_max_mb()} MB in all."

    def clean_occurred_on(self):
        return not_future(self.cleaned_data["occurred_on"], IN_FUTURE)

    def clean(self):
        cleaned = super().clean()
        occurred, until = cleaned.get("occurred_on"), cleaned.get("valid_until")
        if occurred and until and until < occurred:
            self.add_error(
                "valid_until", "Enter a date on or after the date the evidence describes."
            )
        return cleaned


def _max_mb():
    from django.conf import settings

    return settings.EVIDENCE_MAX_UPLOAD_MB


class WithdrawForm(PlainErrors, forms.Form):
    reason = ReasonField(label="Why is this evidence withdrawn?", min_length=MIN_REASON_LENGTH)

    def __init__(self, *args, item, **kwargs):
        # One form per evidence item on the case page: ids must not repeat.
        kwargs.setdefault("auto_id", f"withdraw-{item.uuid}-%s")
        super().__init__(*args, **kwargs)
        self.item_uuid = item.uuid


class LinkForm(PlainErrors, forms.Form):
    area = forms.ChoiceField(label="Wider area", error_messages={"required": "Choose a wider area"})
    status = forms.ChoiceField(
        choices=LinkStatus.choices,
        widget=forms.RadioSelect,
        initial=LinkStatus.ASSUMED,
        error_messages={"required": "Choose whether the link is evidenced or assumed"},
    )
    evidence = forms.ModelMultipleChoiceField(
        queryset=EvidenceItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For an evidenced link, the items that show the effect.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, case, evidence_items=None, **kwargs):
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a, a) for a in case.wider_areas]
        self.fields["evidence"].queryset = EvidenceItem.objects.filter(
            case=case, stance=Stance.SUPPORTS
        ).current()
        if evidence_items is not None:
            # Reuse rows the page already loaded: labels render without more queries, and
            # only when the form is shown or checked (a callable is read when first needed).
            self.fields["evidence"].choices = lambda: [
                (item.pk, str(item))
                for item in evidence_items
                if not item.is_withdrawn and item.stance == Stance.SUPPORTS
            ]


class PracticeCheckForm(PlainErrors, forms.Form):
    team = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose the team that was checked"}
    )
    shift = forms.ChoiceField(
        choices=Shift.choices, error_messages={"required": "Choose the shift"}
    )
    occurred_on = forms.DateField(
        label="Date of the check",
        widget=DATE,
        error_messages={"required": "Enter the date the check took place"},
    )
    sampled = forms.CharField(
        label="What was sampled or observed", widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(
        label="Was practice consistent?",
        choices=Consistency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether practice was consistent"},
    )
    category = forms.ModelChoiceField(
        label="CQC evidence category",
        queryset=None,
        error_messages={"required": "Choose a CQC evidence category"},
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("auto_id", "check_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = case.location.teams.active()
        self.fields["category"].queryset = _current_categories()
        categories = self.fields["category"].queryset
        # A callable initial is read only when the form is shown.
        self.fields["category"].initial = lambda: (
            categories.filter(name="Observation").values_list("pk", flat=True).first()
        )

    def clean_occurred_on(self):
        return not_future(self.cleaned_data["occurred_on"], IN_FUTURE)


class EmbeddingActionForm(PlainErrors, forms.Form):
    kind = forms.ChoiceField(
        label="Action",
        choices=ActionKind.choices,
        error_messages={"required": "Choose the kind of action"},
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Describe the action"},
    )
    team = forms.ModelChoiceField(queryset=None, required=False)
    action_date = forms.DateField(
        label="Date",
        widget=DATE,
        error_messages={"required": "Enter the date of the action"},
    )
    completed = forms.BooleanField(required=False)

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault("auto_id", "action_%s")
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = case.location.teams.active()
