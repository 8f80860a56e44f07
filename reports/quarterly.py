"""The provider's quarterly report, designed for scale (200 locations, 5,000 cases).

What a senior leader reads: the executive summary with the previous quarter side by side;
one page at most for each location (its rating picture in brief, cases by status and level,
judgements above the evidence, stale judgements, overdue escalations and reviews); in full
only the cases that need their attention (`ATTENTION`); every other case as one line of a
compact list. The evidence index is not in the PDF: it is a workbook attached to the same
run (reports/evidence_index.py).

Every case is read as a row of a few columns, and everything about its evidence, readings
and escalations as counts computed by the database, so the data takes a fixed number of
queries and holds no evidence row in memory; only the cases that need attention are read in
full (reports/data.py). Everything is as it stood at the cut-off: values changed since come
from the history tables (a row with no history yet, inserted in bulk, is read as it is).
"""

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from assurance.cases import charts, workflow
from assurance.cases.models import CaseStatus, ImprovementCase
from assurance.escalations.models import Escalation, EscalationTrigger
from assurance.judgement import readiness
from assurance.judgement.models import InfluenceLevel, ProportionalityJudgement
from assurance.organisations.models import Team
from assurance.rating import picture as rating_picture
from assurance.reviews.models import Review, ReviewStatus
from evidence.models import EvidenceItem, Stance

from . import data
from .periods import Quarter

# Why a case is shown in full, in the order the report lists the reasons.
OVERCLAIM = "Judgement above the evidence"
EVIDENCE_CHANGED = "Evidence changed since the judgement"
OVERDUE_ESCALATION = "Escalation overdue"
REPEATED_GAP = "Repeated gap in monthly reviews"
ATTENTION = (OVERCLAIM, EVIDENCE_CHANGED, OVERDUE_ESCALATION, REPEATED_GAP)

ESCALATION_ACTIVE = ("open", "in_progress")
LEVEL_LABELS = dict(InfluenceLevel.choices)
STATUS_LABELS = dict(CaseStatus.choices)


@dataclass
class CaseRow:
    """One case as the report lists it, at the cut-off."""

    id: int
    uuid: object
    title: str
    location_id: int
    status: str
    current_step: int
    opened_at: datetime
    level: str = ""  # the current judgement's level, "" for none
    supported: str = ""  # what the evidence supported when it was recorded or confirmed
    changes: list = field(default_factory=list)  # what changed since, in words
    evidence: int = 0
    open_escalations: int = 0
    overdue_escalations: int = 0
    repeated_gap: bool = False
    reasons: list = field(default_factory=list)

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, "")

    @property
    def supported_label(self):
        return LEVEL_LABELS.get(self.supported, "")

    @property
    def is_active(self):
        return self.status in workflow.ACTIVE_STATUSES

    @property
    def overclaim(self):
        return bool(self.level and self.supported) and readiness.LEVELS.index(
            self.level
        ) > readiness.LEVELS.index(self.supported)


def _then(model, name, cutoff):
    """`name` as the row's history recorded it at the cut-off, or as it is now when the
    history has nothing for the row by then (bulk inserts write no history)."""
    history = model.history.filter(id=OuterRef("pk"), history_date__lte=cutoff).order_by(
        "-history_date", "-history_id"
    )
    return Case(
        When(Exists(history), then=Subquery(history.values(name)[:1])),
        default=F(name),
    )


def _judgements(case_ids, cutoff, day):
    """Each case's judgement current at the cut-off: its level, what the evidence supported
    then, and what changed between its recording (or latest confirmation) and the cut-off,
    counted by the database over joins. Four queries: a judgement's state from its latest
    history row by the cut-off, or from the live row when bulk inserts wrote no history."""
    history = ProportionalityJudgement.history.filter(history_date__lte=cutoff)
    then = (
        history.filter(case_id__in=case_ids)
        .latest_of_each()
        .exclude(history_type="-")
        .filter(superseded_at__isnull=True)
        .annotate(basis=Coalesce("confirmed_at", "recorded_at"))
    )
    live = (
        ProportionalityJudgement.objects.filter(case_id__in=case_ids, recorded_at__lte=cutoff)
        .exclude(Exists(history.filter(id=OuterRef("pk"))))
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=cutoff))
        .annotate(
            basis=Case(
                When(confirmed_at__lte=cutoff, then=F("confirmed_at")),
                default=F("recorded_at"),
            )
        )
    )
    current = {}
    for judgements in (then, live):
        evidence = judgements.annotate(basis_day=TruncDate("basis")).annotate(
            **_evidence_changes(cutoff, day)
        )
        rows = evidence.values_list(
            "case_id",
            "level",
            "supportable_level",
            "added",
            "contradicting",
            "withdrawn",
            "expired",
        )
        for case_id, level, supported_level, *counts in rows:
            current[case_id] = [level, supported_level or "", counts, 0]
        readings = judgements.annotate(
            readings=Count(
                "case__indicators__readings",
                filter=Q(
                    case__indicators__readings__recorded_at__gt=F("basis"),
                    case__indicators__readings__recorded_at__lte=cutoff,
                ),
            )
        ).values_list("case_id", "readings")
        for case_id, n in readings:
            current[case_id][3] = n
    return {
        case_id: (level, supported, _change_words(*counts, readings))
        for case_id, (level, supported, counts, readings) in current.items()
    }


