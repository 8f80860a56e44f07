"""Which email errors are worth retrying."""

import smtplib

# Transient: the mail server or network may answer next time. A refused recipient will not.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused,)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_EMAIL_ERRORS) and not isinstance(exc, PERMANENT_EMAIL_ERRORS)
