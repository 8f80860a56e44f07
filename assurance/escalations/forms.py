from django import forms

from assurance.common.forms import DATE, TEXT, PlainErrors, ReasonField
from assurance.escalations.models import EscalationStatus

# --- Proportionality: escalations and the rating picture ----------------------------------


class EscalationForm(PlainErrors, forms.Form):
    action = forms.ChoiceField(label="Action", error_messages={"required": "Choose an action"})
    other_action = forms.CharField(
        label="Or another action",
        required=False,
        max_length=160,
        help_text="Used instead of the list when filled in.",
    )
    detail = forms.CharField(
        label="Why, and what should happen",
        widget=TEXT,
        error_messages={"required": "Enter why it is escalated and what should happen"},
    )
    owner = forms.ModelChoiceField(
        queryset=None, required=False, help_text="A member of this location."
    )
    due_on = forms.DateField(
        label="Due on", widget=DATE, error_messages={"required": "Enter the date it is due"}
    )

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


class EscalationUpdateForm(PlainErrors, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(queryset=None, required=False)
    due_on = forms.DateField(label="Due on", widget=DATE, required=False)
    status = forms.ChoiceField(choices=(), error_messages={"required": "Choose a status"})
    note = forms.CharField(
        label="Progress note",
        widget=TEXT,
        required=False,
        help_text="What was done and why: kept with this change on the escalation's record.",
    )
    outcome = forms.CharField(label="Outcome note", widget=TEXT, required=False)
    cancel_reason = ReasonField(label="Reason for cancelling", widget=TEXT, required=False)

    def __init__(self, *args, escalation, owners, manager, statuses, **kwargs):

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
        labels = dict(EscalationStatus.choices)
        self.fields["status"].choices = [(value, labels[value]) for value in statuses]
        if EscalationStatus.CANCELLED not in statuses:
            del self.fields["cancel_reason"]
        if not manager:
            del self.fields["owner"]
            del self.fields["due_on"]
