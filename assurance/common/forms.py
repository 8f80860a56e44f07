"""Form pieces every room uses."""

from django import forms
from django.utils import timezone

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def not_future(value, message="This date is in the future."):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value
