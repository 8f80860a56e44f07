"""Written reasons: withdrawing evidence, reopening a step, closing or withdrawing a case,
skipping a review, cancelling an escalation.

One length limit for all of them, checked in the forms, the models and the services, so a
long reason is refused with a clear message rather than failing in the database. The
history's change-reason column is a text column (SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_
TEXT_FIELD), so a reason up to the limit, with its "Withdrawn: " prefix, is kept whole there.
"""

from django.core.exceptions import ValidationError

REASON_MAX_LENGTH = 2000


def too_long_message(length: int) -> str:
    return (
        f"Keep the reason to {REASON_MAX_LENGTH:,} characters or fewer (this one has {length:,})."
    )


def validate_reason_length(value) -> None:
    """Validator for reason fields in models and forms."""
    if value and len(value) > REASON_MAX_LENGTH:
        raise ValidationError(too_long_message(len(value)), code="max_length")


def check_reason_length(reason: str, *, field: str = "reason") -> None:
    """For services: a too-long reason is a ValidationError on `field`, before any write."""
    if reason and len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({field: too_long_message(len(reason))})


def reason_field(**kwargs):
    """A model's reason column: text, limited to REASON_MAX_LENGTH by its validator."""
    from django.db import models

    kwargs.setdefault("blank", True)
    return models.TextField(
        max_length=REASON_MAX_LENGTH, validators=[validate_reason_length], **kwargs
    )
