"""Which email errors are worth retrying, and the embedded set-up's email backend."""

import logging
import smtplib

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

logger = logging.getLogger("assurance.mail")

# Transient: the mail server or network may answer next time. A refused recipient will not.
TRANSIENT_EMAIL_ERRORS = (smtplib.SMTPException, OSError)
PERMANENT_EMAIL_ERRORS = (smtplib.SMTPRecipientsRefused,)


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT_EMAIL_ERRORS) and not isinstance(exc, PERMANENT_EMAIL_ERRORS)


class LoggedFileEmailBackend(FileEmailBackend):
    """The embedded set-up's email (EMAIL_URL unset): each message is written whole to a file
    in EMAIL_FILE_PATH (under the data folder) and logged as one line, its subject and
    recipients, so the run log stays readable and the message can still be read."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        if sent:
            for message in email_messages:
                logger.info(
                    "Email %r to %s written to %s",
                    message.subject,
                    ", ".join(message.recipients()),
                    self._fname,
                )
        return sent
