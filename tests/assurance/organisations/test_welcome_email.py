"""The welcome email goes out from a Celery task queued after the membership commits: a mail
server that is down never fails the request or loses the email."""

import smtplib
from unittest import mock

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from assurance.common import queueing
from assurance.organisations import tasks as organisation_tasks
from assurance.organisations.models import Membership
from domains.roles import Role

pytestmark = pytest.mark.django_db

MAIL_DOWN = "tests.assurance.organisations.test_welcome_email.MailServerDown"


class MailServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class MailRefusesTheAddress(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"No such user")})


@pytest.fixture
def queued(monkeypatch):
    """Record what is queued instead of running it."""
    calls = []

    def record(batch):
        calls.extend((task.name, args) for task, args, _ in batch)
        return True

    monkeypatch.setattr(queueing, "_send", record)
    return calls


def _add_member(client, location, email="new.carer@example.org"):
    return client.post(
        reverse("organisations:location_member_add", args=[location.uuid]),
        {"email": email, "role": Role.TEAM_LEADER, "first_name": "Nia"},
    )


def test_adding_a_member_with_the_mail_server_down_saves_it_and_queues_the_email(
    client,
    location,
    registered_manager,
    settings,
    queued,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = MAIL_DOWN
    client.force_login(registered_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_member(client, location)
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.carer@example.org")
    assert queued == [("assurance.tasks.send_welcome_email", (membership.pk,))]

    # The worker's first attempt meets the dead mail server and is retried with backoff.
    retrying = RuntimeError("retry")
    task = organisation_tasks.send_welcome_email
    with (
        mock.patch.object(task, "retry", side_effect=retrying) as retry,
        pytest.raises(RuntimeError, match="retry"),
    ):
        task.run(membership.pk)
    assert retry.call_args.kwargs["countdown"] == 60
    assert isinstance(retry.call_args.kwargs["exc"], smtplib.SMTPServerDisconnected)

    # Once mail works, running it again sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task.run(membership.pk)
    assert [m.to for m in mailoutbox] == [["new.carer@example.org"]]
    assert "/accounts/reset/" in mailoutbox[0].body


def test_nothing_is_queued_for_a_member_who_already_has_an_account(
    client, location, registered_manager, deputy_manager, queued, django_capture_on_commit_callbacks
):
    client.force_login(registered_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_member(client, location, email=deputy_manager.email)
    assert response.status_code == 302
    assert queued == []


def test_the_retries_back_off_up_to_an_hour(location, registered_manager, settings):
    settings.EMAIL_BACKEND = MAIL_DOWN
    membership = Membership.objects.get(user=registered_manager)
    task = organisation_tasks.send_welcome_email
    delays = []
    for retries in range(8):
        with (
            mock.patch.object(task, "retry", side_effect=RuntimeError) as retry,
            mock.patch.object(task.request, "retries", retries),
            pytest.raises(RuntimeError),
        ):
            task.run(membership.pk)
        delays.append(retry.call_args.kwargs["countdown"])
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_refused_address_is_not_retried(location, registered_manager, settings, caplog):
    settings.EMAIL_BACKEND = (
        "tests.assurance.organisations.test_welcome_email.MailRefusesTheAddress"
    )
    membership = Membership.objects.get(user=registered_manager)
    task = organisation_tasks.send_welcome_email
    with mock.patch.object(task, "retry") as retry:
        task.run(membership.pk)
    retry.assert_not_called()
    assert "refused" in caplog.text


def test_no_welcome_for_a_membership_ended_before_the_email_went(
    location, registered_manager, settings, mailoutbox
):
    membership = Membership.objects.get(user=registered_manager)
    Membership.objects.filter(pk=membership.pk).update(ended_at=timezone.now())
    organisation_tasks.send_welcome_email.run(membership.pk)
    assert mailoutbox == []


def test_the_task_is_found_by_autodiscovery():
    import assurance.tasks

    assert assurance.tasks.send_welcome_email is organisation_tasks.send_welcome_email
