"""The reminder sweep: who is told, about what, once."""

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assurance.organisations.models import Membership
from assurance.reviews import cadence as reviews
from assurance.reviews import reminders
from assurance.reviews.models import DeliveryStatus, Notification, ReminderDelivery, ReviewStatus
from domains.roles import Role
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def ledger():
    return Counter(
        (r.review_id or r.escalation_id, r.stage, r.recipient.username, r.audience, r.status)
        for r in ReminderDelivery.objects.select_related("recipient")
    )


def sent_to():
    return Counter(address for message in mail.outbox for address in message.to)


def test_it_sends_each_person_one_digest_of_their_items(
    many_cases, provider, registered_manager, senior_leader, quality_lead, mailoutbox
):
    first, second = many_cases(2)
    monthly_review(first, days=1)
    monthly_review(second, days=-3)
    quarterly_review(provider, days=5)
    reminders.run()
    assert sent_to() == {"rm@example.org": 1, "sl@example.org": 1}
    digest = next(m for m in mailoutbox if m.to == ["rm@example.org"])
    assert digest.subject == "2 reviews and escalations need your attention (1 overdue)"
    assert "Case 0" in digest.body and "Case 1" in digest.body
    assert "Due tomorrow" in digest.body and "Overdue" in digest.body
    html = digest.alternatives[0][0]
    assert 'href="http://127.0.0.1:8000/reviews/' in html
    assert Notification.objects.filter(user=registered_manager).count() == 1
    notification = Notification.objects.get(user=registered_manager)
    assert [i["stage"] for i in notification.items] == ["overdue", "due_1"]
    assert all(i["path"].startswith("/reviews/") for i in notification.items)


def test_it_sends_nothing_more_when_the_sweep_runs_again(
    case, provider, registered_manager, senior_leader, deputy_manager, mailoutbox
):
    monthly_review(case, days=-20)
    quarterly_review(provider, days=0)
    escalation(case, days=-2, owner=deputy_manager)
    reminders.run()
    first_mail, first_ledger = len(mailoutbox), ledger()
    assert first_mail == 3
    for _ in range(3):
        reminders.run()
    assert len(mailoutbox) == first_mail
    assert ledger() == first_ledger
    # One row, and one email, per (item, stage, recipient).
    assert all(count == 1 for count in first_ledger.values())
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.count() == 3


def test_it_tells_the_right_people(
    case,
    location,
    provider,
    registered_manager,
    senior_leader,
    quality_lead,
    deputy_manager,
    viewer,
    outsider,
    mailoutbox,
):
    # A second Registered Manager, a former one and an inactive one.
    second_rm = UserFactory(username="rm2")
    MembershipFactory(user=second_rm, location=location, role=Role.REGISTERED_MANAGER)
    former = UserFactory(username="former")
    MembershipFactory(
        user=former, location=location, role=Role.REGISTERED_MANAGER, ended_at=timezone.now()
    )
    inactive = UserFactory(username="inactive", is_active=False)
    MembershipFactory(user=inactive, location=location, role=Role.REGISTERED_MANAGER)
    review = monthly_review(case, days=-15)
    quarter = quarterly_review(provider, days=7)
    owned = escalation(case, days=-14, owner=deputy_manager, action="Owned")
    ownerless = escalation(case, days=3, action="Ownerless")
    reminders.run()
    rows = {
        (r.review_id or -r.escalation_id, r.recipient.username, r.audience, r.stage)
        for r in ReminderDelivery.objects.select_related("recipient")
    }
    assert rows == {
        (review.id, "rm", "registered_manager", "overdue_14"),
        (review.id, "rm2", "registered_manager", "overdue_14"),
        (review.id, "sl", "next_level", "overdue_14"),
        (quarter.id, "sl", "senior_leader", "due_7"),
        (-owned.id, "dm", "owner", "overdue_14"),
        (-owned.id, "rm", "next_level", "overdue_14"),
        (-owned.id, "rm2", "next_level", "overdue_14"),
        (-owned.id, "sl", "next_level", "overdue_14"),
        (-ownerless.id, "rm", "registered_manager", "due_7"),
        (-ownerless.id, "rm2", "registered_manager", "due_7"),
    }
    assert {address for m in mailoutbox for address in m.to} == {
        "rm@example.org",
        "rm2@example.org",
        "sl@example.org",
        "dm@example.org",
    }