def _evidence_changes(cutoff, day) -> dict:
    """Counts over the case's evidence (joined once) of what changed after `basis`."""
    on_record = Q(case__evidence__created_at__lte=cutoff)
    added = on_record & Q(case__evidence__created_at__gt=F("basis"))
    return {
        "added": Count("case__evidence", filter=added),
        "contradicting": Count(
            "case__evidence", filter=added & ~Q(case__evidence__stance=Stance.SUPPORTS)
        ),
        "withdrawn": Count(
            "case__evidence",
            filter=on_record
            & Q(
                case__evidence__withdrawn_at__gt=F("basis"),
                case__evidence__withdrawn_at__lte=cutoff,
            ),
        ),
        "expired": Count(
            "case__evidence",
            filter=on_record
            & Q(
                case__evidence__valid_until__lt=day,
                case__evidence__valid_until__gte=F("basis_day"),
            )
            & (
                Q(case__evidence__withdrawn_at__isnull=True)
                | Q(case__evidence__withdrawn_at__gt=cutoff)
            ),
        ),
    }


def _change_words(added, contradicting, withdrawn, expired, readings) -> list[str]:
    """The same words as a judgement's `change_summary` on the case lists."""
    parts = []
    for n, word in [
        (added, "added"),
        (contradicting, "contradicting"),
        (withdrawn, "withdrawn"),
        (expired, "expired"),
    ]:
        if n:
            parts.append(f"{n} {'item' if n == 1 else 'items'} {word}")
    if readings:
        parts.append(f"{readings} new reading{'' if readings == 1 else 's'}")
    return parts


