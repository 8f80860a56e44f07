"""What My work shows each person: the groups of things waiting for them, and the rows of each.

A person's roles decide the groups (``groups_for``) and each group's scope:

- every role: the steps waiting for a role they hold where the case is, and the escalations
  they own;
- Registered Managers, at their locations: monthly reviews overdue or due within
  ``DUE_SOON_DAYS``, judgements whose evidence changed since they were recorded or last
  confirmed, escalations nobody owns, and evidence that stops counting within
  ``EXPIRY_DAYS``;
- Senior Leaders, across their provider: quarterly reviews overdue or due soon, monthly
  reviews overdue at any of its locations, and the same judgements, unowned escalations
  (including provider-wide ones) and expiring evidence as a Registered Manager sees at one
  location.

Every group's rows come from one ordered queryset that reads only the columns its row shows
(no JSON columns in a sorted query), so the page counts each group with one aggregate
query and shows the first few with a LIMIT, however much data there is.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import Coalesce

from assurance.cases import workflow as wf
from assurance.cases.models import ImprovementCase, StepRecord
from assurance.escalations.access import visible_escalations
from assurance.escalations.models import Escalation
from assurance.judgement.models import CHANGE_ATTRIBUTES, ProportionalityJudgement
from assurance.organisations.models import Membership
from assurance.organisations.permissions import (
    CASE_MANAGER_ROLES,
    ESCALATION_MANAGER_ROLES,
    MONTHLY_REVIEWER_ROLES,
    PROVIDER_MANAGER_ROLES,
    QUARTERLY_REVIEWER_ROLES,
)
from assurance.reviews import cadence
from assurance.reviews.models import Review, ReviewKind
from evidence.models import EvidenceItem

FIRST_FEW = 5  # rows of each group on My work; "See all" pages the rest
DUE_SOON_DAYS = cadence.LEAD_DAYS  # as the first reminder: due within 7 days
EXPIRY_DAYS = cadence.EXPIRY_NOTICE_DAYS  # as the first expiry reminder: within 30 days


# --- who holds what ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A person's current roles: at each location, and provider-wide at each provider."""

    user_id: int
    at_locations: dict = field(default_factory=dict)  # location id -> frozenset of roles
    at_providers: dict = field(default_factory=dict)  # provider id -> frozenset of roles

    def locations(self, roles) -> list[int]:
        return sorted(loc for loc, held in self.at_locations.items() if held & roles)

    def providers(self, roles) -> list[int]:
        return sorted(p for p, held in self.at_providers.items() if held & roles)

    def roles(self) -> frozenset:
        return frozenset().union(*self.at_locations.values(), *self.at_providers.values())


def held_from(user_id, rows) -> Held:
    """`rows` are (location id or None, provider id, role) of current memberships."""
    at_locations, at_providers = {}, {}
    for location_id, provider_id, role in rows:
        if location_id is None:
            at_providers.setdefault(provider_id, set()).add(role)
        else:
            at_locations.setdefault(location_id, set()).add(role)
    return Held(
        user_id,
        {k: frozenset(v) for k, v in at_locations.items()},
        {k: frozenset(v) for k, v in at_providers.items()},
    )


def held_by(user, today=None) -> Held:
    rows = (
        Membership.objects.current(today)
        .filter(user=user)
        .values_list("location_id", "provider_id", "role")
    )
    return held_from(user.pk, rows)


def _scope(held, location_roles, provider_roles, *, location="location_id"):
    """A Q for rows at the locations where `held` has one of `location_roles`, or anywhere at
    the providers where it has one of `provider_roles` provider-wide; None when neither.
    `location` names the rows' location id (``case__location_id`` for a case's rows)."""
    provider = location.removesuffix("_id") + "__provider_id"
    locations, providers = held.locations(location_roles), held.providers(provider_roles)
    if not locations and not providers:
        return None
    where = Q(pk__in=[])
    if locations:
        where |= Q(**{f"{location}__in": locations})
    if providers:
        where |= Q(**{f"{provider}__in": providers})
    return where


# --- the dates ------------------------------------------------------------------------------


