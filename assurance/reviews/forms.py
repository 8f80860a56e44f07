from django import forms

from assurance.cases.workflow import MIN_REASON_LENGTH
from assurance.common.forms import PlainErrors, ReasonField
from assurance.common.reasons import REASON_MAX_LENGTH
from assurance.reviews.services import OUTCOMES

# --- Reviews ---------------------------------------------------------------------------


class ReviewCompleteForm(PlainErrors, forms.Form):
    outcome = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Choose an outcome"}
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="What you looked at and what you saw. Needed for a gap, an escalation or "
        "closing the case.",
    )

    def __init__(self, *args, kind, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [(o.value, o.label) for o in OUTCOMES[kind]]


class ReviewSkipForm(PlainErrors, forms.Form):
    reason = ReasonField(
        min_length=MIN_REASON_LENGTH,
        help_text=f"Kept on the record. The next review is created as usual. Up to "
        f"{REASON_MAX_LENGTH:,} characters.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "skip_%s")
        super().__init__(*args, **kwargs)