def _case_rows(locations, quarter_start, cutoff) -> list[CaseRow]:
    """Every case at the locations opened by the cut-off, as it stood then, with its
    judgement, counts and reasons for attention: five queries whatever the number."""
    day = timezone.localdate(cutoff)
    cases = (
        ImprovementCase.objects.filter(location__in=locations, opened_at__lte=cutoff)
        .annotate(
            status_then=_then(ImprovementCase, "status", cutoff),
            step_then=_then(ImprovementCase, "current_step", cutoff),
        )
        .values_list("id", "uuid", "title", "location_id", "status_then", "step_then", "opened_at")
    )
    rows = {values[0]: CaseRow(*values) for values in cases}
    ids = ImprovementCase.objects.filter(location__in=locations, opened_at__lte=cutoff).values("id")
    for case_id, (level, supported, changes) in _judgements(ids, cutoff, day).items():
        row = rows.get(case_id)
        if row is not None:
            row.level, row.supported, row.changes = level, supported, changes
    evidence = (
        EvidenceItem.objects.filter(case_id__in=ids, created_at__lte=cutoff, occurred_on__lte=day)
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    for case_id, n in evidence:
        if case_id in rows:
            rows[case_id].evidence = n
    escalations = (
        Escalation.objects.filter(case_id__in=ids, raised_at__lte=cutoff)
        .annotate(
            status_then=_then(Escalation, "status", cutoff),
            due_then=_then(Escalation, "due_on", cutoff),
        )
        .values_list("case_id", "trigger", "status_then", "due_then", "raised_at")
    )
    start = timezone.make_aware(datetime.combine(quarter_start, time.min))
    for case_id, trigger, status, due_on, raised_at in escalations:
        row = rows.get(case_id)
        if row is None:
            continue
        active = status in ESCALATION_ACTIVE
        row.open_escalations += active
        row.overdue_escalations += active and due_on < day
        if trigger == EscalationTrigger.REPEATED_GAP and (active or raised_at >= start):
            row.repeated_gap = True
    for row in rows.values():
        row.reasons = [
            reason
            for reason, flagged in [
                (OVERCLAIM, row.overclaim),
                (EVIDENCE_CHANGED, bool(row.changes)),
                (OVERDUE_ESCALATION, row.overdue_escalations > 0),
                (REPEATED_GAP, row.repeated_gap),
            ]
            if flagged
        ]
    return list(rows.values())


def _overdue_reviews(locations, cutoff) -> Counter:
    """Reviews due before the cut-off day and not completed by the cut-off, per location."""
    day = timezone.localdate(cutoff)
    rows = (
        Review.objects.filter(location__in=locations, due_on__lt=day, period_start__lte=day)
        .filter(
            Q(status=ReviewStatus.DUE) | Q(status=ReviewStatus.COMPLETED, completed_at__gt=cutoff)
        )
        .values("location_id")
        .annotate(n=Count("id"))
        .values_list("location_id", "n")
    )
    return Counter(dict(rows))


@dataclass
class Counts:
    """The main counts of a scope (the provider, or one location) at a cut-off."""

    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_level: Counter = field(default_factory=Counter)
    no_judgement: int = 0
    overclaims: int = 0
    stale: int = 0
    open_escalations: int = 0
    overdue_escalations: int = 0
    overdue_reviews: int = 0
    attention: int = 0

    def add(self, row: CaseRow):
        self.cases += 1
        self.by_status[row.status] += 1
        if row.level:
            self.by_level[row.level] += 1
        else:
            self.no_judgement += 1
        self.overclaims += row.overclaim
        self.stale += bool(row.changes)
        self.open_escalations += row.open_escalations
        self.overdue_escalations += row.overdue_escalations
        self.attention += bool(row.reasons)

    @property
    def open_cases(self):
        return sum(self.by_status[s] for s in workflow.ACTIVE_STATUSES)

    @property
    def status_rows(self):
        return [(label, self.by_status.get(value, 0)) for value, label in CaseStatus.choices]

    @property
    def level_rows(self):
        return [(label, self.by_level.get(value, 0)) for value, label in InfluenceLevel.choices]

    def headline(self) -> list[tuple[str, int]]:
        """What the previous-quarter comparison sets side by side."""
        return [
            ("Cases", self.cases),
            ("Open or under review", self.open_cases),
            ("Closed", self.by_status.get(CaseStatus.CLOSED, 0)),
            ("Judgements above the evidence", self.overclaims),
            ("Stale judgements (evidence changed since)", self.stale),
            ("Escalations open", self.open_escalations),
            ("Escalations overdue", self.overdue_escalations),
            ("Reviews overdue", self.overdue_reviews),
            ("Cases that need attention", self.attention),
        ]


def _counts(rows, locations, cutoff):
    """The provider's counts and each location's, from the case rows (and one query for
    overdue reviews)."""
    overall = Counts()
    per_location = {loc.pk: Counts() for loc in locations}
    for row in rows:
        overall.add(row)
        per_location[row.location_id].add(row)
    for location_id, n in _overdue_reviews(locations, cutoff).items():
        per_location[location_id].overdue_reviews = n
        overall.overdue_reviews += n
    return overall, per_location


def headline_counts(provider, quarter: Quarter, *, location=None, now=None) -> Counts:
    """The main counts of a quarter as they stood at its cut-off (the previous quarter's, for
    the comparison): a fixed number of queries."""
    cutoff = data.cutoff_for(quarter, now)
    locations = _locations(provider, location)
    overall, _ = _counts(_case_rows(locations, quarter.start, cutoff), locations, cutoff)
    return overall


def comparison(current: Counts, previous: Counts, previous_quarter: Quarter) -> dict:
    rows = []
    for (label, now_n), (_, then_n) in zip(current.headline(), previous.headline(), strict=True):
        change = now_n - then_n
        rows.append((label, then_n, now_n, f"+{change}" if change > 0 else str(change)))
    return {"previous": previous_quarter, "rows": rows}


def _locations(provider, location):
    locations = provider.locations.filter(is_active=True).order_by("name")
    if location is not None:
        locations = locations.filter(pk=location.pk)
    return list(locations)


def _full_views(rows, cutoff):
    """The cases that need attention, each read in full as reports/data.py reads a case: a
    fixed number of queries, and only these cases' evidence in memory."""
    if not rows:
        return {}
    today = timezone.localdate(cutoff)
    cases = list(
        data._cases_with_everything(
            ImprovementCase.objects.filter(pk__in=[r.id for r in rows]), cutoff
        )
    )
    teams = defaultdict(list)
    for team in Team.objects.filter(location_id__in={c.location_id for c in cases}):
        teams[team.location_id].append(team)
    then = data._judgements_then(cases, cutoff)
    record = data._with_users(data._record_then(cases, cutoff))
    return {
        c.pk: data._case_view(c, teams[c.location_id], today, cutoff, then, record) for c in cases
    }


def _indicator_line(indicator) -> str:
    """An indicator in one sentence (its chart's description): baseline, target, latest."""
    return charts.indicator_chart(
        name=indicator.name,
        unit=indicator.unit,
        baseline=float(indicator.baseline),
        target=float(indicator.target),
        readings=[(r.taken_on, r.value) for r in indicator.readings.all()],
    ).description


def _steps_line(steps) -> str:
    """The case's five steps in a few words: how many are completed, and the first one not
    yet (its number and artefact)."""
    done = [step for step, _ in steps if step.completed_at]
    if steps and len(done) == len(steps):
        return f"all {len(steps)} completed"
    pending = next(step for step, _ in steps if not step.completed_at) if steps else None
    words = f"{len(done)} of {len(steps)} completed"
    if pending is not None:
        words += f"; not yet: step {pending.number}, {pending.artefact_label}"
    return words


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def summary_fingerprint(rows, views) -> dict:
    """A SHA-256 of every figure and flag the report shows, whole and per case: a case in the
    table by its row, a case shown in full also by its figures (reports/data.py)."""
    full = data.figures_fingerprint(views)["cases"]
    per_case = {}
    for row in rows:
        key = str(row.uuid)
        per_case[key] = _digest(
            {
                "status": row.status,
                "step": row.current_step,
                "level": row.level,
                "supported": row.supported,
                "changes": row.changes,
                "evidence": row.evidence,
                "escalations": [row.open_escalations, row.overdue_escalations],
                "reasons": row.reasons,
                "figures": full.get(key),
            }
        )
    return {"sha256": _digest(per_case), "cases": per_case}


@dataclass
class LocationPage:
    location: object
    counts: Counts
    rating: object  # picture.Brief or None
    attention: list  # the location's cases shown in full (their views)
    others: list  # CaseRow, the rest


def quarterly_summary_data(
    provider, quarter: Quarter, *, location=None, now=None, requested_by=None, commentary=""
) -> dict:
    """The context of templates/reports/pdf/quarterly_summary.html."""
    now = now or timezone.now()
    cutoff = data.cutoff_for(quarter, now)
    locations = _locations(provider, location)
    rows = _case_rows(locations, quarter.start, cutoff)
    overall, per_location = _counts(rows, locations, cutoff)
    order = {loc.pk: i for i, loc in enumerate(locations)}
    rows.sort(key=lambda r: (order[r.location_id], r.opened_at, r.id))
    needing = [r for r in rows if r.reasons]
    views = _full_views(needing, cutoff)
    for row in needing:
        view = views[row.id]
        view["reasons"], view["row"] = row.reasons, row
        view["indicator_lines"] = [_indicator_line(ind) for ind in view["indicators"]]
        view["steps_line"] = _steps_line(view["steps"])
    briefs = rating_picture.briefs(locations, cutoff)
    attention, others = defaultdict(list), defaultdict(list)
    for row in rows:
        if row.reasons:
            attention[row.location_id].append(views[row.id])
        else:
            others[row.location_id].append(row)
    pages = [
        LocationPage(
            location=loc,
            counts=per_location[loc.pk],
            rating=briefs.get(loc.pk),
            attention=attention[loc.pk],
            others=others[loc.pk],
        )
        for loc in locations
    ]
    previous = quarter.previous()
    previous_counts = headline_counts(provider, previous, location=location, now=now)
    scope = location.name if location else provider.name
    return {
        "kind": "quarterly",
        "layout": "summary",
        "title": f"Quarterly assurance report: {scope}, {quarter.label}",
        "provider": provider,
        "scope_location": location,
        "quarter": quarter,
        "generated_at": now,
        "generated_by": requested_by,
        "data_cutoff": cutoff,
        "commentary": commentary,
        "locations": locations,
        "counts": overall,
        "comparison": comparison(overall, previous_counts, previous),
        "review": data._review_figures(provider, location, quarter, cutoff),
        "pages": pages,
        "attention": [views[r.id] for r in needing],
        "others": len(rows) - len(needing),
        "attention_reasons": ATTENTION,
        "fingerprint": summary_fingerprint(rows, [views[r.id] for r in needing]),
    }
