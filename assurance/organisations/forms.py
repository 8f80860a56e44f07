from django import forms

from assurance.common.forms import PlainErrors
from assurance.organisations.models import TeamKind
from domains.roles import Role


class MemberAddForm(PlainErrors, forms.Form):
    email = forms.EmailField(
        help_text="We email new people a link to set their password.",
        error_messages={"required": "Enter the person's email address"},
    )
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    role = forms.ChoiceField(
        choices=(),
        error_messages={
            "required": "Choose a role",
            "invalid_choice": "Choose a role you can grant, from the list",
        },
    )
    expires_on = forms.DateField(
        required=False,
        label="Access ends on",
        help_text="Viewers only, e.g. an inspector's evidence pack. Leave blank for no end date.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, grantable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Choose a role")] + [
            (role.value, role.label) for role in Role if role in grantable
        ]

    def clean(self):
        data = super().clean()
        if data.get("expires_on") and data.get("role") != Role.VIEWER:
            self.add_error("expires_on", "Only a Viewer's access can have an end date.")
        return data


class TeamForm(PlainErrors, forms.Form):
    name = forms.CharField(
        max_length=120,
        label="Team, unit or shift pattern",
        error_messages={"required": "Enter the name of the team, unit or shift pattern"},
    )
    kind = forms.ChoiceField(
        choices=TeamKind.choices,
        initial=TeamKind.TEAM,
        error_messages={"required": "Choose what kind of group it is"},
    )
