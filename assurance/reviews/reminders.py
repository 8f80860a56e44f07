"""The reminder sweep: which reviews and escalations are at a reminder stage, who hears about
them, and sending each reminder exactly once.

Two phases, both safe to repeat and to run side by side:

1. ``sweep()`` claims one ledger row per (item, due date, stage, recipient) with a few
   ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` statements. However many reviews there
   are, it is the same handful of queries; the ledger's unique constraints turn a re-run, a
   retry or a concurrent sweep into inserting nothing. Only each item's *current* stage is
   claimed, so a sweep after days without one never sends a backlog.
2. ``deliver_to(recipient_id=...)`` claims that person's pending rows with a conditional
   UPDATE (one claimer wins), writes one in-app notification for them, then - outside any
   transaction or row lock - sends one digest email and marks the rows sent, failed or
   skipped. Transient email errors put the rows back for a later attempt, with backoff, up
   to REMINDER_MAX_ATTEMPTS; after that the failure stays on the ledger for managers to see.

A worker can die while rows are "sending". As soon as ``send()`` returns - the mail server
has accepted the digest - the rows record ``accepted_at``, and only then are they marked
sent. After REMINDER_SENDING_LEASE_SECONDS the sweep settles rows left "sending":

- accepted ones are marked sent (at their acceptance): an accepted digest is never sent twice;
- the rest were interrupted before the server accepted them, so they go back to pending and
  are sent again, once, in the person's next digest (failed if that was the last attempt).

The one window left is between the server's reply and the ``accepted_at`` write (a single
UPDATE): a worker killed exactly there would have its digest sent again.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.models import ImprovementCase
from assurance.common.mail import PERMANENT_EMAIL_ERRORS, TRANSIENT_EMAIL_ERRORS
from assurance.escalations.models import ESCALATION_ACTIVE, Escalation
from assurance.organisations.models import Location, Membership
from assurance.reviews import cadence as reviews
from assurance.reviews.models import (
    Audience,
    DeliveryStatus,
    Notification,
    ReminderDelivery,
    Review,
    ReviewKind,
    ReviewStatus,
)
from assurance.reviews.services import reviews_schedule
from domains.roles import Role
from evidence.models import EvidenceItem

log = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """Sending failed in a way worth retrying; the rows are pending again until retry_at."""

    def __init__(self, message, result, retry_in):
        super().__init__(message)
        self.result = result
        self.retry_in = retry_in


# --- phase 1: the sweep ------------------------------------------------------------------


@dataclass
class SweepResult:
    claimed: int
    recipients: list = field(default_factory=list)
    # Rows a stopped worker left "sending", settled by this sweep:
    requeued: int = 0  # never accepted by the mail server: sent again
    accepted: int = 0  # accepted: recorded as sent
    gave_up: int = 0  # never accepted, on their last attempt: failed

    @property
    def interrupted(self) -> int:
        return self.requeued + self.accepted + self.gave_up


def _sql_date(value):
    return connection.ops.adapt_datefield_value(value)


def _sql_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


def _quoted(values) -> str:
    # Only ever our own TextChoices values, never user input.
    return ", ".join(f"'{v}'" for v in sorted(values))


def _stage_case(column, today):
    """SQL CASE giving the stage of `column` (a due date), built from the pure rules."""
    bounds = reviews.stage_upper_bounds(today)
    whens = " ".join(f"WHEN {column} <= %s THEN '{stage}'" for stage, _ in bounds[:-1])
    return f"CASE {whens} ELSE '{bounds[-1][0]}' END", [_sql_date(d) for _, d in bounds[:-1]]


def _tables():
    return {
        "R": Review._meta.db_table,
        "C": ImprovementCase._meta.db_table,
        "L": Location._meta.db_table,
        "M": Membership._meta.db_table,
        "U": get_user_model()._meta.db_table,
        "E": Escalation._meta.db_table,
        "D": ReminderDelivery._meta.db_table,
        "V": EvidenceItem._meta.db_table,
    }


def _insert(select_sql, params, *, item_column, now):
    """Claim the rows `select_sql` yields; conflicts with existing ledger rows are no-ops."""
    t = _tables()
    item_cols = {
        "review": "x.item_id, NULL, NULL",
        "escalation": "NULL, x.item_id, NULL",
        "evidence_item": "NULL, NULL, x.item_id",
    }[item_column]
    stamp = _sql_datetime(now)
    # "WHERE 1 = 1" settles SQLite's parsing ambiguity between a join's ON and the upsert's.
    sql = f"""
        INSERT INTO {t["D"]} (review_id, escalation_id, evidence_item_id, stage, due_on,
                              recipient_id, audience,
                              provider_id, location_id, status, attempts, error, created_at,
                              updated_at, next_attempt_at)
        SELECT {item_cols}, x.stage, x.due_on, x.user_id, x.audience, x.provider_id,
               x.location_id, '{DeliveryStatus.PENDING}', 0, '', %s, %s, %s
        FROM ({select_sql}) x
        WHERE 1 = 1
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - table names and literals are ours; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [stamp, stamp, stamp, *params])
        return max(cursor.rowcount, 0)


