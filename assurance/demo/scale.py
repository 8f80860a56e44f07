"""Scale data: one large care group (hundreds of locations, thousands of cases, a hundred
thousand evidence items) for benchmarks and for trying the pages at the size large UK care
groups run at.

`python manage.py seed_scale` calls `seed_scale()`. The demo's people (the Registered
Manager, the Senior Leader and the rest, see `data/organisations.json`) hold their roles at
every location of the scale provider, so signing in as them shows the pages at scale.

Unlike the demo, nothing here goes through the services one action at a time: at this size
that would take hours. Each location is written in one transaction with `bulk_create` in
batches, with the history rows the services would have left (django-simple-history rows
dated when each record was created or changed, and escalation events), so "as of" queries
and past reports read it as they read real data. Everything is drawn from a random
generator seeded with the provider's slug and the location's number, so the same arguments
give the same data, and a location already there (found by its CQC location ID, derived from
the slug and its number) is skipped whole: running it twice changes nothing.
"""

from __future__ import annotations

import random
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from assurance.cases.models import CaseStatus, ImprovementCase, Indicator, Reading, StepRecord
from assurance.demo.context import read
from assurance.demo.organisations import DEMO_PASSWORD
from assurance.escalations.models import (
    Escalation,
    EscalationEvent,
    EscalationStatus,
    EscalationTrigger,
)
from assurance.judgement.models import JudgementConfirmation, ProportionalityJudgement
from assurance.judgement.readiness import LEVELS
from assurance.judgement.services import CONFIRMED_REASON
from assurance.organisations.models import Location, Membership, Provider, ServiceType, Team
from assurance.reviews import cadence as cadences
from assurance.reviews.models import Review, ReviewKind, ReviewOutcome, ReviewStatus
from assurance.reviews.services import cadence as review_cadence
from domains.models import Domain, EvidenceCategory
from domains.roles import Role
from evidence.models import EvidenceItem, InfluenceLink, LinkStatus, Source, Stance

BATCH = 2000
DEFAULT_SLUG = "scale-care"
DEFAULT_NAME = "Scale Care Group"
BIG_CASE_ITEMS = 500  # one case carries this many evidence items (the case-page benchmark)

# The demo person who does each location role's work at every scale location.
ROLE_PEOPLE = {
    Role.QUALITY_LEAD: "quality.lead",
    Role.REGISTERED_MANAGER: "registered.manager",
    Role.DEPUTY_MANAGER: "deputy.manager",
    Role.TEAM_LEADER: "team.leader",
    Role.OPERATIONS_MANAGER: "operations.manager",
}
PROVIDER_PEOPLE = {Role.SENIOR_LEADER: "senior.leader", Role.VIEWER: "viewer"}

PLACES = [
    "Ashby", "Beacon", "Birch", "Brook", "Castle", "Cedar", "Elm", "Fern", "Glebe", "Hawthorn",
    "Heron", "Kestrel", "Larch", "Linden", "Maple", "Meadow", "Orchard", "Rowan", "Willow", "Yew",
]  # fmt: skip
KINDS = ["House", "Court", "Lodge", "Grange", "Manor", "View", "Gardens", "Park", "Hall", "Place"]
TEAMS = [("Day team", "team"), ("Night team", "shift"), ("Ground floor", "unit"),
         ("First floor", "unit")]  # fmt: skip
SOURCES = [Source.CARE_RECORDS, Source.AUDITS, Source.FEEDBACK, Source.STAFF_PRACTICE]
FRONTLINE = {Source.CARE_RECORDS, Source.FEEDBACK, Source.STAFF_PRACTICE}
SUMMARIES = {
    Source.CARE_RECORDS: [
        "Care plans sampled on the unit were reviewed on time and reflect current needs.",
        "Daily notes show repositioning and fluid charts completed through the night.",
        "Post-fall observations recorded at the agreed intervals in the records sampled.",
    ],
    Source.AUDITS: [
        "Monthly audit: actions from last month rechecked and closed with evidence.",
        "Medicines audit found no signature gaps on the charts sampled.",
        "Infection control audit repeated; the earlier findings have not come back.",
    ],
    Source.FEEDBACK: [
        "Relatives' meeting: families say concerns are now answered within the week.",
        "Residents' survey comments mention staff explaining changes to their care.",
        "A complaint about call bell response was resolved and the fix has held.",
    ],
    Source.STAFF_PRACTICE: [
        "Observed handover: risks and escalations passed on using the agreed sheet.",
        "Spot check on the late shift: staff followed the updated moving and handling plan.",
        "Supervision notes show staff can explain the new escalation route.",
    ],
}
CONTRADICTING = [
    "Night handover observed: escalations were not passed on as the procedure says.",
    "Records sampled on this unit still miss the agreed checks on weekends.",
    "Feedback from a family describes the old way of working continuing.",
]
THEMES = [
    "actions that stick beyond the audit",
    "records that show the care given",
    "a consistent escalation route",
    "feedback acted on within the week",
    "practice that holds on nights and weekends",
]
OVERCLAIM_JUSTIFICATION = (
    "The evidence window misses the work done on the units before the new tracker started, "
    "and the spot checks booked for next month will show it. I am recording the level I see "
    "on the floor and will confirm it against the checks."
)


@dataclass(frozen=True)
class Size:
    locations: int = 200
    cases: int = 5000
    evidence: int = 100_000
    reviews: int = 14_000


@dataclass
class ScaleResult:
    provider: Provider
    created: dict = field(default_factory=dict)  # model label -> rows created this run
    skipped_locations: int = 0

    def add(self, label, n):
        self.created[label] = self.created.get(label, 0) + n

    @property
    def total(self):
        return sum(self.created.values())


