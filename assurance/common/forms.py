"""Form pieces every room uses."""

from django import forms
from django.utils import timezone

from assurance.common.reasons import REASON_MAX_LENGTH, validate_reason_length

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


def not_future(value, message="This date is in the future."):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)
    return value


class ReasonField(forms.CharField):
    """A written reason: at most REASON_MAX_LENGTH characters, refused with a clear message.

    No `maxlength` attribute on the textarea: a browser would silently cut a pasted reason
    short, whereas the server refuses it and shows the whole text again to shorten.
    """

    widget = forms.Textarea(attrs={"rows": 2})

    default_error_messages = {
        "min_length": "Give a reason of at least a short sentence (%(limit_value)d characters "
        "or more).",
    }

    def __init__(self, *, min_length=None, **kwargs):
        kwargs.setdefault("help_text", f"Up to {REASON_MAX_LENGTH:,} characters.")
        super().__init__(min_length=min_length, **kwargs)
        self.validators.append(validate_reason_length)
