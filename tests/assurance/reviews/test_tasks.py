"""The Celery tasks, retries on email errors, the send_reminders command and the demo."""

import smtplib
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from assurance.reviews import reminders
from assurance.reviews import tasks as reviews_tasks
from assurance.reviews.models import DeliveryStatus, Notification, ReminderDelivery
from tests.assurance.reviews.conftest import monthly_review

pytestmark = pytest.mark.django_db

SEND = "assurance.reviews.reminders.EmailMultiAlternatives.send"


def test_the_sweep_task_sends_each_reminder_once(
    case, registered_manager, mailoutbox, django_capture_on_commit_callbacks
):
    monthly_review(case, days=1)
    with django_capture_on_commit_callbacks(execute=True):
        reviews_tasks.reminders_sweep.delay()
    with django_capture_on_commit_callbacks(execute=True):
        reviews_tasks.reminders_sweep.delay()
    assert [m.to for m in mailoutbox] == [["rm@example.org"]]
    assert ReminderDelivery.objects.get().status == DeliveryStatus.SENT


def test_a_transient_email_error_is_retried_with_backoff(case, registered_manager, mailoutbox):
    monthly_review(case, days=1)
    result = reminders.sweep()
    disconnected = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    retrying = RuntimeError("retry")
    with (
        mock.patch(SEND, side_effect=disconnected),
        mock.patch.object(reviews_tasks.reminders_deliver, "retry", side_effect=retrying) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        reviews_tasks.reminders_deliver.run(result.recipients[0])
    assert retry.call_args.kwargs["countdown"] == 60
    row = ReminderDelivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "SMTPServerDisconnected" in row.error and "will retry" in row.error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=59)
    # The in-app notification went out once, whatever happens to the email.
    assert Notification.objects.filter(user=registered_manager).count() == 1
    # Not due again yet: an early retry or sweep sends nothing.
    assert reminders.sweep().recipients == []
    assert reminders.deliver_to(recipient_id=registered_manager.pk).nothing


def test_the_final_failure_is_recorded_after_the_last_attempt(
    case, registered_manager, mailoutbox, time_machine, settings
):
    settings.REMINDER_MAX_ATTEMPTS = 3
    monthly_review(case, days=1)
    reminders.sweep()
    backoffs = []
    with mock.patch(SEND, side_effect=ConnectionRefusedError(111, "Connection refused")):
        for _ in range(3):
            try:
                reminders.deliver_to(recipient_id=registered_manager.pk)
            except reminders.TransientDeliveryError as exc:
                backoffs.append(exc.retry_in)
            time_machine.move_to(timezone.now() + timedelta(hours=1))
    assert backoffs == [60, 120]
    row = ReminderDelivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
    assert row.error.startswith("ConnectionRefusedError")
    # Failed stays failed: later sweeps do not try again or send twice.
    reminders.run()
    assert ReminderDelivery.objects.get().status == DeliveryStatus.FAILED
    assert Notification.objects.count() == 1
    assert mailoutbox == []


def test_a_refused_recipient_is_not_retried(case, registered_manager):
    monthly_review(case, days=1)
    reminders.sweep()
    refused = smtplib.SMTPRecipientsRefused({"rm@example.org": (550, b"No such user")})
    with mock.patch(SEND, side_effect=refused):
        result = reminders.deliver_to(recipient_id=registered_manager.pk)
    assert not result.will_retry
    assert ReminderDelivery.objects.get().status == DeliveryStatus.FAILED


def test_a_retry_after_success_sends_nothing(case, registered_manager, mailoutbox):
    monthly_review(case, days=1)
    result = reminders.sweep()
    reviews_tasks.reminders_deliver.run(result.recipients[0])
    reviews_tasks.reminders_deliver.run(result.recipients[0])  # a redelivered message
    assert len(mailoutbox) == 1


def test_the_command_prints_what_it_sent(case, registered_manager, senior_leader, mailoutbox):
    monthly_review(case, days=-14)
    out = StringIO()
    call_command("send_reminders", stdout=out)
    text = out.getvalue()
    assert "Claimed 2 new reminders" in text
    assert "Sent to rm@example.org: Overdue by 14 days or more – Monthly review" in text
    assert "Sent to sl@example.org: Overdue by 14 days or more" in text
    assert "2 reminders sent." in text
    assert len(mailoutbox) == 2
    again = StringIO()
    call_command("send_reminders", stdout=again)
    assert "Claimed 0 new reminders" in again.getvalue()
    assert "Nothing to send." in again.getvalue()
    assert len(mailoutbox) == 2


def test_a_starting_worker_asks_for_a_sweep(settings):
    settings.REMINDER_SWEEP_ON_WORKER_START = True
    with mock.patch.object(reviews_tasks, "enqueue") as enqueue:
        reviews_tasks.sweep_when_a_worker_starts()
    enqueue.assert_called_once_with(reviews_tasks.reminders_sweep)
    settings.REMINDER_SWEEP_ON_WORKER_START = False
    with mock.patch.object(reviews_tasks, "enqueue") as enqueue:
        reviews_tasks.sweep_when_a_worker_starts()
    enqueue.assert_not_called()


def test_the_beat_schedule_runs_the_sweep(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-sweep"]
    assert entry["task"] == reviews_tasks.reminders_sweep.name
    assert entry["schedule"] == settings.REMINDER_SWEEP_SECONDS
    assert reviews_tasks.reminders_sweep.acks_late and reviews_tasks.reminders_deliver.acks_late


def test_the_demo_has_an_overdue_review_that_reminds_its_manager(settings, mailoutbox):
    from assurance.demo import loader as demo
    from assurance.reviews.models import Review

    settings.DEBUG = True
    call_command("seed_demo")
    assert Review.objects.overdue(timezone.localdate() - timedelta(days=13)).exists()
    call_command("send_reminders", stdout=StringIO())
    by_person = {m.to[0]: m for m in mailoutbox}
    assert "Overdue by 14 days or more" in by_person["registered.manager@example.org"].body
    assert demo.GOVERNANCE_TITLE in by_person["registered.manager@example.org"].body
    assert "next level up" in by_person["senior.leader@example.org"].body