def location_code(slug: str, index: int) -> str:
    """The location's CQC location ID: stable for a provider slug and location number."""
    prefix = zlib.crc32(slug.encode()) % 1000
    return f"1-8{prefix:03d}{index:05d}"


def big_case(provider) -> ImprovementCase | None:
    """The case seeded with BIG_CASE_ITEMS evidence items (the first case of the first
    location)."""
    location = Location.objects.filter(cqc_location_id=location_code(provider.slug, 0)).first()
    if location is None:
        return None
    return ImprovementCase.objects.filter(location=location).order_by("id").first()


def _share(total: int, parts: int, index: int) -> int:
    """The index-th of `parts` near-equal shares of `total`."""
    if parts <= 0:
        return 0
    return total // parts + (1 if index < total % parts else 0)


@contextmanager
def _own_timestamps(*models):
    """Let bulk_create keep the times we set on auto_now / auto_now_add fields (backdated
    rows), instead of stamping them all with now."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class _Writer:
    """bulk_create with the history rows the services would have written."""

    def __init__(self, result):
        self.result = result

    def create(self, model, objs):
        objs = model.objects.bulk_create(objs, batch_size=BATCH)
        self.result.add(model._meta.label, len(objs))
        return objs

    def history(self, model, versions):
        """versions: (obj, when, type "+"/"~", user_id, {field: value overrides}), and
        optionally a sixth item, the change reason the service gives."""
        history_model = model.history.model
        fields = [f.attname for f in history_model.tracked_fields]
        rows = []
        for obj, when, kind, user_id, overrides, *reason in versions:
            values = {a: overrides.get(a, getattr(obj, a)) for a in fields}
            rows.append(
                history_model(
                    history_date=when,
                    history_type=kind,
                    history_user_id=user_id,
                    history_change_reason=reason[0] if reason else None,
                    **values,
                )
            )
        return self.create(history_model, rows)

    def created(self, model, objs, when, user):
        """One "+" history row per object, dated `when(obj)` by `user(obj)`."""
        return self.history(model, ((o, when(o), "+", user(o), {}) for o in objs))


class _Context:
    def __init__(self, provider, size, today, result):
        self.provider = provider
        self.size = size
        self.today = today
        self.now = timezone.now()
        self.write = _Writer(result)
        self.result = result
        self.users = _demo_people()
        self.by_role = {role: self.users[name].pk for role, name in ROLE_PEOPLE.items()}
        self.domains = list(
            Domain.objects.active().prefetch_related("steps", "key_questions").order_by("order")
        )
        self.domains = [d for d in self.domains if len(d.steps.all()) == 5]
        if not self.domains:
            raise ValueError("No active domain with all five steps: load the catalogue first.")
        framework_ids = {kq.framework_id for d in self.domains for kq in d.key_questions.all()}
        self.categories = list(
            EvidenceCategory.objects.filter(framework_id__in=framework_ids).order_by("id")
        ) or list(EvidenceCategory.objects.order_by("id"))
        self.monthly = review_cadence(ReviewKind.MONTHLY)
        self.quarterly = review_cadence(ReviewKind.QUARTERLY)

    def at(self, day, hour=10, minute=0):
        moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
        return min(moment, self.now)


def _demo_people():
    """The demo's people (created as seed_demo would, if missing), by username."""
    user_model = get_user_model()
    wanted = set(ROLE_PEOPLE.values()) | set(PROVIDER_PEOPLE.values())
    people = {}
    for provider in read("organisations.json")["providers"]:
        for spec in provider["people"]:
            if spec["username"] not in wanted:
                continue
            user, created = user_model.objects.get_or_create(
                username=spec["username"],
                defaults={
                    "first_name": spec["first_name"],
                    "last_name": spec["last_name"],
                    "email": f"{spec['username']}@example.org",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            people[user.username] = user
    return people


def seed_scale(
    *, slug=DEFAULT_SLUG, name=None, size=Size(), today=None, progress=None
) -> ScaleResult:
    """Create the scale provider (or the locations of it still missing). Idempotent."""
    today = today or timezone.localdate()
    name = name or (DEFAULT_NAME if slug == DEFAULT_SLUG else slug.replace("-", " ").title())
    with transaction.atomic():
        provider, created = Provider.objects.get_or_create(slug=slug, defaults={"name": name})
        result = ScaleResult(provider=provider)
        if created:
            result.add(Provider._meta.label, 1)
        ctx = _Context(provider, size, today, result)
        _provider_wide(ctx)
    existing = dict(
        Location.objects.filter(
            cqc_location_id__in=[location_code(slug, i) for i in range(size.locations)]
        ).values_list("cqc_location_id", "provider_id")
    )
    for index in range(size.locations):
        code = location_code(slug, index)
        if code in existing:
            if existing[code] != provider.pk:
                raise ValueError(f"CQC location ID {code} belongs to another provider.")
            result.skipped_locations += 1
            continue
        with transaction.atomic(), _own_timestamps(*_TIMED_MODELS):
            if connection.vendor == "postgresql":
                # Seed data can be written again: no need to wait for each commit's flush.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            _location(ctx, index)
        if progress:
            progress(index + 1, size.locations)
    return result


def _provider_wide(ctx):
    """The Senior Leader's and viewer's roles, the quarterly reviews and two provider-wide
    escalations: each created only when missing."""
    provider, users = ctx.provider, ctx.users
    for role, username in PROVIDER_PEOPLE.items():
        extra = {"expires_on": ctx.today + timedelta(days=365)} if role == Role.VIEWER else {}
        _, created = Membership.objects.get_or_create(
            user=users[username],
            provider=provider,
            location=None,
            role=role,
            ended_at=None,
            defaults=extra,
        )
        if created:
            ctx.result.add(Membership._meta.label, 1)
    _quarterly_reviews(ctx)
    _provider_wide_escalations(ctx)


def _quarterly_reviews(ctx):
    """The quarter's review, due, and the four before it, done."""
    provider, users = ctx.provider, ctx.users
    current = cadences.current_period(ctx.quarterly, ctx.today)
    periods = [current]
    for _ in range(4):
        periods.append(
            cadences.period_containing(ctx.quarterly, periods[-1].start - timedelta(days=1))
        )
    leader = users["senior.leader"].pk
    taken = set(
        Review.objects.filter(provider=provider, kind=ReviewKind.QUARTERLY, case=None).values_list(
            "period_start", flat=True
        )
    )
    new = []
    for n, period in enumerate(periods):
        if period.start in taken:
            continue
        review = Review(
            kind=ReviewKind.QUARTERLY,
            provider=provider,
            period_start=period.start,
            period_end=period.end,
            period_label=period.label,
            due_on=period.due_on,
        )
        if n:  # the past ones were done
            review.status = ReviewStatus.COMPLETED
            review.outcome = ReviewOutcome.GAP_OBSERVED if n == 1 else ReviewOutcome.ON_TRACK
            review.notes = "Quarterly review of the group's cases and escalations."
            review.completed_by_id = leader
            review.completed_at = ctx.at(min(period.due_on, ctx.today), 15)
        review.created_at = ctx.at(period.start)
        new.append(review)
    with _own_timestamps(Review):
        reviews = ctx.write.create(Review, new)
    ctx.write.created(Review, reviews, lambda r: r.completed_at or r.created_at, lambda r: leader)


def _provider_wide_escalations(ctx):
    provider, leader = ctx.provider, ctx.users["senior.leader"].pk
    for n, (status, due) in enumerate(
        [(EscalationStatus.OPEN, -20), (EscalationStatus.IN_PROGRESS, 25)]
    ):
        key = f"scale:{provider.slug}:provider:{n}"
        if Escalation.objects.filter(dedupe_key=key).exists():
            continue
        raised = ctx.at(ctx.today - timedelta(days=40))
        escalation = Escalation(
            provider=provider,
            trigger=EscalationTrigger.MANUAL,
            action="Senior leadership challenge session",
            detail="Raised at the quarterly review: the same gap shows at several locations.",
            owner_id=leader if n else None,
            due_on=ctx.today + timedelta(days=due),
            status=status,
            dedupe_key=key,
            raised_by_id=leader,
            raised_at=raised,
            updated_at=raised,
        )
        _escalations(ctx, [escalation])


def _escalations(ctx, escalations):
    """Escalations with their events and history rows (raised, then moved to their status)."""
    with _own_timestamps(Escalation):
        escalations = ctx.write.create(Escalation, escalations)
    events, versions = [], []
    for e in escalations:
        actor = e.raised_by_id
        events.append(
            EscalationEvent(
                escalation=e,
                at=e.raised_at,
                actor_id=actor,
                from_status="",
                to_status=EscalationStatus.OPEN,
                note=e.detail or "Raised.",
            )
        )
        raised_state = {"status": EscalationStatus.OPEN, "outcome": "", "closed_at": None,
                        "cancel_reason": "", "version": 1}  # fmt: skip
        versions.append((e, e.raised_at, "+", actor, raised_state))
        if e.status == EscalationStatus.OPEN:
            continue
        moved = e.closed_at or min(e.raised_at + timedelta(days=3), ctx.now)
        note = {
            EscalationStatus.IN_PROGRESS: "Work started: observations booked on each unit.",
            EscalationStatus.DONE: e.outcome,
            EscalationStatus.CANCELLED: e.cancel_reason,
        }[e.status]
        events.append(
            EscalationEvent(
                escalation=e,
                at=moved,
                actor_id=e.owner_id or actor,
                from_status=EscalationStatus.OPEN,
                to_status=e.status,
                note=note,
            )
        )
        versions.append((e, moved, "~", e.owner_id or actor, {}))
    ctx.write.create(EscalationEvent, events)
    ctx.write.history(Escalation, versions)


_TIMED_MODELS = (
    Location,
    Team,
    Membership,
    ImprovementCase,
    Indicator,
    Reading,
    EvidenceItem,
    InfluenceLink,
    Escalation,
    Review,
)


def _location(ctx, index):
    rng = random.Random(f"{ctx.provider.slug}:{index}")  # noqa: S311 - test data, not secrets
    location, active_teams = _location_row(ctx, index)
    size = ctx.size
    first = sum(_share(size.cases, size.locations, i) for i in range(index))
    n_cases = _share(size.cases, size.locations, index)
    big = min(BIG_CASE_ITEMS, size.evidence // 4) if size.cases else 0
    plans = [_case_plan(ctx, rng, location, first + j, j) for j in range(n_cases)]
    for plan in plans:
        k = plan["k"]
        if k == 0:
            plan["n_evidence"] = big
        else:
            plan["n_evidence"] = _share(size.evidence - big, max(size.cases - 1, 1), k - 1)
        plan["n_past_reviews"] = _share(max(size.reviews - size.cases * 3 // 4, 0), size.cases, k)
    cases = ctx.write.create(ImprovementCase, [p["case"] for p in plans])
    for plan, case in zip(plans, cases, strict=True):
        plan["case"] = case
    _case_history(ctx, plans)
    _steps(ctx, rng, plans)
    readings = _indicators(ctx, rng, plans, active_teams)
    items = _evidence(ctx, rng, plans, active_teams)
    _links(ctx, rng, plans, items)
    # Confirmations draw from a generator of their own, so the rest of the data does not
    # depend on them.
    confirming = random.Random(f"{ctx.provider.slug}:{index}:confirmations")  # noqa: S311
    judgements = _judgements(ctx, rng, plans, _Changes(ctx, items, readings), confirming)
    _case_escalations(ctx, rng, plans, judgements)
    _reviews(ctx, rng, plans)


def _location_row(ctx, index):
    """The location, its four teams (and at one in ten, an archived fifth) and the demo
    people's roles there."""
    write, today = ctx.write, ctx.today
    name = f"{PLACES[index % 20]} {KINDS[(index // 20) % 10]}"
    if index >= 200:
        name += f" {index // 200 + 1}"
    began = ctx.at(today - timedelta(days=800))
    location = write.create(
        Location,
        [
            Location(
                provider=ctx.provider,
                name=name,
                cqc_location_id=location_code(ctx.provider.slug, index),
                service_type=ServiceType.values[index % len(ServiceType.values)],
                address=f"{index + 1} {PLACES[index % 20]} Road, Exampletown",
                created_at=began,
            )
        ],
    )[0]
    write.created(Location, [location], lambda o: began, lambda o: None)
    teams = [
        Team(location=location, name=team_name, kind=kind, created_at=began)
        for team_name, kind in TEAMS
    ]
    if index % 10 == 9:  # a few locations closed a unit: an archived team
        teams.append(
            Team(
                location=location,
                name="Annexe",
                kind="unit",
                created_at=began,
                archived_at=ctx.at(today - timedelta(days=200)),
            )
        )
    teams = write.create(Team, teams)
    write.created(Team, teams, lambda o: began, lambda o: None)
    active_teams = [t for t in teams if t.archived_at is None]
    memberships = write.create(
        Membership,
        [
            Membership(
                user_id=user_id, provider=ctx.provider, location=location, role=role,
                created_at=began,
            )
            for role, user_id in ctx.by_role.items()
        ],
    )  # fmt: skip
    write.created(Membership, memberships, lambda o: began, lambda o: None)
    return location, active_teams


def _status_and_step(k):
    """Every status and step: 10% withdrawn, 15% closed, 20% under review, the rest open at
    steps 1 to 5. The first case (the big one) has its full trail."""
    slot = k % 20
    if k == 0:
        return CaseStatus.UNDER_REVIEW, 5
    if slot < 2:
        return CaseStatus.WITHDRAWN, 1 + k % 5
    if slot < 5:
        return CaseStatus.CLOSED, 5
    if slot < 9:
        return CaseStatus.UNDER_REVIEW, 5
    return CaseStatus.OPEN, 1 + (k // 20 + slot) % 5


def _case_plan(ctx, rng, location, k, j):
    """What one case looks like: its status and step, dates and domain."""
    domain = ctx.domains[k % len(ctx.domains)]
    status, step = _status_and_step(k)
    began_on = ctx.today - timedelta(days=rng.randint(150, 420))
    opened = ctx.at(began_on, 9, rng.randint(0, 59))
    done = {
        CaseStatus.OPEN: step - 1,
        CaseStatus.UNDER_REVIEW: 5,
        CaseStatus.CLOSED: 5,
        CaseStatus.WITHDRAWN: step - 1,
    }[status]
    # Steps completed evenly between opening and a week or more ago.
    span = max((ctx.today - timedelta(days=7) - began_on).days, 10)
    step_days = [began_on + timedelta(days=span * (n + 1) // 6) for n in range(done)]
    ended = None
    if status in (CaseStatus.CLOSED, CaseStatus.WITHDRAWN):
        # Closed or withdrawn after its last completed step, never before.
        end_day = ctx.today - timedelta(days=rng.randint(2, 40))
        if step_days:
            end_day = max(end_day, step_days[-1] + timedelta(days=2))
        ended = ctx.at(end_day, 16)
    case = ImprovementCase(
        location=location,
        domain=domain,
        title=f"{domain.name}: {THEMES[k % len(THEMES)]} ({location.name}, case {j + 1})",
        baseline_issue=(
            f"Audits at {location.name} kept finding the same gaps in "
            f"{domain.name.lower()}, and fixes did not hold from one month to the next."
        ),
        improvement_began=began_on,
        wider_areas=list(domain.default_wider_areas),
        status=status,
        current_step=step,
        status_reason=(
            "Closed at the review: the improvement has held for two quarters."
            if status == CaseStatus.CLOSED
            else "Withdrawn: the work was folded into the location's wider action plan."
            if status == CaseStatus.WITHDRAWN
            else ""
        ),
        opened_by_id=ctx.by_role[Role.REGISTERED_MANAGER],
        opened_at=opened,
        updated_at=ended or opened,
    )
    return {
        "k": k,
        "case": case,
        "domain": domain,
        "began_on": began_on,
        "opened": opened,
        "step_days": step_days,
        "ended": ended,
        # A closed or withdrawn case is read-only: nothing is added to it after it ended.
        "last_day": timezone.localdate(ended) if ended else ctx.today,
        "last_moment": ended or ctx.now,
    }


def _case_history(ctx, plans):
    rm = ctx.by_role[Role.REGISTERED_MANAGER]
    versions = []
    for p in plans:
        case = p["case"]
        first = {"status": CaseStatus.OPEN, "current_step": 1, "status_reason": ""}
        versions.append((case, p["opened"], "+", rm, first))
        for n, day in enumerate(p["step_days"], start=1):
            status = CaseStatus.UNDER_REVIEW if n == 5 else CaseStatus.OPEN
            versions.append(
                (case, ctx.at(day, 14), "~", rm,
                 {"status": status, "current_step": min(n + 1, 5), "status_reason": ""})
            )  # fmt: skip
        if p["ended"]:
            versions.append((case, p["ended"], "~", rm, {}))
    ctx.write.history(ImprovementCase, versions)


def _step_data(number, case, rng):
    place = case.location.name
    if number == 1:
        return {
            "what_improved": f"Every action from the audits at {place} now has an owner, a "
            "due date and a recheck a month after closing.",
            "how_measured": "Actions closed by their due date, and the monthly recheck of "
            "closed actions on each unit.",
            "evidence_reviewed": "Six months of tracker exports, audit reports and "
            "handover sheets from every team.",
            "areas_with_effect": case.wider_areas[: rng.randint(1, 3)],
        }
    if number == 2:
        return {
            "earlier_weakness": "Audit findings came back month after month because nobody "
            "checked that the fix held.",
            "current_practice": "Fixes are rechecked on the floor before they come off the "
            "tracker; nights are still behind days.",
        }
    return {
        "summary": {
            3: "Practice has changed on days on every unit; nights and weekends are partly "
            "there, and the checks say so.",
            4: "Supervision and spot checks booked on nights; the follow-up on the ground "
            "floor shows the change holding.",
            5: "The stronger oversight is reaching day-to-day care on most units; nights are "
            "not yet consistent.",
        }[number]
    }


def _steps(ctx, rng, plans):
    steps, versions = [], []
    for p in plans:
        case, templates = p["case"], sorted(p["domain"].steps.all(), key=lambda t: t.number)
        for t in templates:
            step = StepRecord(
                case=case,
                number=t.number,
                role=t.role,
                artefact_label=t.artefact_label,
                prompts=t.prompts,
            )
            if t.number <= len(p["step_days"]):
                day = ctx.at(p["step_days"][t.number - 1], 14)
                who = ctx.by_role.get(t.role, ctx.by_role[Role.REGISTERED_MANAGER])
                step.data = _step_data(t.number, case, rng)
                step.updated_by_id = step.completed_by_id = who
                step.updated_at = step.completed_at = day
                step.version = 2
            elif (
                t.number == case.current_step
                and case.status == CaseStatus.OPEN
                and rng.random() < 0.5
            ):
                # A draft on the step in hand.
                who = ctx.by_role.get(t.role, ctx.by_role[Role.REGISTERED_MANAGER])
                step.data = _step_data(t.number, case, rng)
                step.updated_by_id = who
                step.updated_at = ctx.at(ctx.today - timedelta(days=rng.randint(1, 6)), 11)
                step.version = 2
            steps.append(step)
    steps = ctx.write.create(StepRecord, steps)
    for step in steps:
        opened = step.case.opened_at
        blank = {"data": {}, "updated_by_id": None, "updated_at": None, "completed_by_id": None,
                 "completed_at": None, "version": 1}  # fmt: skip
        versions.append((step, opened, "+", step.case.opened_by_id, blank))
        if step.updated_at:
            versions.append((step, step.updated_at, "~", step.updated_by_id, {}))
    ctx.write.history(StepRecord, versions)


def _indicators(ctx, rng, plans, teams):
    indicators, readings = [], []
    ql = ctx.by_role[Role.QUALITY_LEAD]
    for p in plans:
        case = p["case"]
        for side, higher in (("leadership", True), ("frontline", True)):
            baseline = Decimal(rng.randint(30, 55))
            target = Decimal(rng.randint(80, 95))
            indicators.append(
                Indicator(
                    case=case,
                    name=("Audit actions closed on time" if side == "leadership"
                          else "Observed practice follows the procedure"),
                    unit="%",
                    higher_is_better=higher,
                    baseline=baseline,
                    target=target,
                    side=side,
                    created_by_id=ql,
                    created_at=p["opened"],
                )
            )  # fmt: skip
    indicators = ctx.write.create(Indicator, indicators)
    ctx.write.created(Indicator, indicators, lambda o: o.created_at, lambda o: o.created_by_id)
    plan_of = {p["case"].pk: p for p in plans}
    for ind in indicators:
        began = ind.case.improvement_began
        plan = plan_of[ind.case_id]
        months = min(9, max(2, (ctx.today - began).days // 30))
        # Frontline indicators lag: some stall short of the target.
        reach = 1.05 if ind.side == "leadership" else rng.choice([0.7, 0.9, 1.02])
        for m in range(months):
            taken_on = began + timedelta(days=30 * (m + 1))
            if taken_on > plan["last_day"]:
                break
            share = reach * (m + 1) / months
            value = ind.baseline + (ind.target - ind.baseline) * Decimal(f"{share:.3f}")
            value += Decimal(rng.randint(-3, 3))
            readings.append(
                Reading(
                    indicator=ind,
                    taken_on=taken_on,
                    value=value.quantize(Decimal("0.01")),
                    team=rng.choice(teams) if ind.side == "frontline" else None,
                    recorded_by_id=ind.created_by_id,
                    recorded_at=min(ctx.at(taken_on + timedelta(days=1), 12), plan["last_moment"]),
                )
            )
    readings = ctx.write.create(Reading, readings)
    ctx.write.created(Reading, readings, lambda o: o.recorded_at, lambda o: o.recorded_by_id)
    by_case = {}
    for reading in readings:
        by_case.setdefault(reading.indicator.case_id, []).append(reading)
    return by_case


def _evidence(ctx, rng, plans, teams):
    """Each case's evidence, spread over its life and its teams. Returns {case id: items}."""
    by_source_role = {
        Source.CARE_RECORDS: Role.DEPUTY_MANAGER,
        Source.AUDITS: Role.QUALITY_LEAD,
        Source.FEEDBACK: Role.REGISTERED_MANAGER,
        Source.STAFF_PRACTICE: Role.TEAM_LEADER,
    }
    rm = ctx.by_role[Role.REGISTERED_MANAGER]
    by_case = {}
    for p in plans:
        case = p["case"]
        items = []
        last_day, last_moment = p["last_day"], p["last_moment"]
        life = max((last_day - p["began_on"]).days, 1)
        for e in range(p["n_evidence"]):
            source = SOURCES[(e + rng.randint(0, 3)) % 4]
            # Recent items are likelier: half of them inside the last 90 days.
            back = int(life * rng.random() ** 2) if rng.random() < 0.5 else rng.randint(0, 89)
            occurred = last_day - timedelta(days=min(back, life))
            contradicts = rng.random() < 0.12
            created = min(
                ctx.at(occurred + timedelta(days=rng.randint(0, 2)), 10 + e % 8), last_moment
            )
            item = EvidenceItem(
                case=case,
                step_number=rng.randint(1, max(case.current_step, 1)),
                source=source,
                category=rng.choice(ctx.categories),
                occurred_on=occurred,
                team=rng.choice(teams) if rng.random() < 0.9 else None,
                stance=Stance.CONTRADICTS if contradicts else Stance.SUPPORTS,
                summary=rng.choice(CONTRADICTING if contradicts else SUMMARIES[source]),
                created_by_id=ctx.by_role[by_source_role[source]],
                created_at=created,
            )
            roll = rng.random()
            if roll < 0.03:
                item.withdrawn_at = min(created + timedelta(days=rng.randint(1, 30)), last_moment)
                item.withdrawn_by_id = rm
                item.withdrawn_reason = "Added to the wrong case: the audit belongs elsewhere."
            elif roll < 0.13:
                # Renewable evidence: some lapsed, some due to lapse within the month.
                item.valid_until = ctx.today + timedelta(days=rng.randint(-60, 120))
            items.append(item)
        by_case[case.pk] = items
    created = ctx.write.create(EvidenceItem, [i for items in by_case.values() for i in items])
    versions = []
    for item in created:
        first = {"withdrawn_at": None, "withdrawn_by_id": None, "withdrawn_reason": ""}
        versions.append((item, item.created_at, "+", item.created_by_id, first))
        if item.withdrawn_at:
            versions.append((item, item.withdrawn_at, "~", item.withdrawn_by_id, {}))
    ctx.write.history(EvidenceItem, versions)
    return by_case


def _links(ctx, rng, plans, items_by_case):
    """Three influence links a case: most of the first two evidenced by one to three of its
    supporting items (added once those items were on the record), the third assumed."""
    links, chosen = [], {}
    rm = ctx.by_role[Role.REGISTERED_MANAGER]
    for p in plans:
        case = p["case"]
        supporting = [i for i in items_by_case[case.pk] if i.supports and i.withdrawn_at is None]
        start = ctx.at(p["step_days"][0] if p["step_days"] else p["began_on"], 15)
        for n, area in enumerate(case.wider_areas[:3]):
            items = []
            if supporting and n < 2 and rng.random() < 0.8:
                items = rng.sample(supporting, min(len(supporting), rng.randint(1, 3)))
            link = InfluenceLink(
                case=case,
                area=area,
                status=LinkStatus.EVIDENCED if items else LinkStatus.ASSUMED,
                note=(
                    "The recheck records show the change reaching this area."
                    if items
                    else "Expected to follow; not yet shown in the evidence."
                ),
                created_by_id=rm,
                created_at=max([start, *(i.created_at for i in items)]),
            )
            links.append(link)
            chosen[id(link)] = items
    links = ctx.write.create(InfluenceLink, links)
    through = InfluenceLink.evidence.through
    rows = ctx.write.create(
        through,
        [
            through(influencelink_id=link.pk, evidenceitem_id=item.pk)
            for link in links
            for item in chosen[id(link)]
        ],
    )
    link_history = ctx.write.created(
        InfluenceLink, links, lambda o: o.created_at, lambda o: o.created_by_id
    )
    # The evidence a link rested on, as its history row saw it (what as-of reads use).
    m2m_history = apps.get_model("evidence", "HistoricalInfluenceLink_evidence")
    by_link = {}
    for row in rows:
        by_link.setdefault(row.influencelink_id, []).append(row)
    ctx.write.create(
        m2m_history,
        [
            m2m_history(
                id=row.pk,
                influencelink_id=row.influencelink_id,
                evidenceitem_id=row.evidenceitem_id,
                history_id=h.history_id,
            )
            for h in link_history
            for row in by_link.get(h.id, [])
        ],
    )


class _Changes:
    """When a case's evidence and readings changed, from the rows just written: what the
    judgement lists count as a change since a judgement (items added, withdrawn or lapsed,
    readings recorded), so confirmations can be dated after what they confirm."""

    def __init__(self, ctx, items_by_case, readings_by_case):
        self.ctx = ctx
        self.items = items_by_case
        self.readings = readings_by_case

    def since(self, case_id, moment, until) -> list[datetime]:
        """The moments of the case's changes after `moment` and by `until`, in order."""
        ctx, day = self.ctx, timezone.localdate(moment)
        found = [r.recorded_at for r in self.readings.get(case_id, [])]
        for item in self.items.get(case_id, []):
            found.append(item.created_at)
            if item.withdrawn_at:
                found.append(item.withdrawn_at)
            elif item.valid_until and day <= item.valid_until < ctx.today:
                # Counted as lapsed from the day after its last valid day.
                found.append(ctx.at(item.valid_until + timedelta(days=1), 0))
        return sorted(m for m in found if moment < m <= until)


# Under-review cases whose Registered Manager has not yet confirmed the judgement since the
# latest change (the rest are confirmed within a day or two of it, from My work).
NOT_YET_CONFIRMED = 0.12


def _confirmed_at(ctx, rng, plan, judgement, changes):
    """When the Registered Manager last confirmed the judgement against the evidence, or
    None when nothing changed since it was recorded or it has not been confirmed since.

    A Registered Manager works through My work's "Judgements to confirm": most judgements
    are confirmed at the end of the day of the latest change or the next day; a closed case
    was confirmed before it closed (nothing is added to it after). A minority of
    under-review cases wait: confirmed once after an earlier change, or not at all."""
    limit = plan["last_moment"]
    pending = changes.since(plan["case"].pk, judgement.recorded_at, limit)
    if not pending:
        return None
    if plan["case"].status == CaseStatus.UNDER_REVIEW and rng.random() < NOT_YET_CONFIRMED:
        if len(pending) < 2:
            return None
        earlier = rng.choice(pending[:-1])
        moment = ctx.at(timezone.localdate(earlier), 17, rng.randint(0, 59))
        return moment if earlier < moment < pending[-1] else None
    latest = pending[-1]
    day = timezone.localdate(latest) + timedelta(days=rng.randint(0, 1))
    moment = ctx.at(day, 16, rng.randint(0, 59))
    if moment <= latest:
        moment = ctx.at(day + timedelta(days=1), 16, rng.randint(0, 59))
    return max(min(moment, limit), latest)


def _judgements(ctx, rng, plans, changes, confirming):
    """Step-5 judgements of cases that reached it; about one in five goes beyond what the
    evidence supports (with its justification). Most current ones were confirmed by the
    Registered Manager after the evidence changed since (`_confirmed_at`), written as
    `judgement_confirm` writes it: the confirmation row, the judgement's confirmed_at and
    confirmed_by, and a history row at that moment. Returns {case id: judgement}."""
    rm = ctx.by_role[Role.REGISTERED_MANAGER]
    new = []
    for p in plans:
        case = p["case"]
        if len(p["step_days"]) < 5:
            continue
        recorded = ctx.at(p["step_days"][4], 14)
        supportable = LEVELS[rng.randint(0, 2)]
        overclaim = rng.random() < 0.2
        level = LEVELS[LEVELS.index(supportable) + 1] if overclaim else supportable
        if rng.random() < 0.1:  # an earlier judgement, superseded by this one
            new.append(
                ProportionalityJudgement(
                    case=case,
                    level=LEVELS[0],
                    supportable_level=LEVELS[0],
                    not_yet="Every area beyond the units where it started.",
                    rationale="Too early to claim more than the units where it started.",
                    recorded_by_id=rm,
                    recorded_at=recorded - timedelta(days=30),
                    superseded_at=recorded,
                )
            )
        judgement = ProportionalityJudgement(
            case=case,
            level=level,
            supportable_level=supportable,
            overclaim_justification=OVERCLAIM_JUSTIFICATION if overclaim else "",
            not_yet="Nights and weekends: the checks there are not consistent yet.",
            rationale="Rechecks and observations show the change holding on most units; "
            "the frontline indicator is still behind the leadership one.",
            escalate=rng.random() < 0.1,
            recorded_by_id=rm,
            recorded_at=recorded,
        )
        judgement.confirmed_at = _confirmed_at(ctx, confirming, p, judgement, changes)
        judgement.confirmed_by_id = rm if judgement.confirmed_at else None
        new.append(judgement)
    return _write_judgements(ctx, new, plans)


def _write_judgements(ctx, new, plans):
    """The judgements with their history (recorded, confirmed, superseded), confirmation rows
    and key questions."""
    judgements = ctx.write.create(ProportionalityJudgement, new)
    versions = []
    for j in judgements:
        as_recorded = {"superseded_at": None, "confirmed_at": None, "confirmed_by_id": None}
        versions.append((j, j.recorded_at, "+", j.recorded_by_id, as_recorded))
        if j.confirmed_at:
            versions.append((j, j.confirmed_at, "~", j.confirmed_by_id, {}, CONFIRMED_REASON))
        if j.superseded_at:
            versions.append((j, j.superseded_at, "~", j.recorded_by_id, {}))
    ctx.write.history(ProportionalityJudgement, versions)
    ctx.write.create(
        JudgementConfirmation,
        [
            JudgementConfirmation(
                judgement=j,
                confirmed_by_id=j.confirmed_by_id,
                confirmed_at=j.confirmed_at,
                supportable_level=j.supportable_level,
                overclaim_justification=j.overclaim_justification,
            )
            for j in judgements
            if j.confirmed_at
        ],
    )
    through = ProportionalityJudgement.key_questions.through
    by_domain = {p["case"].pk: p["domain"] for p in plans}
    ctx.write.create(
        through,
        [
            through(proportionalityjudgement_id=j.pk, keyquestion_id=kq.pk)
            for j in judgements
            for kq in list(by_domain[j.case_id].key_questions.all())[:2]
        ],
    )
    return {j.case_id: j for j in judgements if j.superseded_at is None}


def _case_escalations(ctx, rng, plans, judgements):
    rm, deputy = ctx.by_role[Role.REGISTERED_MANAGER], ctx.by_role[Role.DEPUTY_MANAGER]
    new = []
    for p in plans:
        case = p["case"]
        active = case.status in (CaseStatus.OPEN, CaseStatus.UNDER_REVIEW)
        judgement = judgements.get(case.pk)
        wanted = []
        if judgement and judgement.exceeds_evidence:
            wanted.append((EscalationTrigger.OVERCLAIM, f"overclaim:{judgement.pk}"))
        if judgement and judgement.escalate:
            wanted.append((EscalationTrigger.JUDGEMENT, f"judgement:{judgement.pk}"))
        if rng.random() < 0.2:
            wanted.append((EscalationTrigger.MANUAL, None))
        if active and rng.random() < 0.04:
            wanted.append((EscalationTrigger.REPEATED_GAP, f"scale-gap:{case.pk}"))
        for trigger, key in wanted:
            raised = (
                judgement.recorded_at
                if trigger in (EscalationTrigger.OVERCLAIM, EscalationTrigger.JUDGEMENT)
                else ctx.at(ctx.today - timedelta(days=rng.randint(5, 90)), 11)
            )
            raised = max(raised, p["opened"])
            due = raised.date() + timedelta(days=rng.choice([14, 28, 42]))
            if active:
                status = rng.choice(
                    [EscalationStatus.OPEN, EscalationStatus.OPEN, EscalationStatus.IN_PROGRESS,
                     EscalationStatus.DONE, EscalationStatus.CANCELLED]
                )  # fmt: skip
            else:
                status = rng.choice([EscalationStatus.DONE, EscalationStatus.CANCELLED])
            e = Escalation(
                case=case,
                trigger=trigger,
                action=rng.choice(
                    p["domain"].escalation_actions or ["Direct observational checks"]
                ),
                detail={
                    EscalationTrigger.OVERCLAIM: "The judgement exceeds the evidence. "
                    "Justification: " + OVERCLAIM_JUSTIFICATION,
                    EscalationTrigger.JUDGEMENT: "Step 5 judgement asked to escalate.",
                    EscalationTrigger.MANUAL: "Raised by hand: the same finding came back.",
                    EscalationTrigger.REPEATED_GAP: "Gap seen in two consecutive monthly reviews.",
                }[trigger],
                owner_id=rng.choice([rm, deputy, None]) if status == EscalationStatus.OPEN else rm,
                due_on=due,
                status=status,
                dedupe_key=key,
                raised_by_id=None if trigger == EscalationTrigger.REPEATED_GAP else rm,
                raised_at=raised,
            )
            if status in (EscalationStatus.DONE, EscalationStatus.CANCELLED):
                e.closed_at = min(raised + timedelta(days=rng.randint(3, 20)), ctx.now)
                if status == EscalationStatus.DONE:
                    e.outcome = "Observations done on every unit; the finding has not recurred."
                else:
                    e.cancel_reason = "Raised twice for the same finding: the other one stands."
            e.updated_at = e.closed_at or raised
            new.append(e)
    _escalations(ctx, new)


def _reviews(ctx, rng, plans):
    """Monthly reviews: one due for each open case (some from a past month, so overdue), the
    months before it reviewed (a few skipped, some finding a gap)."""
    rm = ctx.by_role[Role.REGISTERED_MANAGER]
    new = []
    current = cadences.current_period(ctx.monthly, ctx.today)
    for p in plans:
        case = p["case"]
        active = case.status in (CaseStatus.OPEN, CaseStatus.UNDER_REVIEW)
        period = current
        lag = rng.choice([0, 0, 0, 1, 2]) if active else 1
        for _ in range(lag):
            period = cadences.period_containing(ctx.monthly, period.start - timedelta(days=1))
        periods = []
        if active:
            periods.append((period, ReviewStatus.DUE))
        for _ in range(p["n_past_reviews"]):
            period = cadences.period_containing(ctx.monthly, period.start - timedelta(days=1))
            if period.end < case.improvement_began:
                break
            status = ReviewStatus.SKIPPED if rng.random() < 0.05 else ReviewStatus.COMPLETED
            periods.append((period, status))
        for period, status in periods:
            review = Review(
                kind=ReviewKind.MONTHLY,
                provider=ctx.provider,
                location_id=case.location_id,
                case=case,
                period_start=period.start,
                period_end=period.end,
                period_label=period.label,
                due_on=period.due_on,
                status=status,
                created_at=ctx.at(period.start),
            )
            if status == ReviewStatus.COMPLETED:
                review.outcome = rng.choice(
                    [ReviewOutcome.ON_TRACK, ReviewOutcome.ON_TRACK, ReviewOutcome.GAP_OBSERVED]
                )
                review.notes = "Reviewed the month's evidence and readings with the team leads."
                review.completed_by_id = rm
                review.completed_at = ctx.at(period.due_on - timedelta(days=rng.randint(0, 5)), 15)
            elif status == ReviewStatus.SKIPPED:
                review.skip_reason = "Skipped: the manager was covering another location."
                review.completed_by_id = rm
                review.completed_at = ctx.at(period.due_on, 15)
            new.append(review)
    reviews = ctx.write.create(Review, new)
    ctx.write.created(Review, reviews, lambda o: o.completed_at or o.created_at, lambda o: rm)