def _review_claims(today):
    """Monthly reviews -> the location's Registered Managers (and, at 14 days overdue, the
    provider's Senior Leaders); quarterly reviews -> the Senior Leaders."""
    t = _tables()
    stage, stage_params = _stage_case("r.due_on", today)
    member = "m.ended_at IS NULL AND (m.expires_on IS NULL OR m.expires_on >= %s)"
    member_params = [_sql_date(today)]
    active_case = _quoted(wf.ACTIVE_STATUSES)
    horizon = _sql_date(reviews.horizon(today))
    cutoff = _sql_date(reviews.next_level_cutoff(today))
    sql = f"""
        SELECT r.id AS item_id, {stage} AS stage, r.due_on AS due_on, m.user_id AS user_id,
               '{Audience.REGISTERED_MANAGER}' AS audience, r.provider_id AS provider_id,
               r.location_id AS location_id
        FROM {t["R"]} r
        JOIN {t["C"]} c ON c.id = r.case_id
        JOIN {t["M"]} m ON m.location_id = r.location_id
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE r.status = '{ReviewStatus.DUE}' AND r.kind = '{ReviewKind.MONTHLY}'
          AND r.due_on <= %s AND c.status IN ({active_case})
          AND m.role = '{Role.REGISTERED_MANAGER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT r.id, '{reviews.OVERDUE_14}', r.due_on, m.user_id, '{Audience.NEXT_LEVEL}',
               r.provider_id, r.location_id
        FROM {t["R"]} r
        JOIN {t["C"]} c ON c.id = r.case_id
        JOIN {t["M"]} m ON m.provider_id = r.provider_id AND m.location_id IS NULL
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE r.status = '{ReviewStatus.DUE}' AND r.kind = '{ReviewKind.MONTHLY}'
          AND r.due_on <= %s AND c.status IN ({active_case})
          AND m.role = '{Role.SENIOR_LEADER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT r.id, {stage}, r.due_on, m.user_id, '{Audience.SENIOR_LEADER}', r.provider_id,
               r.location_id
        FROM {t["R"]} r
        JOIN {t["M"]} m ON m.provider_id = r.provider_id AND m.location_id IS NULL
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE r.status = '{ReviewStatus.DUE}' AND r.kind = '{ReviewKind.QUARTERLY}'
          AND r.due_on <= %s
          AND m.role = '{Role.SENIOR_LEADER}' AND {member} AND u.is_active = %s
    """  # noqa: S608 - table names and literals are ours; values are parameters
    params = [
        *stage_params, horizon, *member_params, True,
        cutoff, *member_params, True,
        *stage_params, horizon, *member_params, True,
    ]  # fmt: skip
    return sql, params


