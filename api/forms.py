from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone

from assurance.common.forms import DATE


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80, help_text="What it is for, so you can tell it apart later."
    )
    expires_on = forms.DateField(
        label="Works until",
        widget=DATE,
        help_text="The last day it works.",
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