def due_soon_until(today: date) -> date:
    """The last due date that counts as "due soon" (from today, inclusive)."""
    return today + timedelta(days=DUE_SOON_DAYS)


def expiring_until(today: date) -> date:
    """The last "counts until" date of evidence about to stop counting."""
    return today + timedelta(days=EXPIRY_DAYS)


# --- each group's rows -----------------------------------------------------------------------

ACTIVE_CASE = Q(case__status__in=wf.ACTIVE_STATUSES)
CASE_COLUMNS = ("case__uuid", "case__title", "case__location__name")


def waiting_steps(held, today):
    """The current step of active cases, not completed, when its role is one the person holds
    where the case is (at the location, or provider-wide)."""
    mine = Q(pk__in=[])
    for role in held.roles():
        where = _scope(held, {role}, {role}, location="case__location_id")
        mine |= Q(where, role=role)
    return (
        StepRecord.objects.filter(mine, ACTIVE_CASE, completed_at__isnull=True)
        .filter(number=F("case__current_step"))
        .select_related("case__location", "case__domain")
        .only(
            "number",
            "artefact_label",
            "updated_at",
            "case__opened_at",
            "case__domain__name",
            *CASE_COLUMNS,
        )
        .order_by("case__opened_at", "id")
    )


def _reviews_to_do(held):
    """Reviews the person does: monthly at their Registered Manager locations (active cases),
    quarterly at their Senior Leader providers."""
    where = Q(pk__in=[])  # nothing, until a role adds to it
    if locations := held.locations(MONTHLY_REVIEWER_ROLES):
        where |= Q(ACTIVE_CASE, kind=ReviewKind.MONTHLY, location_id__in=locations)
    if providers := held.providers(QUARTERLY_REVIEWER_ROLES):
        where |= Q(kind=ReviewKind.QUARTERLY, provider_id__in=providers)
    return where


def _review_rows(where):
    return (
        Review.objects.due()
        .filter(where)
        .select_related("case", "location", "provider")
        .only(
            "uuid",
            "kind",
            "period_label",
            "period_start",
            "period_end",
            "due_on",
            "status",
            "case__uuid",
            "case__title",
            "location__name",
            "provider__name",
        )
        .order_by("due_on", "id")
    )


def overdue_reviews(held, today):
    """Reviews the person does that are past due, and for a Senior Leader (the next level up)
    every monthly review overdue at their provider's active cases."""
    where = _reviews_to_do(held)
    providers = held.providers(PROVIDER_MANAGER_ROLES)
    if providers:
        where |= Q(ACTIVE_CASE, kind=ReviewKind.MONTHLY, provider_id__in=providers)
    return _review_rows(where).filter(due_on__lt=today)


def reviews_due_soon(held, today):
    """Reviews the person does, due from today to ``DUE_SOON_DAYS`` ahead."""
    return _review_rows(_reviews_to_do(held)).filter(
        due_on__gte=today, due_on__lte=due_soon_until(today)
    )


def judgements_to_confirm(held, today, *, changes=True):
    """Current judgements of active cases whose evidence changed since they were recorded or
    last confirmed, where the person is Registered Manager (or Senior Leader provider-wide).
    With `changes`, each row also says what changed (`with_changes`, computed per row)."""
    where = _scope(held, CASE_MANAGER_ROLES, PROVIDER_MANAGER_ROLES, location="case__location_id")
    if where is None:
        return ProportionalityJudgement.objects.none()
    rows = (
        ProportionalityJudgement.objects.current()
        .filter(where, ACTIVE_CASE)
        .evidence_changed(today)
        .select_related("case__location")
        .only("level", "recorded_at", "confirmed_at", "case_id", *CASE_COLUMNS)
        .order_by("recorded_at", "id")
    )
    return rows.with_changes(today) if changes else rows


def with_changes_of(judgements, today) -> list:
    """`judgements` (rows of `judgements_to_confirm(..., changes=False)`) with what changed
    since each, read for just these rows: one query."""
    changed = {
        j.pk: j
        for j in ProportionalityJudgement.objects.filter(pk__in=[j.pk for j in judgements])
        .with_changes(today)
        .only("id")
    }
    for judgement in judgements:
        for kind in CHANGE_ATTRIBUTES:
            setattr(judgement, kind, getattr(changed[judgement.pk], kind, 0))
    return judgements