def _escalation_claims(today):
    """Active escalations of open cases -> their owner while they still hold a role at the
    case's location (or provider-wide), otherwise the location's Registered Managers, as for
    an escalation nobody owns; at 14 days overdue also the Registered Managers (for someone
    else's) and the provider's Senior Leaders. A provider-wide escalation (no case) -> its
    owner while they hold a current role there, or the provider's Senior Leaders when nobody
    owns it (and at 14 days overdue, for someone else's)."""
    t = _tables()
    stage, stage_params = _stage_case("e.due_on", today)
    member = "m.ended_at IS NULL AND (m.expires_on IS NULL OR m.expires_on >= %s)"
    member_params = [_sql_date(today)]
    # The owner holds a current role where the case is: at its location, or provider-wide.
    owner_current = f"""EXISTS (
        SELECT 1 FROM {t["M"]} om
        WHERE om.user_id = e.owner_id
          AND (om.location_id = c.location_id
               OR (om.location_id IS NULL AND om.provider_id = l.provider_id))
          AND om.ended_at IS NULL AND (om.expires_on IS NULL OR om.expires_on >= %s))"""  # noqa: S608
    # A provider-wide escalation's owner holds a current provider-wide role there.
    owner_current_provider = f"""EXISTS (
        SELECT 1 FROM {t["M"]} om
        WHERE om.user_id = e.owner_id
          AND om.location_id IS NULL AND om.provider_id = e.provider_id
          AND om.ended_at IS NULL AND (om.expires_on IS NULL OR om.expires_on >= %s))"""  # noqa: S608
    active = _quoted(ESCALATION_ACTIVE)
    active_case = _quoted(wf.ACTIVE_STATUSES)
    horizon = _sql_date(reviews.horizon(today))
    cutoff = _sql_date(reviews.next_level_cutoff(today))
    base = f"""
        FROM {t["E"]} e
        JOIN {t["C"]} c ON c.id = e.case_id
        JOIN {t["L"]} l ON l.id = c.location_id
    """
    live = f"e.status IN ({active}) AND c.status IN ({active_case})"
    sql = f"""
        SELECT e.id AS item_id, {stage} AS stage, e.due_on AS due_on, e.owner_id AS user_id,
               '{Audience.OWNER}' AS audience, l.provider_id AS provider_id,
               c.location_id AS location_id
        {base}
        JOIN {t["U"]} u ON u.id = e.owner_id
        WHERE {live} AND e.due_on <= %s AND u.is_active = %s AND {owner_current}
        UNION ALL
        SELECT e.id, {stage}, e.due_on, m.user_id, '{Audience.REGISTERED_MANAGER}',
               l.provider_id, c.location_id
        {base}
        JOIN {t["M"]} m ON m.location_id = c.location_id
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE {live} AND e.due_on <= %s
          AND (e.owner_id IS NULL OR NOT {owner_current})
          AND m.role = '{Role.REGISTERED_MANAGER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT e.id, '{reviews.OVERDUE_14}', e.due_on, m.user_id, '{Audience.NEXT_LEVEL}',
               l.provider_id, c.location_id
        {base}
        JOIN {t["M"]} m ON m.location_id = c.location_id
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE {live} AND e.due_on <= %s
          AND e.owner_id IS NOT NULL AND m.user_id <> e.owner_id
          AND m.role = '{Role.REGISTERED_MANAGER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT e.id, '{reviews.OVERDUE_14}', e.due_on, m.user_id, '{Audience.NEXT_LEVEL}',
               l.provider_id, c.location_id
        {base}
        JOIN {t["M"]} m ON m.provider_id = l.provider_id AND m.location_id IS NULL
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE {live} AND e.due_on <= %s
          AND (e.owner_id IS NULL OR m.user_id <> e.owner_id)
          AND m.role = '{Role.SENIOR_LEADER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT e.id, {stage}, e.due_on, e.owner_id, '{Audience.OWNER}', e.provider_id, NULL
        FROM {t["E"]} e
        JOIN {t["U"]} u ON u.id = e.owner_id
        WHERE e.case_id IS NULL AND e.status IN ({active}) AND e.due_on <= %s
          AND u.is_active = %s AND {owner_current_provider}
        UNION ALL
        SELECT e.id, {stage}, e.due_on, m.user_id, '{Audience.SENIOR_LEADER}', e.provider_id,
               NULL
        FROM {t["E"]} e
        JOIN {t["M"]} m ON m.provider_id = e.provider_id AND m.location_id IS NULL
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE e.case_id IS NULL AND e.status IN ({active}) AND e.due_on <= %s
          AND (e.owner_id IS NULL OR NOT {owner_current_provider})
          AND m.role = '{Role.SENIOR_LEADER}' AND {member} AND u.is_active = %s
        UNION ALL
        SELECT e.id, '{reviews.OVERDUE_14}', e.due_on, m.user_id, '{Audience.NEXT_LEVEL}',
               e.provider_id, NULL
        FROM {t["E"]} e
        JOIN {t["M"]} m ON m.provider_id = e.provider_id AND m.location_id IS NULL
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE e.case_id IS NULL AND e.status IN ({active}) AND e.due_on <= %s
          AND e.owner_id IS NOT NULL AND m.user_id <> e.owner_id
          AND m.role = '{Role.SENIOR_LEADER}' AND {member} AND u.is_active = %s
    """  # noqa: S608 - table names and literals are ours; values are parameters
    today_param = _sql_date(today)
    params = [
        *stage_params, horizon, True, today_param,
        *stage_params, horizon, today_param, *member_params, True,
        cutoff, *member_params, True,
        cutoff, *member_params, True,
        *stage_params, horizon, True, today_param,
        *stage_params, horizon, today_param, *member_params, True,
        cutoff, *member_params, True,
    ]  # fmt: skip
    return sql, params


