"""The ledger rows a sweep claims, every column, for one scenario that touches every rule:
who hears about what, at which stage and as whom, where two rules name the same person for
the same item and stage (the first rule's audience is kept), and that a second sweep adds
nothing and changes nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.escalations.models import Escalation, EscalationStatus
from assurance.reviews import reminders
from assurance.reviews.models import DeliveryStatus, ReminderDelivery, ReviewStatus
from domains.roles import Role
from evidence.models import EvidenceItem
from tests.assurance.reviews.conftest import escalation, monthly_review, quarterly_review
from tests.builders import add_evidence, open_case
from tests.factories import LocationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
TODAY = date(2026, 6, 10)


def _member(username, location, role, *, provider_wide=False, **extra):
    user = UserFactory(username=username, **extra.pop("user", {}))
    MembershipFactory(
        user=user,
        provider=location.provider,
        location=None if provider_wide else location,
        role=role,
        **extra,
    )
    return user


def _provider_wide(provider, *, days, owner=None, action):
    return Escalation.objects.create(
        provider=provider,
        trigger="manual",
        action=action,
        owner=owner,
        due_on=TODAY + timedelta(days=days),
    )


def _ledger():
    rows = ReminderDelivery.objects.select_related("recipient").order_by("id")
    return [
        (
            "review" if r.review_id else "escalation" if r.escalation_id else "evidence",
            r.review_id or r.escalation_id or r.evidence_item_id,
            r.stage,
            r.due_on,
            r.recipient.username,
            r.audience,
            r.provider_id,
            r.location_id,
            r.status,
            r.attempts,
            r.error,
            r.created_at,
            r.updated_at,
            r.next_attempt_at,
            r.claimed_at,
            r.accepted_at,
            r.sent_at,
            r.claim_token,
            r.notification_id,
        )
        for r in rows
    ]


@pytest.fixture
def scenario(time_machine, location, provider, quality_lead):
    time_machine.move_to(NOW, tick=False)
    assert timezone.localdate() == TODAY
    elsewhere = LocationFactory(provider=provider, name="Ash Court")
    MembershipFactory(user=quality_lead, location=elsewhere, role=Role.QUALITY_LEAD)
    people = {
        "rm": _member("rm", location, Role.REGISTERED_MANAGER),
        "rm2": _member("rm2", location, Role.REGISTERED_MANAGER),
        "rm_b": _member("rm_b", elsewhere, Role.REGISTERED_MANAGER),
        "sl": _member("sl", location, Role.SENIOR_LEADER, provider_wide=True),
        "dm": _member("dm", location, Role.DEPUTY_MANAGER),
        # Someone who is both a Registered Manager here and a Senior Leader.
        "both": _member("both", elsewhere, Role.REGISTERED_MANAGER),
        # An owner who holds only a provider-wide role (not a Senior Leader).
        "mover": _member("mover", location, Role.VIEWER, provider_wide=True),
        # Nobody below hears anything.
        "former": _member(
            "former", location, Role.REGISTERED_MANAGER, ended_at=NOW - timedelta(days=3)
        ),
        "lapsed": _member("lapsed", location, Role.VIEWER, expires_on=TODAY - timedelta(days=1)),
        "asleep": _member("asleep", location, Role.REGISTERED_MANAGER, user={"is_active": False}),
        "sl_former": _member(
            "sl_former",
            location,
            Role.SENIOR_LEADER,
            provider_wide=True,
            ended_at=NOW - timedelta(days=1),
        ),
        "leaver": _member("leaver", location, Role.DEPUTY_MANAGER, ended_at=NOW),
    }
    MembershipFactory(
        user=people["both"], provider=provider, location=None, role=Role.SENIOR_LEADER
    )
    # Someone at another provider altogether.
    _member("outsider", LocationFactory(), Role.REGISTERED_MANAGER)

    def case_at(where, title):
        return open_case(location=where, actor=quality_lead, title=title)

    cases = {name: case_at(location, name) for name in ("a1", "a2", "a3", "a4", "a5", "a6")}
    cases["b1"] = case_at(elsewhere, "b1")
    cases["closed"] = case_at(location, "closed")
    cases["done"] = case_at(location, "done")
    ImprovementCase.objects.filter(pk=cases["closed"].pk).update(status=CaseStatus.CLOSED)

    reviews = {
        "r7": monthly_review(cases["a1"], days=7),
        "r1": monthly_review(cases["a2"], days=1),
        "r0": monthly_review(cases["a3"], days=0),
        "r-13": monthly_review(cases["a4"], days=-13),
        "r-14": monthly_review(cases["a5"], days=-14),
        "r8": monthly_review(cases["a6"], days=8),
        "rb": monthly_review(cases["b1"], days=-30),
        "closed": monthly_review(cases["closed"], days=-1),
        "done": monthly_review(cases["done"], days=-2),
        "quarter": quarterly_review(provider, days=-20),
    }
    type(reviews["done"]).objects.filter(pk=reviews["done"].pk).update(
        status=ReviewStatus.SKIPPED, skip_reason="Inspection week."
    )
    dm, sl = people["dm"], people["sl"]
    escalations = {
        "owned": escalation(cases["a1"], days=2, owner=dm),
        "ownerless": escalation(cases["a1"], days=-1),
        "owned14": escalation(cases["a2"], days=-15, owner=dm),
        "left": escalation(cases["a2"], days=0, owner=people["leaver"]),
        "left14": escalation(cases["a3"], days=-14, owner=people["leaver"]),
        "rm_b": escalation(cases["b1"], days=-20, owner=people["rm_b"]),
        "mover": escalation(cases["a3"], days=5, owner=people["mover"]),
        "lapsed": escalation(cases["a3"], days=3, owner=people["lapsed"]),
        "closed": escalation(cases["closed"], days=-3, owner=dm),
        "sl14": escalation(cases["a4"], days=-16, owner=sl),
        "later": escalation(cases["a4"], days=9, owner=dm),
        "done": escalation(cases["a5"], days=-3, owner=dm),
        "pw_owned": _provider_wide(provider, days=1, owner=sl, action="Provider: owned"),
        "pw_ownerless": _provider_wide(provider, days=-2, action="Provider: ownerless"),
        "pw_left14": _provider_wide(
            provider, days=-14, owner=people["sl_former"], action="Provider: owner left"
        ),
        "pw_both14": _provider_wide(
            provider, days=-20, owner=people["both"], action="Provider: owned by both"
        ),
    }
    Escalation.objects.filter(pk=escalations["done"].pk).update(status=EscalationStatus.DONE)

    def evidence(case, until, withdrawn=False):
        item = add_evidence(case, quality_lead)
        EvidenceItem.objects.filter(pk=item.pk).update(
            valid_until=TODAY + timedelta(days=until),
            withdrawn_at=NOW if withdrawn else None,
            withdrawn_reason="Superseded." if withdrawn else "",
        )
        return item

    items = {
        "e20": evidence(cases["a1"], 20),
        "e7": evidence(cases["a2"], 7),
        "e0": evidence(cases["b1"], 0),
        "e31": evidence(cases["a3"], 31),
        "e-1": evidence(cases["a3"], -1),
        "withdrawn": evidence(cases["a4"], 10, withdrawn=True),
        "closed": evidence(cases["closed"], 10),
    }
    return people, reviews, escalations, items, location, elsewhere, provider


def test_the_sweep_claims_exactly_these_ledger_rows(scenario):
    people, reviews, escalations, items, here, there, provider = scenario
    result = reminders.sweep()

    def row(kind, obj, stage, days, who, audience, location):
        due_on = TODAY + timedelta(days=days)
        item = {"review": reviews, "escalation": escalations, "evidence": items}[kind][obj]
        where = location.pk if location else None
        return (
            kind, item.pk, stage, due_on, who, audience, provider.pk, where,
            DeliveryStatus.PENDING, 0, "", NOW, NOW, NOW, None, None, None, None, None,
        )  # fmt: skip

    expected = [
        # Monthly reviews: the location's Registered Managers; at 14 days overdue the
        # provider's Senior Leaders too, as the next level up.
        row("review", "r7", "due_7", 7, "rm", "registered_manager", here),
        row("review", "r7", "due_7", 7, "rm2", "registered_manager", here),
        row("review", "r1", "due_1", 1, "rm", "registered_manager", here),
        row("review", "r1", "due_1", 1, "rm2", "registered_manager", here),
        row("review", "r0", "due_today", 0, "rm", "registered_manager", here),
        row("review", "r0", "due_today", 0, "rm2", "registered_manager", here),
        row("review", "r-13", "overdue", -13, "rm", "registered_manager", here),
        row("review", "r-13", "overdue", -13, "rm2", "registered_manager", here),
        row("review", "r-14", "overdue_14", -14, "rm", "registered_manager", here),
        row("review", "r-14", "overdue_14", -14, "rm2", "registered_manager", here),
        row("review", "rb", "overdue_14", -30, "rm_b", "registered_manager", there),
        row("review", "rb", "overdue_14", -30, "both", "registered_manager", there),
        row("review", "r-14", "overdue_14", -14, "sl", "next_level", here),
        row("review", "r-14", "overdue_14", -14, "both", "next_level", here),
        row("review", "rb", "overdue_14", -30, "sl", "next_level", there),
        # The quarterly review: the Senior Leaders, at its own stage.
        row("review", "quarter", "overdue_14", -20, "sl", "senior_leader", None),
        row("review", "quarter", "overdue_14", -20, "both", "senior_leader", None),
        # Escalations of open cases: the owner while they hold a role there ...
        row("escalation", "owned", "due_7", 2, "dm", "owner", here),
        row("escalation", "owned14", "overdue_14", -15, "dm", "owner", here),
        row("escalation", "rm_b", "overdue_14", -20, "rm_b", "owner", there),
        row("escalation", "mover", "due_7", 5, "mover", "owner", here),
        row("escalation", "sl14", "overdue_14", -16, "sl", "owner", here),
        # ... otherwise (nobody owns it, or the owner left) the Registered Managers ...
        row("escalation", "ownerless", "overdue", -1, "rm", "registered_manager", here),
        row("escalation", "ownerless", "overdue", -1, "rm2", "registered_manager", here),
        row("escalation", "left", "due_today", 0, "rm", "registered_manager", here),
        row("escalation", "left", "due_today", 0, "rm2", "registered_manager", here),
        row("escalation", "left14", "overdue_14", -14, "rm", "registered_manager", here),
        row("escalation", "left14", "overdue_14", -14, "rm2", "registered_manager", here),
        row("escalation", "lapsed", "due_7", 3, "rm", "registered_manager", here),
        row("escalation", "lapsed", "due_7", 3, "rm2", "registered_manager", here),
        # ... and at 14 days overdue the other Registered Managers and the Senior Leaders.
        row("escalation", "owned14", "overdue_14", -15, "rm", "next_level", here),
        row("escalation", "owned14", "overdue_14", -15, "rm2", "next_level", here),
        row("escalation", "rm_b", "overdue_14", -20, "both", "next_level", there),
        row("escalation", "sl14", "overdue_14", -16, "rm", "next_level", here),
        row("escalation", "sl14", "overdue_14", -16, "rm2", "next_level", here),
        # (the owner who left: the managers already have it as Registered Managers)
        row("escalation", "owned14", "overdue_14", -15, "sl", "next_level", here),
        row("escalation", "owned14", "overdue_14", -15, "both", "next_level", here),
        row("escalation", "left14", "overdue_14", -14, "sl", "next_level", here),
        row("escalation", "left14", "overdue_14", -14, "both", "next_level", here),
        row("escalation", "rm_b", "overdue_14", -20, "sl", "next_level", there),
        row("escalation", "sl14", "overdue_14", -16, "both", "next_level", here),
        # Provider-wide escalations: the owner while a provider-wide member ...
        row("escalation", "pw_owned", "due_1", 1, "sl", "owner", None),
        row("escalation", "pw_both14", "overdue_14", -20, "both", "owner", None),
        # ... otherwise the Senior Leaders (the owner who left: as Senior Leaders, first) ...
        row("escalation", "pw_ownerless", "overdue", -2, "sl", "senior_leader", None),
        row("escalation", "pw_ownerless", "overdue", -2, "both", "senior_leader", None),
        row("escalation", "pw_left14", "overdue_14", -14, "sl", "senior_leader", None),
        row("escalation", "pw_left14", "overdue_14", -14, "both", "senior_leader", None),
        # ... and at 14 days overdue the other Senior Leaders.
        row("escalation", "pw_both14", "overdue_14", -20, "sl", "next_level", None),
        # Evidence that stops counting: the Registered Managers, at 30 and at 7 days.
        row("evidence", "e20", "expires_30", 20, "rm", "registered_manager", here),
        row("evidence", "e20", "expires_30", 20, "rm2", "registered_manager", here),
        row("evidence", "e7", "expires_7", 7, "rm", "registered_manager", here),
        row("evidence", "e7", "expires_7", 7, "rm2", "registered_manager", here),
        row("evidence", "e0", "expires_7", 0, "rm_b", "registered_manager", there),
        row("evidence", "e0", "expires_7", 0, "both", "registered_manager", there),
    ]

    def key(r):
        return r[:8]

    got = _ledger()
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert result.claimed == len(expected)
    assert result.recipients == sorted(
        people[name].pk for name in ("rm", "rm2", "rm_b", "sl", "dm", "both", "mover")
    )

    # A second sweep, later the same day, adds nothing and leaves every row as it was.
    again = reminders.sweep(now=NOW + timedelta(hours=2))
    assert again.claimed == 0
    assert _ledger() == got
