"""The reminder sweep: which reviews and escalations are at a reminder stage, who hears about
them, and sending each reminder exactly once.

Two phases, both safe to repeat and to run side by side:

1. ``sweep()`` claims one ledger row per (item, due date, stage, recipient) with one
   ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` statement. However many reviews there
   are, it is the same three queries; the ledger's unique constraints turn a re-run, a
   retry or a concurrent sweep into inserting nothing. Only each item's *current* stage is
   claimed, so a sweep after days without one never sends a backlog.
2. ``deliver_to(recipient_id=...)`` claims that person's pending rows with a conditional
   UPDATE (one claimer wins), writes one in-app notification for them, then - outside any
   transaction or row lock - sends one digest email and marks the rows sent, failed or
   skipped. Transient email errors put the rows back for a later attempt, with backoff, up
   to REMINDER_MAX_ATTEMPTS; after that the failure stays on the ledger for managers to see.

A worker can die while rows are "sending". As soon as ``send()`` returns - the mail server
has accepted the digest - one of its rows records ``accepted_at`` (a one-row write: the
digest's rows share a claim token), and only then are they all marked sent. After
REMINDER_SENDING_LEASE_SECONDS the sweep settles rows left "sending":

- those of an accepted digest are marked sent (at its acceptance): an accepted digest is
  never sent twice;
- the rest were interrupted before the server accepted them, so they go back to pending and
  are sent again, once, in the person's next digest (failed if that was the last attempt).

The one window left is between the server's reply and that one-row write: a worker killed
exactly there would have its digest sent again.
"""

import functools
import logging
import operator
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from assurance.cases import workflow as wf
from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.common.mail import PERMANENT_EMAIL_ERRORS, TRANSIENT_EMAIL_ERRORS
from assurance.common.words import period_words
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


# The ledger's item columns, in the order the INSERT names them.
_ITEM_COLUMNS = {
    "review": "review_id",
    "escalation": "escalation_id",
    "evidence_item": "evidence_item_id",
}