def _evidence_claims(today):
    """Current evidence of open cases that stops counting within 30 days -> the location's
    Registered Managers, once at 30 days and once at 7 (the ledger's unique key)."""
    t = _tables()
    member = "m.ended_at IS NULL AND (m.expires_on IS NULL OR m.expires_on >= %s)"
    active_case = _quoted(wf.ACTIVE_STATUSES)
    sql = f"""
        SELECT v.id AS item_id,
               CASE WHEN v.valid_until <= %s THEN '{reviews.EXPIRES_7}'
                    ELSE '{reviews.EXPIRES_30}' END AS stage,
               v.valid_until AS due_on, m.user_id AS user_id,
               '{Audience.REGISTERED_MANAGER}' AS audience, l.provider_id AS provider_id,
               c.location_id AS location_id
        FROM {t["V"]} v
        JOIN {t["C"]} c ON c.id = v.case_id
        JOIN {t["L"]} l ON l.id = c.location_id
        JOIN {t["M"]} m ON m.location_id = c.location_id
        JOIN {t["U"]} u ON u.id = m.user_id
        WHERE v.withdrawn_at IS NULL AND v.valid_until >= %s AND v.valid_until <= %s
          AND c.status IN ({active_case})
          AND m.role = '{Role.REGISTERED_MANAGER}' AND {member} AND u.is_active = %s
    """  # noqa: S608 - table names and literals are ours; values are parameters
    params = [
        _sql_date(today + timedelta(days=7)),
        _sql_date(today),
        _sql_date(today + timedelta(days=reviews.EXPIRY_NOTICE_DAYS)),
        _sql_date(today),
        True,
    ]
    return sql, params


def sweep(*, today=None, now=None) -> SweepResult:
    """Claim every reminder due now and say whose digests are waiting. Five queries."""
    now = now or timezone.now()
    today = today or reviews.local_date(now)
    settled = _settle_interrupted(now)
    claimed = _insert(*_review_claims(today), item_column="review", now=now)
    claimed += _insert(*_escalation_claims(today), item_column="escalation", now=now)
    claimed += _insert(*_evidence_claims(today), item_column="evidence_item", now=now)
    recipients = list(
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return SweepResult(claimed=claimed, recipients=recipients, **settled)


def _settle_interrupted(now) -> dict:
    """Rows left "sending" past their lease (their worker stopped): accepted ones are sent;
    the others are pending again for one more digest, or failed on their last attempt."""
    lease = timedelta(seconds=settings.REMINDER_SENDING_LEASE_SECONDS)
    stopped = ReminderDelivery.objects.filter(
        status=DeliveryStatus.SENDING, claimed_at__lt=now - lease
    )
    if not stopped.exists():  # the usual case: one cheap query
        return {}
    accepted = stopped.filter(accepted_at__isnull=False).update(
        status=DeliveryStatus.SENT,
        sent_at=F("accepted_at"),
        error="",
        claim_token=None,
        updated_at=now,
    )
    not_accepted = stopped.filter(accepted_at__isnull=True)
    gave_up = not_accepted.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        error="Interrupted before the mail server accepted it (the worker stopped), on the "
        "last attempt: not sent.",
        claim_token=None,
        updated_at=now,
    )
    requeued = not_accepted.update(
        status=DeliveryStatus.PENDING,
        error="Interrupted before the mail server accepted it (the worker stopped); "
        "it will be sent again.",
        claim_token=None,
        next_attempt_at=now,
        updated_at=now,
    )
    if accepted or gave_up or requeued:
        log.warning(
            "Reminders left sending by a stopped worker: %d sent again, %d had been accepted, "
            "%d failed on their last attempt",
            requeued,
            accepted,
            gave_up,
        )
    return {"requeued": requeued, "accepted": accepted, "gave_up": gave_up}