def test_it_leaves_items_not_yet_near_their_due_date_alone(case, registered_manager):
    monthly_review(case, days=8)
    result = reminders.sweep()
    assert (result.claimed, result.recipients) == (0, [])


def test_it_sends_only_the_current_stage_after_20_missed_days(
    case, registered_manager, senior_leader, time_machine, mailoutbox
):
    time_machine.move_to(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
    review = monthly_review(case, days=7)
    # A sweep claims the "due in 7 days" reminder, then the worker dies before sending it.
    reminders.sweep()
    assert ReminderDelivery.objects.get().stage == reviews.DUE_7
    time_machine.move_to(datetime(2026, 3, 29, 9, 0, tzinfo=UTC), tick=False)  # 27 days on
    reminders.run()
    rows = {
        (r.stage, r.recipient.username, r.status)
        for r in ReminderDelivery.objects.select_related("recipient")
    }
    assert rows == {
        ("due_7", "rm", "skipped"),  # never sent late
        ("overdue_14", "rm", "sent"),
        ("overdue_14", "sl", "sent"),
    }
    assert sent_to() == {"rm@example.org": 1, "sl@example.org": 1}
    assert all("Overdue by 14 days or more" in m.body for m in mailoutbox)
    assert not any("Due within 7 days" in m.body for m in mailoutbox)
    review.refresh_from_db()
    assert review.status == ReviewStatus.DUE


def test_it_sends_each_stage_once_as_the_days_pass(
    case, registered_manager, senior_leader, time_machine, mailoutbox
):
    start = datetime(2026, 10, 10, 7, 0, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    review = monthly_review(case, days=10)
    for day in range(40):  # across the October clock change and into November
        time_machine.move_to(start + timedelta(days=day), tick=False)
        reminders.run()
        reminders.run()  # a second sweep the same day changes nothing
    rows = ReminderDelivery.objects.filter(review=review).select_related("recipient")
    assert [(r.recipient.username, r.stage) for r in rows.order_by("id")] == [
        ("rm", "due_7"),
        ("rm", "due_1"),
        ("rm", "due_today"),
        ("rm", "overdue"),
        ("rm", "overdue_14"),
        ("sl", "overdue_14"),
    ]
    assert {r.status for r in rows} == {"sent"}
    assert sent_to()["rm@example.org"] == 5


def test_it_skips_a_claimed_reminder_when_the_review_is_done_before_it_goes(
    case, registered_manager, mailoutbox
):
    review = monthly_review(case, days=2)
    result = reminders.sweep()
    review.status = ReviewStatus.SKIPPED
    review.skip_reason = "Covered at the governance meeting instead."
    review.save()
    reminders.deliver_to(recipient_id=result.recipients[0])
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.SKIPPED
    assert "skipped before the reminder" in row.error
    assert mailoutbox == []


def test_it_stops_reminding_about_a_closed_case(case, registered_manager, mailoutbox):
    monthly_review(case, days=-1)
    type(case).objects.filter(pk=case.pk).update(status="closed")
    reminders.run()
    assert ReminderDelivery.objects.count() == 0


def test_it_keeps_the_reminder_in_the_app_when_there_is_no_email_address(
    case, registered_manager, mailoutbox
):
    type(registered_manager).objects.filter(pk=registered_manager.pk).update(email="")
    monthly_review(case, days=0)
    reminders.run()
    row = ReminderDelivery.objects.get()
    assert (row.status, row.error) == ("skipped", "No email address: shown in the app only.")
    assert row.notification.user == registered_manager
    assert mailoutbox == []


def _interrupted(*, accepted, attempts=1, minutes_ago=60):
    """A worker claimed the rows and died, before or after the mail server accepted them."""
    claimed = timezone.now() - timedelta(minutes=minutes_ago)
    ReminderDelivery.objects.update(
        status=DeliveryStatus.SENDING,
        claimed_at=claimed,
        attempts=attempts,
        accepted_at=claimed + timedelta(seconds=1) if accepted else None,
    )


def test_it_sends_again_once_a_reminder_interrupted_before_the_mail_server_accepted_it(
    case, registered_manager, mailoutbox
):
    monthly_review(case, days=0)
    reminders.sweep()
    _interrupted(accepted=False)

    result = reminders.run()

    assert (result.sweep.interrupted, result.sweep.requeued) == (1, 1)
    row = ReminderDelivery.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert row.accepted_at is not None and row.sent_at == row.accepted_at
    assert [m.to for m in mailoutbox] == [["rm@example.org"]]
    reminders.run()
    reminders.run()
    assert len(mailoutbox) == 1


def test_it_never_resends_a_reminder_the_mail_server_accepted(case, registered_manager, mailoutbox):
    monthly_review(case, days=0)
    reminders.sweep()
    _interrupted(accepted=True)
    accepted_at = ReminderDelivery.objects.get().accepted_at

    result = reminders.run()

    assert (result.sweep.interrupted, result.sweep.accepted) == (1, 1)
    row = ReminderDelivery.objects.get()
    assert (row.status, row.sent_at, row.error) == (DeliveryStatus.SENT, accepted_at, "")
    assert mailoutbox == []


def test_it_never_resends_a_digest_the_mail_server_accepted_though_only_one_row_says_so(
    many_cases, registered_manager, mailoutbox
):
    # A digest records the server's acceptance on one of its rows (they share the claim
    # token); a worker stopped before it marked the rest sent leaves them without it.
    for i, c in enumerate(many_cases(3)):
        monthly_review(c, days=-i)
    reminders.sweep()
    _interrupted(accepted=False)
    ReminderDelivery.objects.update(claim_token=uuid.uuid4())
    first = ReminderDelivery.objects.order_by("id").first()
    accepted_at = first.claimed_at + timedelta(seconds=1)
    ReminderDelivery.objects.filter(pk=first.pk).update(accepted_at=accepted_at)

    result = reminders.run()

    assert (result.sweep.interrupted, result.sweep.accepted) == (3, 3)
    rows = ReminderDelivery.objects.all()
    assert {(r.status, r.sent_at, r.accepted_at, r.error) for r in rows} == {
        (DeliveryStatus.SENT, accepted_at, accepted_at, "")
    }
    assert mailoutbox == []


def test_it_sends_again_only_the_digest_the_mail_server_never_accepted(
    many_cases, registered_manager, mailoutbox
):
    # Two digests stopped at once: the accepted one is recorded as sent, the other is resent.
    for i, c in enumerate(many_cases(4)):
        monthly_review(c, days=-i)
    reminders.sweep()
    _interrupted(accepted=False)
    ids = list(ReminderDelivery.objects.order_by("id").values_list("pk", flat=True))
    accepted, interrupted = ids[:2], ids[2:]
    ReminderDelivery.objects.filter(pk__in=accepted).update(claim_token=uuid.uuid4())
    ReminderDelivery.objects.filter(pk__in=interrupted).update(claim_token=uuid.uuid4())
    ReminderDelivery.objects.filter(pk=accepted[0]).update(accepted_at=timezone.now())

    result = reminders.run()

    assert (result.sweep.accepted, result.sweep.requeued) == (2, 2)
    (digest,) = mailoutbox
    resent = [int(i) for i in digest.extra_headers["X-Assurance-Reminders"].split(",")]
    assert sorted(resent) == interrupted
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_it_leaves_a_reminder_being_sent_within_its_lease(case, registered_manager, mailoutbox):
    monthly_review(case, days=0)
    reminders.sweep()
    _interrupted(accepted=False, minutes_ago=1)

    result = reminders.run()

    assert result.sweep.interrupted == 0
    assert ReminderDelivery.objects.get().status == DeliveryStatus.SENDING
    assert mailoutbox == []


def test_it_gives_up_on_a_reminder_interrupted_on_its_last_attempt(
    case, registered_manager, mailoutbox, settings
):
    monthly_review(case, days=0)
    reminders.sweep()
    _interrupted(accepted=False, attempts=settings.REMINDER_MAX_ATTEMPTS)

    result = reminders.run()

    assert result.sweep.interrupted == 1 and result.sweep.requeued == 0
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.FAILED
    assert "before the mail server accepted it" in row.error
    assert mailoutbox == []


def test_it_records_the_acceptance_before_it_marks_the_rows_sent(
    case, registered_manager, mailoutbox, monkeypatch
):
    monthly_review(case, days=0)
    seen = []
    real = reminders._mark_sent

    def spy(rows, token, *, accepted_at, now):
        seen.extend(ReminderDelivery.objects.values_list("status", "accepted_at"))
        return real(rows, token, accepted_at=accepted_at, now=now)

    monkeypatch.setattr(reminders, "_mark_sent", spy)

    reminders.run()

    ((status, accepted_at),) = seen
    assert status == DeliveryStatus.SENDING and accepted_at is not None
    row = ReminderDelivery.objects.get()
    assert row.status == DeliveryStatus.SENT and row.sent_at == accepted_at
    assert len(mailoutbox) == 1


def test_it_computes_stages_in_the_database_exactly_as_the_rule_does(
    case, registered_manager, time_machine
):
    time_machine.move_to(datetime(2028, 2, 29, 12, 0, tzinfo=UTC), tick=False)
    today = timezone.localdate()
    made = {escalation(case, days=d, owner=registered_manager).id: d for d in range(-30, 12)}
    reminders.sweep()
    got = {
        r.escalation_id: r.stage
        for r in ReminderDelivery.objects.filter(audience="owner", escalation__isnull=False)
    }
    expected = {
        pk: reviews.stage_for(today + timedelta(days=d), today)
        for pk, d in made.items()
        if reviews.stage_for(today + timedelta(days=d), today)
    }
    assert got == expected


def test_it_uses_the_london_date_at_night_after_the_spring_clock_change(
    case, registered_manager, time_machine
):
    # 23:30 UTC on 29 March 2026 is 00:30 BST on the 30th: a review due on the 30th is due
    # today, not tomorrow.
    time_machine.move_to(datetime(2026, 3, 29, 23, 30, tzinfo=UTC), tick=False)
    monthly_review(case, due_on=datetime(2026, 3, 30).date())
    reminders.sweep()
    assert ReminderDelivery.objects.get().stage == reviews.DUE_TODAY


def test_the_sweep_costs_the_same_queries_for_1_or_50_reviews(
    many_cases, provider, registered_manager, senior_leader, deputy_manager
):
    def count():
        ReminderDelivery.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            result = reminders.sweep()
        return len(ctx.captured_queries), result

    cases = many_cases(1)
    monthly_review(cases[0], days=-20)
    escalation(cases[0], days=1, owner=deputy_manager)
    quarterly_review(provider, days=2)
    one, result = count()
    assert result.claimed == 4
    for n, case in enumerate(many_cases(49, start=1)):
        monthly_review(case, days=(n % 30) - 20)
        escalation(case, days=n % 9, owner=deputy_manager if n % 2 else None)
    fifty, result = count()
    assert result.claimed > 100
    assert one == fifty == 3  # settle interrupted, the claim (one INSERT), recipients


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_never_sends_email_inside_a_transaction(location, quality_lead):
    from tests.builders import open_case
    from tests.personas import _persona

    rm = _persona("rm-tx", location, Role.REGISTERED_MANAGER)
    case = open_case(location=location, actor=quality_lead)
    monthly_review(case, days=0)
    seen = []
    original = reminders.EmailMultiAlternatives.send

    def spy(message, *args, **kwargs):
        seen.append(connection.in_atomic_block)
        return original(message, *args, **kwargs)

    with mock.patch.object(reminders.EmailMultiAlternatives, "send", spy):
        reminders.run()
    assert seen == [False]
    assert ReminderDelivery.objects.get(recipient=rm).status == DeliveryStatus.SENT


def test_it_ignores_people_whose_role_has_ended(mailoutbox):
    from tests.factories import LocationFactory

    location = LocationFactory()
    former = UserFactory(username="former-sl")
    Membership.objects.create(
        user=former, provider=location.provider, role=Role.SENIOR_LEADER, ended_at=timezone.now()
    )
    quarterly_review(location.provider, days=1)
    reminders.sweep()
    assert ReminderDelivery.objects.count() == 0