def _claim_due(today, now) -> int:
    """Claim every reminder due today - reviews, escalations and expiring evidence - in one
    INSERT ... SELECT; conflicts with ledger rows already there are no-ops. Returns the rows
    claimed. Where two rules name the same person for the same item and stage, the first
    rule's row is the one kept (the unique key has no audience)."""
    t = _tables()
    stamp = _sql_datetime(now)
    claims = (
        ("review", _review_claims(today)),
        ("escalation", _escalation_claims(today)),
        ("evidence_item", _evidence_claims(today)),
    )
    parts, params = [], []
    for kind, (select_sql, select_params) in claims:
        column = _ITEM_COLUMNS[kind]
        # Typed NULLs: a UNION settles each column's type branch by branch.
        items = ", ".join(
            "x.item_id" if c == column else "CAST(NULL AS BIGINT)" for c in _ITEM_COLUMNS.values()
        )
        # "WHERE 1 = 1" settles SQLite's parsing ambiguity between a join's ON and the upsert's.
        parts.append(f"""
            SELECT {items}, x.stage, x.due_on, x.user_id, x.audience, x.provider_id,
                   x.location_id, '{DeliveryStatus.PENDING}', 0, '', %s, %s, %s
            FROM ({select_sql}) x
            WHERE 1 = 1""")  # noqa: S608 - ours, values are parameters
        params += [stamp, stamp, stamp, *select_params]
    sql = f"""
        INSERT INTO {t["D"]} ({", ".join(_ITEM_COLUMNS.values())}, stage, due_on,
                              recipient_id, audience, provider_id, location_id, status,
                              attempts, error, created_at, updated_at, next_attempt_at)
        {" UNION ALL ".join(parts)}
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - table names and literals are ours; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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
    """Claim every reminder due now and say whose digests are waiting. Three queries: rows
    left sending?, the claim, the recipients."""
    now = now or timezone.now()
    today = today or reviews.local_date(now)
    settled = _settle_interrupted(now)
    claimed = _claim_due(today, now)
    recipients = list(
        ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return SweepResult(claimed=claimed, recipients=recipients, **settled)


def _settle_interrupted(now) -> dict:
    """Rows left "sending" past their lease (their worker stopped): those of a digest the mail
    server accepted are sent (at its acceptance); the others are pending again for one more
    digest, or failed on their last attempt.

    A digest records its acceptance on one of its rows (see `_record_acceptance`); its other
    rows share that row's claim token, so the whole digest is settled as accepted."""
    lease = timedelta(seconds=settings.REMINDER_SENDING_LEASE_SECONDS)
    # Sought among the rows in flight only (next_attempt_at set: their index).
    stopped = ReminderDelivery.objects.filter(
        next_attempt_at__isnull=False, status=DeliveryStatus.SENDING, claimed_at__lt=now - lease
    )
    if not stopped.exists():  # the usual case: one cheap query
        return {}
    # One row per accepted digest (a handful at most: the workers that stopped mid-digest).
    digests = dict(
        stopped.filter(accepted_at__isnull=False, claim_token__isnull=False).values_list(
            "claim_token", "accepted_at"
        )
    )
    accepted_at = F("accepted_at")
    if digests:
        accepted_at = Coalesce(
            F("accepted_at"),
            Case(*(When(claim_token=t, then=Value(at)) for t, at in digests.items())),
        )
    accepted = stopped.filter(
        Q(accepted_at__isnull=False) | Q(claim_token__in=list(digests))
    ).update(
        status=DeliveryStatus.SENT,
        sent_at=accepted_at,
        accepted_at=accepted_at,
        error="",
        claim_token=None,
        next_attempt_at=None,
        updated_at=now,
    )
    # What is left sending was never accepted.
    gave_up = stopped.filter(attempts__gte=settings.REMINDER_MAX_ATTEMPTS).update(
        status=DeliveryStatus.FAILED,
        error="Interrupted before the mail server accepted it (the worker stopped), on the "
        "last attempt: not sent.",
        claim_token=None,
        next_attempt_at=None,
        updated_at=now,
    )
    requeued = stopped.update(
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


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    path: str
    stage: str
    stage_label: str
    due_on: object
    next_level: bool

    @property
    def due_text(self) -> str:
        """The due date as the email gives it ("7 March 2026")."""
        return f"{self.due_on.day} {self.due_on:%B %Y}"

    def as_json(self):
        due_on, due_label = _date_json(self.due_on)
        return {
            "label": self.label,
            "path": self.path,
            "stage": self.stage,
            "stage_label": self.stage_label,
            "due_on": due_on,
            "due_label": due_label,
            "next_level": self.next_level,
        }


@functools.lru_cache(maxsize=1024)
def _date_json(day) -> tuple[str, str]:
    # A notification can carry thousands of items due on a few dozen days.
    return day.isoformat(), f"{day:%-d %b %Y}"


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


_UUID_MARK = uuid.UUID(int=0)


@functools.cache
def _path_pattern(name, script_prefix) -> str:
    # One reverse() per page kind rather than per reminder: a digest can carry thousands.
    return reverse(name, args=[_UUID_MARK]).replace(str(_UUID_MARK), "{}")


def _path(name, value, script_prefix) -> str:
    return _path_pattern(name, script_prefix or get_script_prefix()).format(value)


def item_path(row, script_prefix=None) -> str:
    if row.evidence_item_id:
        return (
            _path("casework:case_detail", row.evidence_item.case.uuid, script_prefix) + "#evidence"
        )
    if row.review_id:
        return _path("reviews:review_detail", row.review.uuid, script_prefix)
    return _path("escalations:escalation_detail", row.escalation.uuid, script_prefix)


def describe(row, script_prefix=None) -> Item:
    """What the reminder says (worked out once per row: the notification and the email
    show the same thing). A caller describing many rows passes get_script_prefix()."""
    item = getattr(row, "_described", None)
    if item is None:
        item = row._described = Item(
            label=item_label(row),
            path=item_path(row, script_prefix),
            stage=row.stage,
            stage_label=reviews.STAGE_LABELS[row.stage],
            due_on=row.due_on,
            next_level=row.audience == Audience.NEXT_LEVEL,
        )
    return item


# A digest for a Senior Leader of a large group can carry tens of thousands of reminders;
# the email lists this many (soonest due first) and points to the notifications for the rest.
EMAIL_ITEMS_LISTED = 100

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


def _email_fields(item) -> dict:
    # A dict: the template engine reads a dict's keys at once, where it tries an object's
    # attributes only after a failed key lookup (an exception per field).
    return {
        "label": item.label,
        "path": item.path,
        "stage_label": item.stage_label,
        "due_text": item.due_text,
        "next_level": item.next_level,
    }


def build_email(recipient, items, row_ids) -> EmailMultiAlternatives:
    """One digest. It lists the EMAIL_ITEMS_LISTED soonest due and says how many more there
    are: the in-app notification carries every one of them."""
    context = {
        "user": recipient,
        "items": [_email_fields(item) for item in items[:EMAIL_ITEMS_LISTED]],
        "total": len(items),
        "more": max(len(items) - EMAIL_ITEMS_LISTED, 0),
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


# What a digest reads of each claimed row and the item it is about: flat values rather than
# model instances, as a digest can hold tens of thousands of rows, and only what describe()
# and the rules read (the recipient is read once, not on every row). `_claimed_row` gives
# them the shape of a ledger row with its related objects, so describe() and the rules read
# both.
_ROW_OWN = (
    "id", "review_id", "escalation_id", "evidence_item_id", "stage", "due_on", "audience",
    "provider_id", "location_id", "attempts", "notification_id",
)  # fmt: skip
_REVIEW = (
    "review__uuid", "review__kind", "review__status", "review__due_on", "review__case_id",
    "review__period_start", "review__period_end", "review__location__name",
    "review__provider__name", "review__case__title", "review__case__status",
)  # fmt: skip
_ESCALATION = (
    "escalation__uuid", "escalation__status", "escalation__due_on", "escalation__case_id",
    "escalation__action", "escalation__provider__name", "escalation__case__title",
    "escalation__case__status", "escalation__case__location__name",
)  # fmt: skip
_EVIDENCE = (
    "evidence_item__summary", "evidence_item__valid_until", "evidence_item__withdrawn_at",
    "evidence_item__case__uuid", "evidence_item__case__title", "evidence_item__case__status",
    "evidence_item__case__location__name",
)  # fmt: skip
_ROW_COLUMNS = _ROW_OWN + _REVIEW + _ESCALATION + _EVIDENCE
# Where each part starts in a row of _ROW_COLUMNS.
_AT_REVIEW = len(_ROW_OWN)
_AT_ESCALATION = _AT_REVIEW + len(_REVIEW)
_AT_EVIDENCE = _AT_ESCALATION + len(_ESCALATION)
_AT_DUE_ON = _ROW_OWN.index("due_on")


# The claimed row and the objects it names, as describe() and the rules read them (the
# attribute names of ReminderDelivery and its related models). Slotted: a digest builds
# tens of thousands.


@dataclass(slots=True, eq=False)
class _Place:
    """A location or provider; its str() is its name."""

    name: str

    def __str__(self):
        return self.name


@dataclass(slots=True, eq=False)
class _Case:
    title: str
    status: str
    uuid: object = None
    location: _Place | None = None

    def __str__(self):
        return self.title

    def get_status_display(self):
        return CaseStatus(self.status).label


@dataclass(slots=True, eq=False)
class _Review:
    uuid: object
    kind: str
    status: str
    due_on: object
    case_id: int | None
    case: _Case | None
    period_words: str
    location: _Place
    provider: _Place


@dataclass(slots=True, eq=False)
class _Escalation:
    uuid: object
    status: str
    due_on: object
    case_id: int | None
    case: _Case | None
    action: str
    provider: _Place


@dataclass(slots=True, eq=False)
class _Evidence:
    summary: str
    valid_until: object
    withdrawn_at: object
    case: _Case


@dataclass(slots=True, eq=False)
class _ClaimedRow:
    id: int
    review_id: int | None
    escalation_id: int | None
    evidence_item_id: int | None
    stage: str
    due_on: object
    audience: str
    provider_id: int
    location_id: int | None
    attempts: int
    notification_id: int | None
    recipient: object
    status: str = DeliveryStatus.PENDING
    error: str = ""
    review: _Review | None = None
    escalation: _Escalation | None = None
    evidence_item: _Evidence | None = None
    _described: Item | None = None  # describe()'s answer, worked out once

    @property
    def pk(self):
        return self.id

    @property
    def recipient_id(self):
        return self.recipient.pk


@functools.lru_cache(maxsize=256)
def _period_words(start, end) -> str:
    # A digest's reviews fall in a handful of periods.
    return period_words(start, end)


class _Places(dict):
    """The one _Place of each name (a digest names the same few places thousands of times)."""

    def __missing__(self, name):
        place = self[name] = _Place(name)
        return place


def _claimed_row(v, recipient, places) -> _ClaimedRow:
    """A row of _ROW_COLUMNS as a ledger row, its places from `places` (a _Places)."""
    row = _ClaimedRow(*v[:_AT_REVIEW], recipient)
    if row.review_id:
        (
            uuid_, kind, status, due_on, case_id, start, end, location, provider, title,
            case_status,
        ) = v[_AT_REVIEW:_AT_ESCALATION]  # fmt: skip
        case = None if title is None else _Case(title, case_status)
        row.review = _Review(
            uuid_, kind, status, due_on, case_id, case, _period_words(start, end),
            places[location], places[provider],
        )  # fmt: skip
    elif row.escalation_id:
        (uuid_, status, due_on, case_id, action, provider, title, case_status, location) = v[
            _AT_ESCALATION:_AT_EVIDENCE
        ]
        case = None if title is None else _Case(title, case_status, location=places[location])
        row.escalation = _Escalation(uuid_, status, due_on, case_id, case, action, places[provider])
    else:
        (summary, valid_until, withdrawn_at, case_uuid, title, case_status, location) = v[
            _AT_EVIDENCE:
        ]
        case = _Case(title, case_status, case_uuid, places[location])
        row.evidence_item = _Evidence(summary, valid_until, withdrawn_at, case)
    return row


def _lock_claimable(recipient_id, now) -> list:
    """The recipient's pending rows, locked in id order (skipping any another claimant
    holds), as `_claimed_row`s sorted as the digest lists them: soonest due first."""
    values = list(
        ReminderDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(recipient_id=recipient_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list(*_ROW_COLUMNS)
    )
    if not values:
        return []
    username, email, first_name = (
        get_user_model()
        .objects.filter(pk=recipient_id)
        .values_list("username", "email", "first_name")
        .get()
    )
    recipient = get_user_model()(
        pk=recipient_id, username=username, email=email, first_name=first_name
    )
    places = _Places()

    values.sort(key=operator.itemgetter(_AT_DUE_ON, 0))
    return [_claimed_row(v, recipient, places) for v in values]


def _only(ids):
    """A filter on exactly these ids, as one parameter however many there are (a digest can
    hold more rows than a statement can have parameters)."""
    if connection.vendor == "postgresql":
        # An array literal, cheaper to pass than a list adapted element by element.
        literal = "{" + ",".join(str(i) for i in ids) + "}"
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [literal]))
    return Q(pk__in=list(ids))


def _claim(recipient_id, now):
    """Claim the recipient's pending rows and write their in-app notification, atomically.

    The rows are locked (skipping locked ones) before they are marked sending: of two workers
    claiming at once, one gets the rows and the other gets none. The same handful of queries
    however many rows the digest holds, and one write per row.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        # Lock the rows first, in id order, skipping any another claimant holds: two
        # claimants never wait on each other in opposite orders (no deadlock), and the
        # second simply gets what the first did not take.
        rows = _lock_claimable(recipient_id, now)
        if not rows:
            return token, []
        today = reviews.local_date(now)
        held = _roles_held(recipient_id, today)
        live, stale = [], {}
        for row in rows:
            row.attempts += 1
            reason = _why_not_current(row, today, held)
            if reason:
                stale.setdefault(reason, []).append(row)
            else:
                live.append(row)
        claimed = {"claimed_at": now, "attempts": F("attempts") + 1, "updated_at": now}
        for reason, group in stale.items():
            ReminderDelivery.objects.filter(_only(r.pk for r in group)).update(
                status=DeliveryStatus.SKIPPED,
                error=reason,
                claim_token=None,
                next_attempt_at=None,
                **claimed,
            )
            for row in group:
                row.status, row.error = DeliveryStatus.SKIPPED, reason
        if not live:
            return token, rows
        new = [row for row in live if row.notification_id is None]
        if new:
            script_prefix = get_script_prefix()
            items = [describe(row, script_prefix) for row in new]
            notification = Notification.objects.create(
                user_id=recipient_id,
                title=subject_for(items),
                items=[item.as_json() for item in items],
                created_at=now,
            )
            claimed["notification"] = Coalesce(F("notification"), Value(notification.pk))
        if live[0].recipient.email:
            outcome = {"status": DeliveryStatus.SENDING, "claim_token": token}
        else:
            reason = "No email address: shown in the app only."
            outcome = {
                "status": DeliveryStatus.SKIPPED,
                "claim_token": None,
                "error": reason,
                "next_attempt_at": None,
            }
        ReminderDelivery.objects.filter(_only(r.pk for r in live)).update(**outcome, **claimed)
        for row in live:
            row.status = outcome["status"]
            if "error" in outcome:
                row.error = outcome["error"]
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
            _only(ids), claim_token=token, status=DeliveryStatus.SENDING
        )
        if permanent or attempts >= settings.REMINDER_MAX_ATTEMPTS:
            mine.update(
                status=DeliveryStatus.FAILED, error=error, next_attempt_at=None, updated_at=now
            )
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


def _record_acceptance(rows, token, accepted_at) -> None:
    """The mail server has accepted the digest: say so on one of its rows, in one small write
    (the window in which a stopped worker's digest would be sent again). Its other rows share
    the claim token, which is how the sweep settles them if the worker stops before
    `_mark_sent`."""
    ReminderDelivery.objects.filter(
        pk=min(row.pk for row in rows), claim_token=token, status=DeliveryStatus.SENDING
    ).update(accepted_at=accepted_at, updated_at=accepted_at)


def _mark_sent(rows, token, *, accepted_at, now) -> int:
    # The token's rows still sending are exactly `rows` (the skipped ones lost the token),
    # found through the in-flight index by recipient (no list of ids to pass).
    return ReminderDelivery.objects.filter(
        recipient_id=rows[0].recipient_id,
        next_attempt_at__isnull=False,
        status=DeliveryStatus.SENDING,
        claim_token=token,
    ).update(
        status=DeliveryStatus.SENT,
        sent_at=accepted_at,
        accepted_at=accepted_at,
        error="",
        next_attempt_at=None,
        updated_at=now,
    )


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
    script_prefix = get_script_prefix()
    result.skipped = [
        (describe(r, script_prefix), r.error) for r in rows if r.status == DeliveryStatus.SKIPPED
    ]
    live = [r for r in rows if r.status == DeliveryStatus.SENDING]
    if not live:
        return result
    # Described once: the rows new to the notification already were, for it.
    items = [describe(row, script_prefix) for row in live]
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
    _record_acceptance(live, token, accepted_at)
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