# --- what a reminder says -----------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    label: str
    path: str
    stage: str
    stage_label: str
    due_on: object
    next_level: bool

    def as_json(self):
        return {
            "label": self.label,
            "path": self.path,
            "stage": self.stage,
            "stage_label": self.stage_label,
            "due_on": self.due_on.isoformat(),
            "due_label": f"{self.due_on:%-d %b %Y}",
            "next_level": self.next_level,
        }


def item_label(row) -> str:
    if row.evidence_item_id:
        item = row.evidence_item
        summary = item.summary if len(item.summary) <= 60 else item.summary[:59] + "…"
        return (
            f"Evidence stops counting after {item.valid_until.day} {item.valid_until:%B %Y}: "
            f"{summary} – {item.case.title} ({item.case.location})"
        )
    if row.review_id:
        review = row.review
        if review.kind == ReviewKind.MONTHLY:
            return f"Monthly review, {review.period_words}: {review.case.title} ({review.location})"
        return f"Quarterly review, {review.period_words}: {review.provider}"
    escalation = row.escalation
    if escalation.case_id is None:
        return f"Escalation: {escalation.action} – provider-wide ({escalation.provider})"
    return f"Escalation: {escalation.action} – {escalation.case.title} ({escalation.case.location})"


def item_path(row) -> str:
    if row.evidence_item_id:
        return reverse("casework:case_detail", args=[row.evidence_item.case.uuid]) + "#evidence"
    if row.review_id:
        return reverse("reviews:review_detail", args=[row.review.uuid])
    return reverse("escalations:escalation_detail", args=[row.escalation.uuid])


def describe(row) -> Item:
    return Item(
        label=item_label(row),
        path=item_path(row),
        stage=row.stage,
        stage_label=reviews.STAGE_LABELS[row.stage],
        due_on=row.due_on,
        next_level=row.audience == Audience.NEXT_LEVEL,
    )


NO_LONGER_A_RECIPIENT = "The person no longer holds a role that receives this reminder."
LATER_STAGE = "A later stage was reached before this one went out: only the current one is sent."


def _roles_held(recipient_id, today):
    """The recipient's current roles: {(location_id, role)} and {(provider_id, role)}."""
    at_locations, provider_wide = set(), set()
    memberships = Membership.objects.current(today).filter(
        user_id=recipient_id, user__is_active=True
    )
    for location_id, provider_id, role in memberships.values_list(
        "location_id", "provider_id", "role"
    ):
        if location_id is None:
            provider_wide.add((provider_id, role))
        else:
            at_locations.add((location_id, role))
    return at_locations, provider_wide


def _still_a_recipient(row, held) -> bool:
    """Whether the person still holds the role this row was claimed for (the sweep's rule)."""
    at_locations, provider_wide = held
    rm = (row.location_id, Role.REGISTERED_MANAGER) in at_locations
    sl = (row.provider_id, Role.SENIOR_LEADER) in provider_wide
    if row.audience == Audience.REGISTERED_MANAGER:
        return rm
    if row.audience == Audience.SENIOR_LEADER:
        return sl
    if row.audience == Audience.NEXT_LEVEL:
        return rm or sl
    # The owner: any current role at the case's location, or provider-wide.
    return any(loc == row.location_id for loc, _ in at_locations) or any(
        provider == row.provider_id for provider, _ in provider_wide
    )


def _case_gone(case) -> str:
    if case is not None and case.status not in wf.ACTIVE_STATUSES:
        return f"The case was {case.get_status_display().lower()} before the reminder went out."
    return ""


def _why_not_current(row, today, held) -> str:
    """Why a claimed row should no longer be sent ("" when it still should)."""
    if row.evidence_item_id:
        item = row.evidence_item
        if item.withdrawn_at is not None:
            return "The evidence was withdrawn before the reminder went out."
        if gone := _case_gone(item.case):
            return gone
        if not _still_a_recipient(row, held):
            return NO_LONGER_A_RECIPIENT
        if item.valid_until != row.due_on:
            return "The date it counts until changed before the reminder went out."
        if reviews.expiry_stage(item.valid_until, today) != row.stage:
            return LATER_STAGE
        return ""
    if row.review_id:
        item = row.review
        if item.status != ReviewStatus.DUE:
            return f"The review was {item.status} before the reminder went out."
        if gone := _case_gone(item.case if item.case_id else None):
            return gone
    else:
        item = row.escalation
        if item.status not in ESCALATION_ACTIVE:
            return "The escalation was resolved before the reminder went out."
        if gone := _case_gone(item.case):
            return gone
    if not _still_a_recipient(row, held):
        return NO_LONGER_A_RECIPIENT
    if item.due_on != row.due_on:
        return "The due date changed before the reminder went out."
    if reviews.stage_for(item.due_on, today) != row.stage:
        return LATER_STAGE
    return ""


