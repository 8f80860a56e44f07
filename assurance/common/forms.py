"""Form pieces every room uses."""

from django import forms
from django.utils import timezone

from assurance.common.reasons import REASON_MAX_LENGTH, validate_reason_length

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})

IN_FUTURE = "The date must be today or in the past."


def not_future(value, message=IN_FUTURE):
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
        "required": f"Enter a reason of up to {REASON_MAX_LENGTH:,} characters.",
        "min_length": "Give a reason of at least a short sentence (%(limit_value)d characters "
        "or more).",
    }

    def __init__(self, *, min_length=None, **kwargs):
        kwargs.setdefault("help_text", f"Up to {REASON_MAX_LENGTH:,} characters.")
        super().__init__(min_length=min_length, **kwargs)
        self.validators.append(validate_reason_length)


# --- error messages that say how to put it right ---------------------------------------------


def _django_defaults(field):
    """The messages Django's own field classes give `field`: only these are reworded."""
    defaults = {}
    for cls in reversed(type(field).__mro__):
        if cls.__module__.startswith("django.") and "default_error_messages" in vars(cls):
            defaults.update(cls.default_error_messages)
    return defaults


def _what(field, name):
    """The field's label as the object of a sentence: "Due on" -> "due on"."""
    label = str(field.label or name.replace("_", " ").capitalize()).rstrip("?:. ")
    if len(label) > 1 and label[1].isupper():  # "CQC evidence category"
        return label
    return label[:1].lower() + label[1:]


def plain_messages(field, name):
    """GOV.UK-style wording from the field's type and label ("Enter the date ...", "Choose
    ..."), for the messages nobody wrote for this field."""
    what = _what(field, name)
    if isinstance(field, forms.FileField):
        required = "Choose a file to upload"
    elif isinstance(field, forms.BooleanField):
        required = f"Tick “{field.label}” to go on"
    elif isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        required = f"Choose at least one of: {what}"
    elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        required = f"Choose {what}"
    else:
        required = f"Enter {what}"
    wording = {
        "required": required,
        "invalid_choice": f"Choose {what} from the list",
        "invalid_pk_value": f"Choose {what} from the list",
        "invalid_list": f"Choose {what} from the list",
    }
    if getattr(field, "max_length", None):
        wording["max_length"] = (
            f"{what[:1].upper()}{what[1:]} must be %(limit_value)d characters or fewer "
            "(it has %(show_value)d)"
        )
    if isinstance(field, forms.DateField):
        wording["invalid"] = f"Enter {what} as a real date, for example 30 9 2026"
    elif isinstance(field, forms.DecimalField | forms.FloatField):  # before IntegerField,
        wording["invalid"] = f"Enter {what} as a number, like 12 or 3.5"  # their base class
    elif isinstance(field, forms.IntegerField):
        wording["invalid"] = f"Enter {what} as a whole number, like 12"
    elif isinstance(field, forms.EmailField):
        wording["invalid"] = "Enter an email address in the correct format, like name@example.com"
    return wording


class PlainErrors:
    """Mixin for forms: each message says how to put it right. Messages a form sets on its
    fields (error_messages=...) are kept; Django's generic ones ("This field is required.")
    are replaced by wording from the field's label and type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            defaults = _django_defaults(field)
            for code, message in plain_messages(field, name).items():
                current = field.error_messages.get(code)
                if current is None or str(current) == str(defaults.get(code)):
                    field.error_messages[code] = message