def _escalation_rows(escalations, today):
    return (
        escalations.active()
        .with_overdue_flag(today)
        .select_related("case__location", "provider", "owner")
        .only(
            "uuid",
            "action",
            "trigger",
            "due_on",
            "status",
            "case__uuid",
            "case__title",
            "case__location__name",
            "provider__name",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
        .order_by("due_on", "id")
    )


def escalations_owned(user, held, today):
    """Open and in-progress escalations the person owns, where they can still see them."""
    return _escalation_rows(visible_escalations(user).filter(owner_id=held.user_id), today)


def escalations_unowned(held, today):
    """Escalations nobody owns, at a Registered Manager's locations or across a Senior
    Leader's provider, provider-wide ones included: raised automatically and not yet given
    an owner, or owned by someone who no longer holds a role where the escalation is (whose
    reminders go to the Registered Managers instead, as for one nobody owns)."""
    where = _scope(
        held, ESCALATION_MANAGER_ROLES, ESCALATION_MANAGER_ROLES, location="case__location_id"
    )
    if where is None:
        return Escalation.objects.none()
    providers = held.providers(ESCALATION_MANAGER_ROLES)
    scope = Q(where, ACTIVE_CASE)
    if providers:
        scope |= Q(case__isnull=True, provider_id__in=providers)
    owner_still_there = Exists(
        Membership.objects.current(today).filter(
            Q(location_id=OuterRef("case__location_id"))
            | Q(
                location__isnull=True,
                provider_id=Coalesce(
                    OuterRef("case__location__provider_id"), OuterRef("provider_id")
                ),
            ),
            user_id=OuterRef("owner_id"),
        )
    )
    return _escalation_rows(
        Escalation.objects.filter(scope).filter(Q(owner__isnull=True) | ~owner_still_there),
        today,
    )


def evidence_expiring(held, today):
    """Current evidence of active cases that stops counting from today to ``EXPIRY_DAYS``
    ahead, where the person is Registered Manager (or Senior Leader provider-wide)."""
    where = _scope(held, CASE_MANAGER_ROLES, PROVIDER_MANAGER_ROLES, location="case__location_id")
    if where is None:
        return EvidenceItem.objects.none()
    return (
        EvidenceItem.objects.current()
        .filter(where, ACTIVE_CASE, valid_until__gte=today, valid_until__lte=expiring_until(today))
        .select_related("case__location")
        .only("uuid", "source", "summary", "step_number", "valid_until", "case_id", *CASE_COLUMNS)
        .order_by("valid_until", "id")
    )


def my_cases(held, today):
    """Cases the person opened or completed a step of, where they hold a role now, most
    recently changed first."""
    worked_on = StepRecord.objects.filter(case=OuterRef("pk"), completed_by_id=held.user_id)
    where = Q(pk__in=[])
    if held.at_locations:
        where |= Q(location_id__in=sorted(held.at_locations))
    if held.at_providers:
        where |= Q(location__provider_id__in=sorted(held.at_providers))
    return (
        ImprovementCase.objects.filter(where)
        .filter(Q(opened_by_id=held.user_id) | Exists(worked_on))
        .select_related("location")
        .only("uuid", "title", "status", "current_step", "updated_at", "location__name")
        .order_by("-updated_at", "-id")
    )


# --- the groups -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A group of My work. `first_rows` (user, held, today), when given, is `rows` without
    what is costly to work out for every row, and `finish` (rows, today) adds it to the few
    shown: My work counts the whole group but finishes only the first few."""

    slug: str
    heading: str
    rows: Callable  # (user, held, today) -> an ordered QuerySet
    row_template: str
    intro: str = ""
    waiting: bool = True  # counts towards "something is waiting for you"
    noun: str = ""  # for "See all 12 ...": the heading in lower case unless given
    first_rows: Callable | None = None
    finish: Callable | None = None

    @property
    def rows_name(self) -> str:
        return self.noun or self.heading[0].lower() + self.heading[1:]


GROUPS = (
    Group(
        "steps",
        "Steps waiting for you",
        lambda user, held, today: waiting_steps(held, today),
        "assurance/my_work/_steps.html",
        "The current step of these cases is yours to complete.",
    ),
    Group(
        "overdue-reviews",
        "Overdue reviews",
        lambda user, held, today: overdue_reviews(held, today),
        "assurance/my_work/_reviews.html",
        "These reviews are past their due date.",
    ),
    Group(
        "reviews-due-soon",
        f"Reviews due in the next {DUE_SOON_DAYS} days",
        lambda user, held, today: reviews_due_soon(held, today),
        "assurance/my_work/_reviews.html",
    ),
    Group(
        "judgements",
        "Judgements to confirm",
        lambda user, held, today: judgements_to_confirm(held, today),
        "assurance/my_work/_judgements.html",
        "The evidence changed after these judgements were recorded or last confirmed. Look at "
        "it, then confirm the judgement or record a new one.",
        first_rows=lambda user, held, today: judgements_to_confirm(held, today, changes=False),
        finish=with_changes_of,
    ),
    Group(
        "escalations",
        "Escalations you own",
        lambda user, held, today: escalations_owned(user, held, today),
        "assurance/my_work/_escalations.html",
    ),
    Group(
        "unowned-escalations",
        "Escalations nobody owns",
        lambda user, held, today: escalations_unowned(held, today),
        "assurance/my_work/_escalations.html",
        "Raised automatically and not yet given an owner, or owned by someone who no longer "
        "works here. Open one to name who will act on it.",
    ),
    Group(
        "expiring-evidence",
        f"Evidence that stops counting within {EXPIRY_DAYS} days",
        lambda user, held, today: evidence_expiring(held, today),
        "assurance/my_work/_evidence.html",
        "Renew it, or add newer evidence, before its “counts until” date.",
        noun=f"evidence items that stop counting within {EXPIRY_DAYS} days",
    ),
    Group(
        "my-cases",
        "Cases you opened or worked on",
        lambda user, held, today: my_cases(held, today),
        "assurance/my_work/_cases.html",
        waiting=False,
    ),
)
GROUPS_BY_SLUG = {group.slug: group for group in GROUPS}

# Groups only some roles have; the others everyone has.
ROLE_GROUPS = {
    "overdue-reviews": (MONTHLY_REVIEWER_ROLES, QUARTERLY_REVIEWER_ROLES | PROVIDER_MANAGER_ROLES),
    "reviews-due-soon": (MONTHLY_REVIEWER_ROLES, QUARTERLY_REVIEWER_ROLES),
    "judgements": (CASE_MANAGER_ROLES, PROVIDER_MANAGER_ROLES),
    "unowned-escalations": (ESCALATION_MANAGER_ROLES, ESCALATION_MANAGER_ROLES),
    "expiring-evidence": (CASE_MANAGER_ROLES, PROVIDER_MANAGER_ROLES),
}


def groups_for(held) -> list[Group]:
    """The groups My work shows this person, in order. Everyone has their steps, the
    escalations they own and their cases; the rest follow the roles in ``ROLE_GROUPS``
    (at a location, provider-wide)."""
    shown = []
    for group in GROUPS:
        roles = ROLE_GROUPS.get(group.slug)
        if roles is None or held.locations(roles[0]) or held.providers(roles[1]):
            shown.append(group)
    return shown


@dataclass
class Summary:
    group: Group
    count: int
    first: list


def summarise(user, held, today, *, first=FIRST_FEW) -> list[Summary]:
    """Each group this person has, with its first rows and its count, from one query a group:
    the count of the whole group rides on the first rows as a window over all of them, so
    the group's filter (some are costly EXISTS) runs once, not once to list and once to
    count. A group with a `finish` adds its costly details to the rows shown (one more,
    small, query)."""
    summaries = []
    for group in groups_for(held):
        rows = (group.first_rows or group.rows)(user, held, today)
        shown = list(rows.annotate(group_total=Window(Count("pk")))[:first])
        count = shown[0].group_total if shown else 0
        if group.finish and shown:
            shown = group.finish(shown, today)
        summaries.append(Summary(group, count, shown))
    return summaries