def subject_for(items) -> str:
    if len(items) == 1:
        return f"{items[0].stage_label}: {items[0].label}"[:200]
    overdue = sum(1 for i in items if i.stage in (reviews.OVERDUE, reviews.OVERDUE_14))
    extra = f" ({overdue} overdue)" if overdue else ""
    return f"{len(items)} reviews and escalations need your attention{extra}"


def build_email(recipient, items, row_ids) -> EmailMultiAlternatives:
    context = {
        "user": recipient,
        "items": items,
        "site_url": settings.SITE_URL,
        "notifications_url": settings.SITE_URL + reverse("reviews:notification_list"),
    }
    message = EmailMultiAlternatives(
        subject=subject_for(items),
        body=render_to_string("email/reminder_digest.txt", context),
        to=[recipient.email],
        # Lets an operator (and the tests) match an email to its ledger rows.
        headers={"X-Assurance-Reminders": ",".join(str(i) for i in row_ids)},
    )
    message.attach_alternative(render_to_string("email/reminder_digest.html", context), "text/html")
    return message


# --- phase 2: delivering one person's digest ---------------------------------------------


@dataclass
class DeliveryResult:
    recipient: str = ""
    sent: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (Item, reason)
    failed: list = field(default_factory=list)
    error: str = ""
    will_retry: bool = False

    @property
    def nothing(self):
        return not (self.sent or self.skipped or self.failed)


