"""Celery tasks for organisations: the welcome email of a new member.

Queued with `enqueue` once the membership commits, so a mail server that is down never fails
the request (the membership is saved and the email follows when mail works again).
Transient email errors are retried with backoff; a refused address is logged, not retried.
"""

import logging

from celery import shared_task

from assurance.common.mail import is_transient
from assurance.organisations import emails
from assurance.organisations.models import Membership

__all__ = ["send_welcome_email"]

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 60  # doubles with each attempt
RETRY_BACKOFF_MAX_SECONDS = 3600
MAX_RETRIES = 12  # about eight hours of trying before giving up


def retry_delay(retries: int) -> int:
    return min(RETRY_BACKOFF_SECONDS * 2**retries, RETRY_BACKOFF_MAX_SECONDS)


@shared_task(
    bind=True,
    name="assurance.tasks.send_welcome_email",
    acks_late=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def send_welcome_email(self, membership_id):
    membership = (
        Membership.objects.select_related("user", "provider", "location")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None or not Membership.objects.current().filter(pk=membership_id).exists():
        log.info("Welcome email not sent: membership %s has ended or is gone", membership_id)
        return
    user = membership.user
    try:
        emails.send_welcome_email(user=user, membership=membership)
    except Exception as exc:
        if not is_transient(exc):
            log.exception("Welcome email to %s refused or failed; not retried", user.email)
            return
        delay = retry_delay(self.request.retries)
        log.warning("Welcome email to %s failed, retrying in %ss: %s", user.email, delay, exc)
        raise self.retry(exc=exc, countdown=delay) from exc
    log.info("Welcome email sent to %s", user.email)
