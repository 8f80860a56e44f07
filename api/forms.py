from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from assurance.common.forms import DATE, PlainErrors


class TokenForm(PlainErrors, forms.Form):
    name = forms.CharField(
        max_length=80,
        help_text="What it is for, so you can tell it apart later.",
        error_messages={"required": "Enter a name for the token"},
    )
    expires_on = forms.DateField(
        label="Works until",
        widget=DATE,
        help_text="The last day it works.",
        error_messages={
            "required": "Enter the last day the token works",
            "invalid": "Enter the last day the token works as a real date, for example 30 9 2026",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "token_%s")
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["expires_on"].initial = today + timedelta(days=90)
        self.fields[
            "expires_on"
        ].help_text = (
            f"The last day it works: at most {settings.API_TOKEN_MAX_DAYS} days from today."
        )