def _claim(recipient_id, now):
    """Claim the recipient's pending rows and write their in-app notification, atomically.

    The rows are locked (skipping locked ones) before they are marked sending: of two workers
    claiming at once, one gets the rows and the other gets none.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        # Lock the rows first, in id order, skipping any another claimant holds: two
        # claimants never wait on each other in opposite orders (no deadlock), and the
        # second simply gets what the first did not take.
        ids = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                recipient_id=recipient_id,
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        claimed = ReminderDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        if not claimed:
            return token, []
        rows = list(
            ReminderDelivery.objects.filter(claim_token=token)
            .select_related(
                "recipient",
                "review__case__location",
                "review__location",
                "review__provider",
                "escalation__case__location",
                "escalation__provider",
                "evidence_item__case__location",
            )
            .order_by("due_on", "id")
        )
        today = reviews.local_date(now)
        held = _roles_held(recipient_id, today)
        live, stale = [], {}
        for row in rows:
            reason = _why_not_current(row, today, held)
            if reason:
                stale.setdefault(reason, []).append(row)
            else:
                live.append(row)
        for reason, group in stale.items():
            ReminderDelivery.objects.filter(pk__in=[r.pk for r in group]).update(
                status=DeliveryStatus.SKIPPED, error=reason, claim_token=None, updated_at=now
            )
            for row in group:
                row.status, row.error = DeliveryStatus.SKIPPED, reason
        new = [row for row in live if row.notification_id is None]
        if new:
            items = [describe(row) for row in new]
            notification = Notification.objects.create(
                user_id=recipient_id,
                title=subject_for(items),
                items=[item.as_json() for item in items],
                created_at=now,
            )
            ReminderDelivery.objects.filter(pk__in=[r.pk for r in new]).update(
                notification=notification
            )
        if live and not live[0].recipient.email:
            reason = "No email address: shown in the app only."
            ReminderDelivery.objects.filter(pk__in=[r.pk for r in live]).update(
                status=DeliveryStatus.SKIPPED, error=reason, claim_token=None, updated_at=now
            )
            for row in live:
                row.status, row.error = DeliveryStatus.SKIPPED, reason
    return token, rows


def _record_failure(rows, token, exc, now) -> int | None:
    """Put retryable rows back with backoff and fail the rest. Returns the seconds until the
    retry is due, or None when nothing will be retried."""
    error = f"{type(exc).__name__}: {exc}"[:1000]
    permanent = isinstance(exc, PERMANENT_EMAIL_ERRORS) or not isinstance(
        exc, TRANSIENT_EMAIL_ERRORS
    )
    retry_in = None
    by_attempts = {}
    for row in rows:
        by_attempts.setdefault(row.attempts, []).append(row.pk)
    for attempts, ids in by_attempts.items():
        mine = ReminderDelivery.objects.filter(
            pk__in=ids, claim_token=token, status=DeliveryStatus.SENDING
        )
        if permanent or attempts >= settings.REMINDER_MAX_ATTEMPTS:
            mine.update(status=DeliveryStatus.FAILED, error=error, updated_at=now)
        else:
            delay = reviews.retry_delay_seconds(
                attempts, base=settings.REMINDER_RETRY_BACKOFF_SECONDS
            )
            mine.update(
                status=DeliveryStatus.PENDING,
                error=f"Attempt {attempts} failed, will retry: {error}",
                claim_token=None,
                next_attempt_at=now + timedelta(seconds=delay),
                updated_at=now,
            )
            retry_in = delay if retry_in is None else min(retry_in, delay)
    return retry_in


def _test_pause(point):
    """Tests only: a pause at `point` (REMINDER_TEST_DELAY_AT), so a worker can be killed
    there: before_claim (between digests), before_send or after_accept."""
    if settings.REMINDER_TEST_DELAY_SECONDS and point == settings.REMINDER_TEST_DELAY_AT:
        time.sleep(settings.REMINDER_TEST_DELAY_SECONDS)


def _mark_sent(rows, token, *, accepted_at, now) -> int:
    return ReminderDelivery.objects.filter(
        pk__in=[row.pk for row in rows], claim_token=token, status=DeliveryStatus.SENDING
    ).update(status=DeliveryStatus.SENT, sent_at=accepted_at, error="", updated_at=now)


def deliver_to(*, recipient_id: int, now=None) -> DeliveryResult:
    """Send one person their digest: every reminder claimed for them and not yet sent."""
    _test_pause("before_claim")
    now = now or timezone.now()
    token, rows = _claim(recipient_id, now)
    result = DeliveryResult()
    if not rows:
        return result
    recipient = rows[0].recipient
    result.recipient = recipient.email or recipient.get_username()
    result.skipped = [(describe(r), r.error) for r in rows if r.status == DeliveryStatus.SKIPPED]
    live = [r for r in rows if r.status == DeliveryStatus.SENDING]
    if not live:
        return result
    items = [describe(row) for row in live]
    _test_pause("before_send")
    try:
        # Deliberately outside any transaction: a slow mail server never holds a lock.
        build_email(recipient, items, [row.pk for row in live]).send()
    except Exception as exc:
        if not isinstance(exc, TRANSIENT_EMAIL_ERRORS):
            log.exception("Reminder email to %s failed", result.recipient)
        result.failed, result.error = items, f"{type(exc).__name__}: {exc}"
        retry_in = _record_failure(live, token, exc, timezone.now())
        result.will_retry = retry_in is not None
        if result.will_retry:
            raise TransientDeliveryError(result.error, result, retry_in) from exc
        return result
    # The mail server has it: record that first, so that from here on a stopped worker's
    # rows are recorded as sent, never sent again.
    accepted_at = timezone.now()
    ReminderDelivery.objects.filter(
        pk__in=[row.pk for row in live], claim_token=token, status=DeliveryStatus.SENDING
    ).update(accepted_at=accepted_at, updated_at=accepted_at)
    _test_pause("after_accept")
    _mark_sent(live, token, accepted_at=accepted_at, now=now)
    result.sent = items
    return result


# --- the whole run, for the command and the benchmark -------------------------------------


@dataclass
class RunResult:
    scheduled: list
    retired: list
    sweep: SweepResult
    deliveries: list


def run(*, today=None) -> RunResult:
    """Schedule missing reviews, sweep, and deliver every waiting digest in this process.

    `python manage.py send_reminders` uses this; the Celery task does the same steps but
    hands each digest to its own task.
    """

    schedule = reviews_schedule(today=today)
    swept = sweep(today=today)
    deliveries = []
    for recipient_id in swept.recipients:
        try:
            deliveries.append(deliver_to(recipient_id=recipient_id))
        except TransientDeliveryError as exc:
            deliveries.append(exc.result)
    return RunResult(
        scheduled=schedule.created, retired=schedule.retired, sweep=swept, deliveries=deliveries
    )
